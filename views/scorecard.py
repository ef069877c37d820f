"""The scorecard of one interview: rate each question 1-4 (the rating guide beside it, the matcher's suggestion in
view), adjust the derived competency ratings with a reason, recommend, explain, submit once. Read-only afterwards;
changes after submitting are amendments with a reason, kept in the audit log."""

import uuid

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.cards import Rating
from interviews.errors import AlreadySubmitted
from interviews.scorecards import submit_scorecard
from interviews.visibility import audit_log, visible_scorecards
from scoring.matcher import match_question
from ui import scorecard_view as sv
from ui.auth import require_role
from ui.interview_pickers import choose_interview, kit_questions
from ui.services import get_services
from ui.text import plain
from ui.text import inert

PAGE = "scorecard"
user = require_role("interviewer", "manager")
viewer = user.identity
svc = get_services()
bank = svc.bank
st.title("Scorecard")
st.caption("Independent scoring: the panel's other scorecards stay hidden until you submit yours (see Debrief).")

interview = choose_interview(svc, viewer, PAGE)
with session_scope(svc.sessions) as session:
    mine = next((c for c in visible_scorecards(session, viewer=viewer, candidate_id=interview.candidate_id)
                 if c.interview_id == interview.id and c.interviewer_id == viewer.account_id), None)
if mine is not None and mine.status == "submitted":
    st.success("You submitted this scorecard. It is read-only; an amendment needs a reason and is logged.")
    sv.read_only_card(bank, mine, show_author=False)
    with session_scope(svc.sessions) as session:
        sv.audit_table(audit_log(session, viewer=viewer, scorecard_id=mine.id))
    sv.amend_form(svc, viewer, mine, page=PAGE)
    st.page_link("views/debrief.py", label="Open the debrief for this candidate", icon=":material/forum:",
                 query_params={"candidate": interview.candidate_id})
    st.stop()

from interviews.lab_runs import list_lab_runs  # noqa: E402  (only needed while the card is open)
from interviews.notes import load_notes  # noqa: E402

with session_scope(svc.sessions) as session:
    notes = load_notes(session, viewer=viewer, interview_id=interview.id)
    runs = list_lab_runs(session, viewer=viewer, candidate_id=interview.candidate_id)
sv.restore_draft(mine, page=PAGE, interview_id=interview.id)
ratings = []
st.markdown("### Questions")
for qid in kit_questions(bank, interview):
    question = bank.question(qid)
    text = notes[qid].text if qid in notes else ""
    suggested = match_question(text, question, encoder=svc.encoder()).rating if text.strip() else None
    chosen = sv.rate_question(question, key=f"{PAGE}.rate.{interview.id}.{qid}", suggested=suggested,
                              notes_chars=len(text))
    if chosen:
        ratings.append(Rating(qid, question.competency, int(chosen), suggested))

st.markdown("### Competencies")
derived = sv.derive(ratings)
if derived:
    overrides = sv.competency_inputs(bank, derived, f"{PAGE}.{interview.id}")
else:
    overrides = {}
    st.caption("Rate at least one question: the competency ratings are derived from them.")
st.markdown("### Recommendation")
recommendation = st.radio("Recommendation", list(sv.RECOMMENDATION_LABELS), index=None, horizontal=True,
                          format_func=sv.RECOMMENDATION_LABELS.get, key=f"{PAGE}.recommendation.{interview.id}")
rationale = st.text_area("Rationale: what you saw, in a few sentences", max_chars=10_000,
                         key=f"{PAGE}.rationale.{interview.id}")
run_labels = {r.id: f"#{r.id} {r.variant}" + (" (run by staff)" if r.run_by_staff else "") for r in runs}
attached = st.multiselect("Attach the candidate's lab runs", list(run_labels), key=f"{PAGE}.runs.{interview.id}",
                          format_func=lambda rid: plain(run_labels[rid])) if runs else []
sv.keep_draft(svc, viewer, interview.id, ratings=ratings, recommendation=recommendation, rationale=rationale,
              overrides=overrides, lab_run_ids=attached)

token_key = f"{PAGE}.token.{interview.id}"
st.session_state.setdefault(token_key, uuid.uuid4().hex)
if st.button("Submit scorecard", key=f"{PAGE}.submit", type="primary"):
    if recommendation is None:
        st.error("Choose a recommendation (strong no, no, yes or strong yes) before submitting.")
    elif any(not reason.strip() for _, reason in overrides.values()):
        st.error("Say why you moved a competency rating away from the one derived from the questions.")
    else:
        try:
            with session_scope(svc.sessions) as session:
                card, created = submit_scorecard(session, viewer=viewer, interview_id=interview.id,
                                                 token=st.session_state[token_key], ratings=ratings,
                                                 recommendation=recommendation, rationale=rationale,
                                                 competency_overrides=overrides, lab_run_ids=attached)
        except AlreadySubmitted:  # a double click or another tab got there first: one card, now read-only
            st.rerun()
        except DomainError as exc:
            st.error(inert(str(exc)))
        else:
            st.rerun()
