"""Interview notes: the interviewer types notes, sees which rubric points they cover, confirms or overrides."""

import streamlit as st

from interviews.db import session_scope
from interviews.notes import load_note, save_note
from interviews.overrides import record_decisions
from scoring.matcher import match_question, warm_points
from ui.auth import require_role
from ui.components import bank_kit_title, inert, question_label
from ui.matching_view import coverage_summary, decisions, missing_follow_ups
from ui.services import get_services

PAGE = "interview"
user = require_role("interviewer")
svc = get_services()
bank = svc.bank
st.title("Interview notes")

left, right = st.columns(2)
kit_id = left.selectbox("Interview kit", [k.id for k in bank.kits], key=f"{PAGE}.kit",
                        format_func=lambda kid: bank_kit_title(bank, kid))
kit = next(k for k in bank.kits if k.id == kit_id)
stage_names = [s.name for s in kit.stages]
stage_name = right.selectbox("Stage", stage_names, key=f"{PAGE}.stage")
stage = kit.stages[stage_names.index(stage_name)]
question_id = st.radio("Question", stage.questions, key=f"{PAGE}.question",
                       format_func=lambda qid: question_label(bank.question(qid)))
question = bank.question(question_id)
warm_points(question.rubric, encoder=svc.encoder())  # the first match then only encodes the notes

with st.expander("What to look for, red flags and rating guide"):
    st.markdown(f"**Why we ask it.** {inert(question.why_asked)}")
    st.markdown("**Red flags**\n" + "\n".join(f"- {inert(f)}" for f in question.red_flags))
    st.markdown("**Rating guide**\n" + "\n".join(f"- **{n}**: {inert(question.rating_guide.for_rating(n))}"
                                                  for n in range(1, 5)))

notes_key = f"{PAGE}.notes.{question.id}"
if notes_key not in st.session_state:
    with session_scope(svc.sessions) as session:
        st.session_state[notes_key] = load_note(session, interviewer=user.name, question_id=question.id)


def autosave() -> None:
    with session_scope(svc.sessions) as session:
        save_note(session, interviewer=user.name, question_id=question.id, text=st.session_state[notes_key])


notes = st.text_area("Your notes (shorthand is fine: TRT, PTQ, mAP, fps...)", height=200, key=notes_key,
                     max_chars=svc.settings.max_text_chars,
                     on_change=autosave, help="Saved as you type (on Ctrl+Enter or when you leave the box); "
                     "the matches update at the same time.")
if not notes.strip():
    st.caption("Matches appear as you take notes.")
    st.stop()

result = match_question(notes, question, encoder=svc.encoder())
coverage_summary(result)
notes_col, follow_col = st.columns([3, 2], gap="large")
version_key = f"{PAGE}.saved.{question.id}"
with notes_col:
    st.markdown("**Rubric points: the matcher suggests, you decide**")
    decided = decisions(question, result, PAGE, st.session_state.get(version_key, 0))
with follow_col:
    missing_follow_ups(question, result)

if st.button("Save my decisions", key=f"{PAGE}.save.{question.id}", type="primary"):
    rows = [(question.rubric[m.index].id, question.rubric[m.index].text, m.covered, m.probability, human)
            for m, human in zip(result.matches, decided)]
    with session_scope(svc.sessions) as session:
        record_decisions(session, reviewer=user.name, question_id=question.id, text=notes, decisions=rows)
    overridden = sum(1 for m, human in zip(result.matches, decided) if m.covered != human)
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
    st.success(f"Saved {len(rows)} decisions ({overridden} override(s) of the matcher's suggestion).")
