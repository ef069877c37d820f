"""Candidates: the pipeline list, one candidate's profile (stage history, interviews), adding a candidate and moving
a stage (hiring managers and admins). Candidates are picked from this list everywhere, never typed free."""

import streamlit as st

from interviews.candidates import STAGE_LABELS, STAGES, create_candidate, list_candidates, move_stage, stage_history
from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.schedule import list_interviews
from ui.auth import require_role
from ui.interview_pickers import STATUS_LABELS, kit_title
from ui.services import get_services
from ui.text import inert, plain

PAGE = "candidates"
user = require_role("admin", "manager", "interviewer")
viewer = user.identity
svc = get_services()
managing = user.role in ("admin", "manager")
st.title("Candidates")

with session_scope(svc.sessions) as session:
    candidates = list_candidates(session, viewer=viewer)
if managing:
    with st.expander("Add a candidate", icon=":material/person_add:"):
        with st.form(f"{PAGE}.add", clear_on_submit=True):
            name = st.text_input("Name", max_chars=120, key=f"{PAGE}.name")
            email = st.text_input("Email (optional)", max_chars=200, key=f"{PAGE}.email")
            role_applied = st.text_input("Role applied for", max_chars=200, key=f"{PAGE}.role_applied")
            stage = st.selectbox("Stage", STAGES, key=f"{PAGE}.stage", format_func=STAGE_LABELS.get)
            if st.form_submit_button("Add the candidate", type="primary"):
                try:
                    with session_scope(svc.sessions) as session:
                        added = create_candidate(session, actor=viewer, name=name, email=email,
                                                 role_applied=role_applied, stage=stage)
                except DomainError as exc:
                    st.error(inert(str(exc)))
                else:
                    st.success(f"Added {inert(added.name)}.")
                    st.rerun()
if not candidates:
    st.info("No candidates yet." + (" Add one above." if managing else ""))
    st.stop()

st.dataframe([{"#": c.id, "name": plain(c.name), "role applied for": plain(c.role_applied), "stage": c.stage_label,
               "demo data": "yes" if c.demo else ""} for c in candidates], hide_index=True, width="stretch")
by_id = {c.id: c for c in candidates}
chosen = st.selectbox("Open a candidate", list(by_id), key=f"{PAGE}.open",
                      format_func=lambda cid: plain(f"{by_id[cid].name} · {by_id[cid].stage_label}"))
candidate = by_id[chosen]
st.subheader(inert(candidate.name), anchor=False)
contact = f" · {inert(candidate.email or 'no email')}" if managing else ""
st.caption(f"{inert(candidate.role_applied or 'role not given')}{contact} · stage: {candidate.stage_label}")
with session_scope(svc.sessions) as session:
    history = stage_history(session, viewer=viewer, candidate_id=candidate.id)
    interviews = list_interviews(session, viewer=viewer, candidate_id=candidate.id)
left, right = st.columns(2)
with left:
    st.markdown("**Stage history**")
    st.dataframe([{"when": e.at.strftime("%Y-%m-%d %H:%M"), "from": STAGE_LABELS.get(e.from_stage, e.from_stage or ""),
                   "to": STAGE_LABELS.get(e.to_stage, e.to_stage),
                   **({"by": plain(e.actor_name), "reason": plain(e.reason)} if managing else {})} for e in history],
                 hide_index=True, width="stretch")
with right:
    st.markdown("**Interviews**")
    for interview in interviews:
        status = STATUS_LABELS.get(interview.status, interview.status)
        label = f"#{interview.id} · {kit_title(svc.bank, interview.kit_id)} · {status}"
        st.page_link("views/interview.py", label=inert(label),
                     query_params={"interview": interview.id}, icon=":material/record_voice_over:")
    if not interviews:
        st.caption("None yet.")
    st.page_link("views/debrief.py", label="Debrief for this candidate", icon=":material/forum:",
                 query_params={"candidate": candidate.id})
    if managing:
        st.page_link("views/candidate.py", label="Every card with its evidence, and the decision",
                     icon=":material/person_search:", query_params={"candidate": candidate.id})
if managing:
    with st.form(f"{PAGE}.move"):
        new_stage = st.selectbox("Move to stage", STAGES, index=STAGES.index(candidate.stage), key=f"{PAGE}.to",
                                 format_func=STAGE_LABELS.get)
        reason = st.text_input("Reason", max_chars=500, key=f"{PAGE}.reason")
        if st.form_submit_button("Move"):
            try:
                with session_scope(svc.sessions) as session:
                    move_stage(session, actor=viewer, candidate_id=candidate.id, stage=new_stage, reason=reason)
            except DomainError as exc:
                st.error(inert(str(exc)))
            else:
                st.rerun()
