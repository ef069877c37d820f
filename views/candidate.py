"""One candidate: every scorecard opened in full (per-question and per-competency ratings, rationale, who said
what, the notes' evidence behind each rating), lab runs with their figures, take-home results, the stage history
and the decision (advance, hold or reject with a reason)."""

import streamlit as st

from interviews.candidates import STAGE_LABELS, list_candidates
from interviews.db import session_scope
from interviews.decisions import record_decision
from interviews.dossier import candidate_dossier
from interviews.errors import DomainError
from ui import manager_view as view
from ui.auth import require_role
from ui.services import get_services
from ui.text import inert, plain

PAGE = "candidate"
user = require_role("admin", "manager")
viewer = user.identity
svc = get_services()
st.title("Candidate")

with session_scope(svc.sessions) as session:
    candidates = list_candidates(session, viewer=viewer)
if not candidates:
    st.info("No candidates yet: add them on the Candidates screen.")
    st.stop()
by_id = {c.id: c for c in candidates}
candidate_id = view.choose_candidate(by_id, PAGE)

try:
    with session_scope(svc.sessions) as session:
        dossier = candidate_dossier(session, viewer=viewer, candidate_id=candidate_id,
                                    extras=view.takehome_lines([candidate_id]).get(candidate_id, ()))
except DomainError as exc:
    st.error(inert(str(exc)))
    st.stop()
person = dossier.candidate
st.subheader(inert(person.name), anchor=False)
st.caption(f"{inert(person.role_applied or 'role not given')} · stage: {person.stage_label} · "
           f"{len(dossier.cards)} submitted scorecard(s)"
           + (f" · waiting for {inert(', '.join(s.name for s in dossier.missing))}" if dossier.missing else ""))

st.markdown("#### Decision")
latest = dossier.decisions[0].summary if dossier.decisions else ""
if latest:
    st.info(f"Latest: {inert(latest)}", icon=":material/gavel:")
choice = view.decision_form(person.id, person.stage, PAGE)
if choice is not None:
    outcome, to_stage, reason = choice
    try:
        with session_scope(svc.sessions) as session:
            made = record_decision(session, actor=viewer, candidate_id=person.id, outcome=outcome, reason=reason,
                                   to_stage=to_stage, expected_stage=person.stage)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        st.session_state[f"{PAGE}.flash"] = f"Recorded: {made.summary}"
        view.clear_decision_form(person.id, PAGE)
        st.rerun()
if flash := st.session_state.pop(f"{PAGE}.flash", None):
    st.success(inert(flash), icon=":material/check_circle:")
with st.expander("Decisions and stage history"):
    view.decision_history(dossier.decisions)
    st.dataframe([{"when": e.at.strftime("%Y-%m-%d %H:%M"),
                   "from": STAGE_LABELS.get(e.from_stage or "", e.from_stage or ""),
                   "to": STAGE_LABELS.get(e.to_stage, e.to_stage),
                   "by": plain(e.actor_name), "reason": plain(e.reason)} for e in dossier.history],
                 hide_index=True, width="stretch")

st.markdown("#### Scorecards")
if not dossier.cards:
    st.info("No submitted scorecard for this candidate yet.")
titles = view.competency_titles(svc.bank)
for detail in dossier.cards:
    card = detail.card
    label = f"{card.interviewer_name}: {card.recommendation_label or 'no recommendation'} · mean {card.mean_rating:.2f}"
    with st.expander(inert(label), expanded=True):
        view.card_detail(svc.bank, detail, titles)

st.markdown("#### Lab and take-home")
view.lab_runs_table(dossier.lab_runs)
figure = view.lab_figure(dossier.lab_runs)
if figure is not None:
    st.plotly_chart(figure, key=f"{PAGE}.lab_chart")
for line in dossier.extras:
    st.markdown(inert(line))
