"""Scorecards: the submitted cards you may read (hiring managers and admins: all of them; interviewers: their own
and, once they have submitted theirs, their panels'), one opened in full, and the export."""

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.visibility import audit_log, get_scorecard, visible_scorecards
from ui import scorecard_view as sv
from ui.auth import require_role
from ui.interview_pickers import kit_title, stage_label
from ui.services import get_services
from ui.text import inert, plain

PAGE = "scorecards"
user = require_role("admin", "manager", "interviewer")
viewer = user.identity
svc = get_services()
st.title("Scorecards")
st.caption("Every submitted scorecard." if user.role in ("admin", "manager") else
           "Your scorecards, and your panels' once you have submitted yours.")

with session_scope(svc.sessions) as session:
    cards = visible_scorecards(session, viewer=viewer, submitted_only=True)
if not cards:
    st.info("No scorecards yet.")
    st.stop()

st.dataframe([{"#": c.id, "submitted": c.submitted_at.strftime("%Y-%m-%d %H:%M") if c.submitted_at else "",
               "candidate": plain(c.candidate_name), "interviewer": plain(c.interviewer_name),
               "kit": plain(kit_title(svc.bank, c.kit_id)), "stage": plain(stage_label(c.stage)),
               "recommendation": sv.RECOMMENDATION_LABELS.get(c.recommendation or "", "-"),
               "questions": len(c.ratings)} for c in cards], hide_index=True, width="stretch")

by_id = {c.id: c for c in cards}
try:
    wanted = int(st.query_params.get("card", ""))
except ValueError:
    wanted = None
if wanted is not None and st.session_state.get(f"{PAGE}.url") != wanted and wanted in by_id:
    st.session_state[f"{PAGE}.open"] = wanted
st.session_state[f"{PAGE}.url"] = wanted
chosen = st.selectbox("Open a scorecard", list(by_id), key=f"{PAGE}.open", index=None,
                      placeholder="Choose a scorecard to read in full",
                      format_func=lambda cid: plain(f"#{cid} · {by_id[cid].candidate_name} · by "
                                                    f"{by_id[cid].interviewer_name}"))
if wanted is not None and wanted not in by_id:
    st.error(f"Scorecard #{wanted} is not one you can open.")
if chosen is not None:
    st.query_params["card"] = str(chosen)
    try:
        with session_scope(svc.sessions) as session:
            card = get_scorecard(session, viewer=viewer, scorecard_id=chosen)
            entries = audit_log(session, viewer=viewer, scorecard_id=chosen)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        sv.read_only_card(svc.bank, card)
        sv.audit_table(entries)

from interviews.export import export_scorecards  # noqa: E402

cols = st.columns(2)
cols[0].download_button("Export CSV", export_scorecards(cards, "csv"), "scorecards.csv", "text/csv", key=f"{PAGE}.csv")
cols[1].download_button("Export JSON", export_scorecards(cards, "json"), "scorecards.json", "application/json",
                        key=f"{PAGE}.json")
