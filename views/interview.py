"""Interview notes: pick a candidate and an interview (or start one from a kit), then take notes per question.

Notes save while you type; the matches follow the saved text; the ticks follow the matches until you touch them.
The page's state is in the URL (?interview=ID&question=QID), so a reload or a shared link opens the same place.
"""

import streamlit as st

from interviews.errors import DomainError
from scoring.matcher import match_question, warm_points
from ui import interview_view as iv
from ui.auth import require_role
from ui.interview_pickers import choose_interview, kit_questions
from ui.matching_view import coverage_summary, missing_follow_ups
from ui.services import get_services
from ui.text import inert

PAGE = "interview"
user = require_role("interviewer", "manager")
viewer = user.identity
svc = get_services()
bank = svc.bank
st.title("Interview notes")

interview = choose_interview(svc, viewer, PAGE)
question_ids = kit_questions(bank, interview)
wanted = st.query_params.get("question")
question_id = st.radio("Question", question_ids, key=f"{PAGE}.question.{interview.id}", horizontal=False,
                       index=question_ids.index(wanted) if wanted in question_ids else 0,
                       format_func=lambda qid: inert(bank.question(qid).prompt))
st.query_params["question"] = question_id
question = bank.question(question_id)
warm_points(question.rubric, encoder=svc.encoder())  # the first match then only encodes the notes

iv.question_brief(question)
me = next((m for m in interview.panel if m.account_id == viewer.account_id), None)
if me is None:
    why = "You are not on this interview's panel: its interviewers take the notes. Your own notes would go in an " \
          "interview you sit on."
else:
    why = "Your scorecard for this interview is submitted: the notes are read-only now." if me.submitted else ""
notes = iv.notes_panel(svc, viewer, interview.id, question.id, read_only=why)
iv.discarded_text(interview.id, question.id)
st.page_link("views/scorecard.py", label="Open the scorecard for this interview", icon=":material/rate_review:",
             query_params={"interview": interview.id})
if not notes.text.strip():
    st.caption("Matches appear as you take notes.")
    st.stop()

result = match_question(notes.text, question, encoder=svc.encoder())
coverage_summary(result)
notes_col, follow_col = st.columns([3, 2], gap="large")
with notes_col:
    st.markdown("**Rubric points: the matcher suggests, you decide**")
    saved = iv.saved_decisions(svc, viewer, interview.id, question.id)
    chosen = iv.decision_ticks(question, result, interview.id, saved)
with follow_col:
    missing_follow_ups(question, result)

if st.button("Save my decisions", key=f"{PAGE}.save.{interview.id}.{question.id}", type="primary"):
    try:
        count, overridden = iv.store_decisions(svc, viewer, interview.id, question, notes.text, result, chosen)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        st.success(f"Saved {count} decisions ({overridden} override(s) of the matcher's suggestion).")
