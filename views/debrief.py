"""Debrief: one candidate's panel, their scorecards side by side, once you have submitted yours.

Independent scoring: an interviewer sees the other panel members' scorecards only after submitting their own;
hiring managers and admins see every submitted card. Candidates never reach this page.
"""

import streamlit as st

from interviews.candidates import list_candidates
from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.visibility import debrief
from ui import scorecard_view as sv
from ui.auth import require_role
from ui.interview_pickers import stage_label
from ui.services import get_services
from ui.text import inert, plain

PAGE = "debrief"
user = require_role("admin", "manager", "interviewer")
viewer = user.identity
svc = get_services()
st.title("Debrief")

with session_scope(svc.sessions) as session:
    candidates = list_candidates(session, viewer=viewer)
if not candidates:
    st.info("No candidates yet.")
    st.stop()
by_id = {c.id: c for c in candidates}
try:
    wanted = int(st.query_params.get("candidate", ""))
except ValueError:
    wanted = None
if wanted is not None and wanted not in by_id:
    st.error(f"Candidate #{wanted} is not one you can open.")
    st.stop()
if wanted is not None and st.session_state.get(f"{PAGE}.url") != wanted:
    st.session_state[f"{PAGE}.candidate"] = wanted
    st.session_state[f"{PAGE}.url"] = wanted
candidate_id = st.selectbox("Candidate", list(by_id), key=f"{PAGE}.candidate",
                            format_func=lambda cid: plain(f"{by_id[cid].name} · {by_id[cid].stage_label}"))
st.query_params["candidate"] = str(candidate_id)
st.session_state[f"{PAGE}.url"] = candidate_id

try:
    with session_scope(svc.sessions) as session:
        report = debrief(session, viewer=viewer, candidate_id=candidate_id)
except DomainError as exc:
    st.error(inert(str(exc)))
    st.stop()

panel = ", ".join(f"{m.name} ({'submitted' if m.submitted else 'not yet'})" for m in report.panel)
st.caption(f"Panel: {inert(panel) if panel else 'nobody yet'}")
if report.waiting_on_viewer and report.hidden:
    cards = "1 scorecard from the panel stays" if report.hidden == 1 else \
        f"{report.hidden} scorecards from the panel stay"
    st.warning(f"{cards} hidden until you submit your own scorecard for this candidate. "
               "That keeps everyone's first judgement independent.", icon=":material/lock:")
if not report.cards:
    st.info("No scorecards to show yet.")
    st.stop()
st.dataframe([{"interviewer": plain(c.interviewer_name), "stage": plain(stage_label(c.stage)),
               "recommendation": sv.RECOMMENDATION_LABELS.get(c.recommendation or "", "-"),
               "questions rated": len(c.ratings),
               "mean rating": round(sum(r.rating for r in c.ratings) / len(c.ratings), 2) if c.ratings else None}
              for c in report.cards], hide_index=True, width="stretch")
for card in report.cards:
    with st.expander(f"{inert(card.interviewer_name)}: {sv.RECOMMENDATION_LABELS.get(card.recommendation or '', '-')}",
                     expanded=len(report.cards) <= 3):
        sv.read_only_card(svc.bank, card)
