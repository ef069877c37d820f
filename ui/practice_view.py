"""Practice renderers: choosing a question, the timer, the answer box with its draft, and the feedback.

The page (views/practice.py) decides what happens; these functions draw and return what the candidate chose.
All user and bank text reaches markdown through ``inert``; the answer with its evidence highlighted is built from
inert segments wrapped in Streamlit's own background colours (no HTML).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import streamlit as st

from interviews.practice import MAX_ANSWER_CHARS, AttemptInfo
from interviews.practice_feedback import Feedback, highlight_segments
from question_bank.schema import Bank, Question
from scoring.matcher import QUOTE_GAP
from ui.components import KIND_LABELS, RATING_LABELS
from ui.text import inert, plain

PAGE = "practice"
MODES = ("Due for review", "Recommended for me", "By competency", "By topic", "By kit", "At random")
MARKS = {"evidence": "green-background", "flag": "orange-background"}


def mode_picker() -> str:
    return st.radio("Choose questions", MODES, key=f"{PAGE}.mode", horizontal=True)


def pool_filter(bank: Bank, mode: str, counts: dict[str, int]) -> dict[str, str]:
    """The competency, topic or kit the candidate practises (only those with practice questions are offered)."""
    if mode == "By competency":
        options = [c.id for c in bank.competencies if counts.get(f"competency:{c.id}")]
        names = {c.id: c.name for c in bank.competencies}
        kind = "competency"
    elif mode == "By topic":
        options = [s.id for s in bank.skills if counts.get(f"topic:{s.id}")]
        names = {s.id: s.name for s in bank.skills}
        kind = "topic"
    elif mode == "By kit":
        options = [k.id for k in bank.kits if counts.get(f"kit:{k.id}")]
        names = {k.id: k.title for k in bank.kits}
        kind = "kit"
    else:
        return {}
    if not options:
        return {}
    label = {"competency": "Competency", "topic": "Topic", "kit": "Interview kit"}[kind]
    chosen = st.selectbox(label, options, key=f"{PAGE}.{kind}",
                          format_func=lambda v: plain(f"{names[v]} ({counts[f'{kind}:{v}']} questions)"))
    return {kind: chosen}


def pool_navigation(pool: Sequence[str], current: str, on_move: Callable[[str], None], *, random_pick: str) -> None:
    """"Question i of n" with previous / next / another at random: never one long list of prompts."""
    position = pool.index(current) if current in pool else 0
    cols = st.columns([2, 1, 1, 1.4])
    cols[0].caption(f"Question {position + 1} of {len(pool)} in this set")
    cols[1].button("Previous", key=f"{PAGE}.prev", disabled=position == 0, icon=":material/arrow_back:",
                   on_click=on_move, args=(pool[max(position - 1, 0)],))
    cols[2].button("Next", key=f"{PAGE}.next", disabled=position >= len(pool) - 1, icon=":material/arrow_forward:",
                   on_click=on_move, args=(pool[min(position + 1, len(pool) - 1)],))
    cols[3].button("Another at random", key=f"{PAGE}.random", disabled=len(pool) < 2, icon=":material/casino:",
                   on_click=on_move, args=(random_pick,))


def question_header(bank: Bank, question: Question) -> None:
    st.subheader(inert(question.prompt), anchor=False)
    st.caption(f"{inert(bank.competency(question.competency).name)} · "
               f"{inert(', '.join(bank.skill(t).name for t in question.topics))} · "
               f"{KIND_LABELS[question.kind]} · {question.level.value}")


def timer_setting() -> int | None:
    """The time limit per answer in seconds, or None for no timer."""
    minutes = st.columns([1, 2])[0].number_input(
        "Timer per answer (minutes; 0 = no timer)", min_value=0, max_value=60, step=1, key=f"{PAGE}.timer_min",
        help="Time used is recorded with every attempt either way.")
    return int(minutes) * 60 if minutes else None


def clock_text(seconds: float) -> str:
    seconds = max(int(round(seconds)), 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@st.fragment(run_every=1)
def countdown(started: float, limit_s: int) -> None:
    left = limit_s - (time.time() - started)
    if left > 0:
        st.caption(f":material/timer: Time left: **{clock_text(left)}** of {clock_text(limit_s)}")
    else:
        st.warning(f"Time is up ({clock_text(limit_s)}). Finish your sentence and check your answer: the time you "
                   "used is recorded.", icon=":material/timer_off:")


def answer_box(question_id: str, on_change: Callable[[str], None]) -> str:
    """The answer box of this question only (its own key); edits are saved as the question's draft.

    No ``max_chars``: the browser drops a value longer than that instead of sending it, so a pasted answer over the
    limit would vanish. The length is checked on "Check my answer" instead, and the text stays in the box."""
    text = st.text_area("Your answer", key=f"{PAGE}.answer.{question_id}", height=240,
                        on_change=on_change, args=(question_id,),
                        help=f"At most {MAX_ANSWER_CHARS:,} characters are checked. Your draft is kept for this "
                             "question (also after a reload) and stays in the box after a check, so you can revise "
                             "it and check again.")
    if len(text or "") > MAX_ANSWER_CHARS:
        st.error(f"Your answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}. Shorten it and "
                 "check again.", icon=":material/warning:")
    return text


def _inert_lines(text: str, mark: str) -> str:
    """``text`` as inert markdown with its line breaks kept; each line wrapped in ``mark``'s colour if any."""
    lines = text.split("\n")
    out = []
    for line in lines:
        body = inert(line.replace("\t", " ").lstrip(" "))
        out.append(f":{mark}[{body}]" if mark and body.strip() else body)
    return "  \n".join(out)


def highlighted_answer(answer: str, feedback: Feedback) -> str:
    """Markdown of the answer with evidence green and red-flag mentions orange, all user text inert."""
    segments = highlight_segments(answer, feedback.evidence_spans, feedback.flag_spans)
    return "".join(_inert_lines(text, MARKS.get(kind, "")) for text, kind in segments)


def coverage_section(feedback: Feedback, answer: str) -> None:
    st.markdown("#### Rubric coverage")
    for point in feedback.points:
        mark = ":green-badge[covered]" if point.covered else ":gray-badge[missing]"  # text: no emoji font needed
        weight = "must" if point.must else "nice"
        quote = QUOTE_GAP.join(answer[a:b] for a, b in point.quoted)[:300] if point.covered else ""
        evidence = f"  \n:gray[evidence: “{inert(' '.join(quote.split()))}”]" if quote else ""
        st.markdown(f"{mark} **{inert(point.text)}** *({weight}, {point.probability:.0%})*{evidence}")
    missed = feedback.missed_must
    st.markdown("#### Missed must points")
    if missed:
        st.markdown("\n".join(f"- {inert(p.text)}" for p in missed))
    else:
        st.success("Every must point is covered.")


def red_flag_section(question: Question, feedback: Feedback) -> None:
    st.markdown("#### Red flags in this answer")
    if feedback.red_flags:
        for flag in feedback.red_flags:
            quote = f"  \n:gray[“{inert(flag.quote[:300])}”]" if flag.quote else ""
            st.markdown(f"🚩 {inert(flag.label)}{quote}")
    else:
        st.caption("None that the checker can measure (it looks for negated, name-drop-only, hedged or misstated "
                   "mentions and very short answers).")
    with st.expander("What interviewers watch for on this question"):
        st.markdown("\n".join(f"- {inert(flag)}" for flag in question.red_flags))


def rating_guide(feedback: Feedback) -> None:
    st.markdown("#### Suggested rating")
    lines = []
    for n, text in enumerate(feedback.rating_guide, start=1):
        label = f"**{RATING_LABELS[n]}** (suggested)" if n == feedback.suggested_rating else RATING_LABELS[n]
        lines.append(f"- {label}: {inert(text)}")
    st.markdown("\n".join(lines))


def rating_choice(attempt: AttemptInfo, feedback: Feedback, on_record: Callable[[int, int], None]) -> None:
    """The candidate's own 1-4 rating (preset to the suggestion) and the button that records it for review."""
    summary = attempt.summary
    if summary.rating is not None:
        st.caption(f"You recorded **{RATING_LABELS[summary.rating]}** (suggested: "
                   f"{RATING_LABELS[feedback.suggested_rating]}). It decides when this question comes back for review.")
        return
    key = f"{PAGE}.rating.{attempt.id}"
    if key not in st.session_state:
        st.session_state[key] = feedback.suggested_rating
    st.radio("Your rating (adjust it if the suggestion is off)", [1, 2, 3, 4], key=key, horizontal=True,
             format_func=lambda n: RATING_LABELS[n])
    st.button("Record my rating", key=f"{PAGE}.record.{attempt.id}", type="primary", icon=":material/event_repeat:",
              on_click=lambda: on_record(attempt.id, st.session_state[key]))


def answers_side_by_side(question: Question, attempt: AttemptInfo, feedback: Feedback) -> None:
    mine, model = st.columns(2, gap="large")
    with mine:
        st.markdown("#### Your answer")
        st.caption(":green-background[evidence for a covered point] · :orange-background[a mention that did not "
                   "count]")
        with st.container(height=420):
            st.markdown(highlighted_answer(attempt.answer, feedback))
    with model:
        st.markdown("#### Model answer")
        with st.container(height=420, border=True):
            st.markdown(inert(question.model_answer))


def feedback_view(question: Question, attempt: AttemptInfo, feedback: Feedback,
                  on_record: Callable[[int, int], None]) -> None:
    """Everything after an answer: metrics, coverage, missed must points, red flags, rating, answers side by side."""
    summary = attempt.summary
    for notice in feedback.notices:
        st.warning(inert(notice))
    cols = st.columns(4)
    cols[0].metric("Rubric coverage", f"{summary.coverage:.0%}",
                   help=f"{sum(p.covered for p in feedback.points)} of {len(feedback.points)} points")
    must = [p for p in feedback.points if p.must]
    cols[1].metric("Must points covered", f"{sum(p.covered for p in must)} / {len(must)}")
    cols[2].metric("Suggested rating", RATING_LABELS[feedback.suggested_rating])
    used = "not measured" if summary.time_used_s is None else clock_text(summary.time_used_s)
    limit = f" of {clock_text(summary.time_limit_s)}" if summary.time_limit_s else ""
    cols[3].metric("Time used", used + limit)
    coverage_section(feedback, attempt.answer)
    red_flag_section(question, feedback)
    rating_guide(feedback)
    rating_choice(attempt, feedback, on_record)
    answers_side_by_side(question, attempt, feedback)
