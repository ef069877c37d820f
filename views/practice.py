"""Practice: a candidate answers a question alone, sees rubric coverage, compares with the model answer."""

import streamlit as st

from interviews.db import session_scope
from interviews.practice import list_attempts, progress, save_attempt
from scoring.matcher import match_question, warm_points
from ui.auth import require_role
from ui.components import inert, question_label
from ui.matching_view import coverage_list, coverage_summary, progress_table
from ui.services import get_services

PAGE = "practice"
user = require_role("candidate")
svc = get_services()
bank = svc.bank
st.title("Practice")
st.caption("Answer as you would in the interview. Your answers are visible to you only.")

question_id = st.selectbox("Question", [q.id for q in bank.questions], key=f"{PAGE}.question",
                           format_func=lambda qid: question_label(bank.question(qid)))
question = bank.question(question_id)
warm_points(question.rubric, encoder=svc.encoder())  # the first check then only encodes the answer
st.subheader(inert(question.prompt), anchor=False)

with st.form(f"{PAGE}.form"):
    answer = st.text_area("Your answer", height=220, max_chars=svc.settings.max_text_chars, key=f"{PAGE}.answer")
    submitted = st.form_submit_button("Check my answer", type="primary")

if submitted:
    if not answer.strip():
        st.error("Write an answer first: there is nothing to check.")
    else:
        with st.spinner("Matching your answer to the rubric..."):
            result = match_question(answer, question, encoder=svc.encoder())
        covered = [question.rubric[m.index].id for m in result.matches if m.covered]
        with session_scope(svc.sessions) as session:
            save_attempt(session, candidate=user.name, question_id=question.id, answer=answer,
                         covered_points=covered, total_points=len(question.rubric),
                         suggested_rating=result.rating or 1)
        st.session_state[f"{PAGE}.result"] = (question.id, result)

stored = st.session_state.get(f"{PAGE}.result")
if stored and stored[0] == question.id:
    result = stored[1]
    st.markdown("#### Rubric coverage")
    coverage_summary(result)
    coverage_list(question, result)
    if st.toggle("Compare with the model answer", key=f"{PAGE}.reveal.{question.id}"):
        st.info(inert(question.model_answer), icon=":material/lightbulb:")

st.divider()
st.markdown("#### Your progress")
with session_scope(svc.sessions) as session:
    summary = progress(session, candidate=user.name)
    attempts = list_attempts(session, candidate=user.name)
cols = st.columns(3)
cols[0].metric("Attempts", summary.attempts)
cols[1].metric("Questions tried", summary.questions_tried)
cols[2].metric("Mean rubric coverage", f"{summary.mean_coverage:.0%}")
known = {q.id: q.prompt for q in bank.questions}
progress_table([{"when": a.created_at.strftime("%Y-%m-%d %H:%M"), "question": known.get(a.question_id, a.question_id),
                 "covered": f"{len(a.covered_points)} / {a.total_points}", "suggested rating": a.suggested_rating}
                for a in attempts[:20]])
