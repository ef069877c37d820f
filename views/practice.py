"""Practice: a candidate picks questions (by competency, topic, kit, at random, due for review or recommended),
answers against an optional timer, sees coverage, red flags and a suggested rating beside the model answer, and
keeps every attempt in a history with progress, weak areas and an export."""

import streamlit as st

from interviews.db import session_scope
from interviews.practice import full_history, list_attempts, review_states
from interviews.practice_feedback import feedback_from_analysis
from interviews.practice_history import export_history, overview, question_pool, random_question
from ui.access import readable_ids
from ui.auth import require_role
from ui.practice_actions import OPENED, QID, VIEW, Practice, last_key, show_flash
from ui.practice_history_view import (
    attempt_page,
    attempt_rows,
    export_buttons,
    progress_chart,
    summary_metrics,
    weak_and_next,
)
from ui.practice_view import (
    answer_box,
    countdown,
    feedback_view,
    mode_picker,
    pool_filter,
    pool_navigation,
    question_header,
    timer_setting,
)
from ui.services import get_services
from ui.text import inert

PAGE = "practice"
user = require_role("candidate")
svc = get_services()
bank = svc.bank
viewer = user.identity
readable = readable_ids(bank, user)  # practice questions only
competency_of = {q.id: q.competency for q in bank.questions if q.id in readable}
titles = {c.id: c.name for c in bank.competencies}
prompts = {q.id: q.prompt for q in bank.questions if q.id in readable}
practice = Practice(svc, viewer, readable)
practice.default_mode()
practice.adopt_links(bank)

st.title("Practice")
st.caption("Answer as you would in the interview. Your answers and history are visible to you only.")
show_flash()
view = st.radio("Show", ["Practise", "History"], key=VIEW, horizontal=True, label_visibility="collapsed",
                on_change=practice.remember_view)


def history_overview():
    with session_scope(svc.sessions) as s:
        return overview(list_attempts(s, viewer=viewer), review_states(s, viewer=viewer), competency_of)


def show_opened(opened: object) -> None:
    attempt = practice.load(opened)
    if attempt is not None:
        with st.container(border=True):
            st.markdown(f"**Attempt of {attempt.summary.created_at:%Y-%m-%d %H:%M} UTC**")
            st.button("Close this attempt", key=f"{PAGE}.close", on_click=practice.close_attempt)
            show_attempt(attempt, reopened=True)


def show_attempt(attempt, *, reopened: bool) -> None:
    if attempt.summary.question_id not in readable:
        st.warning("This question is no longer open for practice: its rubric and model answer are hidden.")
        st.text(attempt.answer[:5000])
        return
    question = bank.question(attempt.summary.question_id)
    if reopened:
        question_header(bank, question)
    feedback = feedback_from_analysis(question, attempt.answer, attempt.analysis, max_chars=svc.settings.max_text_chars)
    feedback_view(question, attempt, feedback, practice.record)


if view == "History":
    top = st.container()
    with session_scope(svc.sessions) as s:
        attempts = list_attempts(s, viewer=viewer)
        summary = overview(attempts, review_states(s, viewer=viewer), competency_of)
    summary_metrics(summary)
    progress_chart(summary, titles)
    weak_and_next(summary, bank, titles, practice.practise)
    rows = attempt_page(attempts, titles)
    opened = st.session_state.get(OPENED)
    opened_id = opened if isinstance(opened, int) else None
    if opened is not None and not any(a.id == opened for a in rows):
        with top:  # opened by a link: shown first
            show_opened(opened)
    attempt_rows(rows, prompts, practice.open_attempt, opened_id, lambda: show_opened(opened))

    def make_export(fmt: str) -> str:
        with session_scope(svc.sessions) as s:
            return export_history(full_history(s, viewer=viewer), prompts, fmt)

    export_buttons(make_export)
    st.stop()

mode = mode_picker()
counts: dict[str, int] = {}
for q in bank.questions:
    if q.id in readable:
        for tag in (f"competency:{q.competency}", *(f"topic:{t}" for t in q.topics),
                    *(f"kit:{k.id}" for k in bank.kits if q.id in k.question_ids)):
            counts[tag] = counts.get(tag, 0) + 1
chosen = pool_filter(bank, mode, counts)
if mode in ("Due for review", "Recommended for me"):
    plan = history_overview()
    pool = [s.question_id for s in plan.due] if mode == "Due for review" else list(plan.recommended)
    if not pool:
        when = f" The next review is due {plan.next_due:%Y-%m-%d %H:%M} UTC." if plan.next_due else ""
        st.info("Nothing is due for review now." + when + " Record a rating after an answer and the question is "
                "scheduled for review; meanwhile pick questions by competency, topic or kit.")
        st.stop()
else:
    pool = question_pool(bank, readable, **chosen)
    if not pool:
        st.info("There are no practice questions here yet. Ask your hiring contact, or try another way of choosing.")
        st.stop()
current = st.session_state.get(QID)
if current not in pool:
    practice.move_to(random_question(pool) if mode == "At random" else pool[0])
    current = st.session_state[QID]
elif st.query_params.get("question") != current:
    st.query_params["question"] = current
question = bank.question(current)

pool_navigation(pool, current, practice.move_to, random_pick=random_question(pool, avoid=current))
question_header(bank, question)
limit_s = timer_setting()
started = practice.prepare_box(current)
if limit_s:
    countdown(started, limit_s)
answer_box(current, practice.keep_draft)
if st.button("Check my answer", type="primary", key=f"{PAGE}.check", icon=":material/fact_check:"):
    if practice.check(question, limit_s) is not None:  # the answer stays in its box to revise and check again
        st.session_state.pop(f"{PAGE}.started.{current}", None)
        st.rerun()

last = st.session_state.get(last_key(current))
if last is not None:
    attempt = practice.load(last)
    if attempt is not None:
        st.divider()
        st.markdown(f"### {inert('Feedback on your answer')}")
        show_attempt(attempt, reopened=False)
