"""The interview screen's parts: choosing the interview, the question brief, the autosaved notes and the ticks.

Notes belong to an interview and a question. The notes box (``ui.autosave``) sends the text while the interviewer
types; :func:`notes_panel` saves each draft with the version it was typed on, so that a stale tab (another tab
saved newer notes) is refused with a message and loses nothing. The "Covered" ticks follow the matcher until the
interviewer touches one; touched ticks and saved decisions are kept per interview and question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError, NoteConflict
from interviews.notes import MAX_NOTE_CHARS
from question_bank.schema import Question
from scoring.matcher import QuestionMatch
from ui.autosave import acknowledge, autosave_box, incoming_draft
from ui.components import RATING_LABELS
from ui.matching_view import point_row
from ui.text import inert

PAGE = "interview"


@dataclass(frozen=True)
class NotesState:
    text: str
    version: int
    conflict: NoteConflict | None = None


def _k(name: str, interview_id: int, question_id: str) -> str:
    return f"{PAGE}.{name}.{interview_id}.{question_id}"


def question_brief(question: Question) -> None:
    """Everything the interviewer needs about the question, in the order it is used."""
    st.subheader(inert(question.prompt), anchor=False)
    st.markdown(f"**Why we ask it.** {inert(question.why_asked)}")
    left, right = st.columns(2)
    with left:
        st.markdown("**What to look for**\n" + "\n".join(
            f"- {inert(p.text)} *({p.weight.value})*" for p in question.rubric))
        st.markdown("**Red flags**\n" + "\n".join(f"- {inert(f)}" for f in question.red_flags))
    with right:
        st.markdown("**Follow-ups**\n" + "\n".join(f"- {inert(f)}" for f in question.follow_ups))
        st.markdown("**Rating guide**\n" + "\n".join(
            f"- **{RATING_LABELS[n]}**: {inert(question.rating_guide.for_rating(n))}" for n in range(1, 5)))


def _load(svc, viewer, interview_id: int, question_id: str) -> NotesState:
    from interviews.notes import load_note

    with session_scope(svc.sessions) as session:
        note = load_note(session, viewer=viewer, interview_id=interview_id, question_id=question_id)
    return NotesState(note.text, note.version)


def _save(svc, viewer, interview_id: int, question_id: str, text: str, base: int) -> NotesState:
    """Store ``text`` typed on version ``base``; a newer stored version comes back as a conflict, not saved over."""
    from interviews.notes import save_note

    try:
        with session_scope(svc.sessions) as session:
            saved = save_note(session, viewer=viewer, interview_id=interview_id, question_id=question_id,
                              text=text, base_version=base)
    except NoteConflict as conflict:
        return NotesState(text, base, conflict)
    return NotesState(text, saved.version)


def notes_panel(svc, viewer, interview_id: int, question_id: str, *, read_only: str = "") -> NotesState:
    """The autosaved notes box for one interview question; returns the text the matches should read.

    ``read_only``: why the viewer may not write here (shown instead of the box), or "" when they may."""
    box, state_key, gen_key = (_k("box", interview_id, question_id), _k("notes", interview_id, question_id),
                               _k("generation", interview_id, question_id))
    doc = f"{interview_id}:{question_id}"
    if state_key not in st.session_state:
        st.session_state[state_key] = _load(svc, viewer, interview_id, question_id)
    state: NotesState = st.session_state[state_key]
    draft = None if read_only else incoming_draft(box, doc)
    if draft is not None:
        state = _handle_draft(svc, viewer, interview_id, question_id, state, draft.text)
        acknowledge(box, draft.seq)
        st.session_state[state_key] = state
    if read_only:
        st.info(read_only)
        st.text(state.text or "(no notes)")
        return state
    if state.conflict is not None:
        state = _conflict_actions(svc, viewer, interview_id, question_id, state)
    autosave_box(key=box, doc=doc, text=state.text, version=state.version, generation=st.session_state.get(gen_key, 0),
                 storage_key=f"vis-notes:{viewer.account_id}:{doc}", limit=MAX_NOTE_CHARS,
                 label="Your notes (shorthand is fine: TRT, PTQ, mAP, fps...). Saved as you type.")
    return state


def _handle_draft(svc, viewer, interview_id: int, question_id: str, state: NotesState, text: str) -> NotesState:
    if state.conflict is not None:  # keep refusing until the interviewer chooses; keep their latest text
        return NotesState(text, state.version, state.conflict)
    try:
        return _save(svc, viewer, interview_id, question_id, text, state.version)
    except DomainError as exc:  # too long, already submitted: say so, keep the text in the box
        st.error(inert(str(exc)))
        return NotesState(state.text, state.version)


def _conflict_actions(svc, viewer, interview_id: int, question_id: str, state: NotesState) -> NotesState:
    conflict = state.conflict
    st.warning("Newer notes for this question were saved from another tab or window, so your text below was "
               "**not** saved over them. Choose what to keep; nothing is lost either way.",
               icon=":material/sync_problem:")
    with st.expander("The newer saved notes"):
        st.text(conflict.current_text or "(empty)")
    left, right = st.columns(2)
    gen_key = _k("generation", interview_id, question_id)
    if left.button("Keep my text (replace the newer notes)", key=_k("keep_mine", interview_id, question_id)):
        state = _save(svc, viewer, interview_id, question_id, state.text, conflict.current_version)
    elif right.button("Load the newer notes (my text stays below to copy)", key=_k("take_theirs", interview_id,
                                                                                 question_id)):
        st.session_state[_k("discarded", interview_id, question_id)] = state.text
        state = NotesState(conflict.current_text, conflict.current_version)
    else:
        return state
    st.session_state[_k("notes", interview_id, question_id)] = state
    st.session_state[gen_key] = st.session_state.get(gen_key, 0) + 1
    st.rerun()


def discarded_text(interview_id: int, question_id: str) -> None:
    """After "load the newer notes", show the interviewer's own text once more so it can be copied."""
    text = st.session_state.get(_k("discarded", interview_id, question_id))
    if text:
        with st.expander("Your text from before (not saved)"):
            st.code(text, language=None, wrap_lines=True)


def decision_ticks(question: Question, result: QuestionMatch, interview_id: int, saved: dict[str, bool]) -> list[bool]:
    """One "Covered" tick per rubric point: it follows the current match until the interviewer touches it.

    ``saved`` holds the decisions stored earlier (restored when the notes reopen); they count as touched.
    """
    touched_key = _k("touched", interview_id, question.id)
    touched: dict[str, bool] = st.session_state.setdefault(touched_key, dict(saved))
    chosen = []
    for match in result.matches:
        point = question.rubric[match.index]
        key = f"{touched_key}.{point.id}"
        st.session_state[key] = touched.get(point.id, match.covered)
        with st.container(border=True):
            point_row(question, match)
            mark = " (your decision)" if point.id in touched else " (follows the matcher)"
            chosen.append(st.checkbox("Covered" + mark, key=key, on_change=_touch, args=(touched_key, point.id, key)))
    return chosen


def _touch(touched_key: str, point_id: str, widget_key: str) -> None:
    st.session_state[touched_key][point_id] = st.session_state[widget_key]


def decision_rows(question: Question, result: QuestionMatch, chosen: Sequence[bool]) -> list[tuple]:
    """Rows for the decision store, all from the same (current) match result."""
    return [(question.rubric[m.index].id, question.rubric[m.index].text, m.covered, m.probability, human)
            for m, human in zip(result.matches, chosen)]


def saved_decisions(svc, viewer, interview_id: int, question_id: str) -> dict[str, bool]:
    """The decisions stored for this interview question ({point_id: covered}), read once per session."""
    from interviews.overrides import latest_decisions

    key = _k("saved_decisions", interview_id, question_id)
    if key not in st.session_state:
        with session_scope(svc.sessions) as session:
            found = latest_decisions(session, viewer=viewer, interview_id=interview_id, question_id=question_id)
        st.session_state[key] = dict(found.decisions) if found else {}
    return st.session_state[key]


def store_decisions(svc, viewer, interview_id: int, question: Question, text: str, result: QuestionMatch,
                    chosen: Sequence[bool]) -> tuple[int, int]:
    """Store the ticks against the current text and matches; returns (how many, how many overrode the matcher)."""
    from interviews.overrides import record_decisions

    rows = decision_rows(question, result, chosen)
    with session_scope(svc.sessions) as session:
        record_decisions(session, viewer=viewer, interview_id=interview_id, question_id=question.id, text=text,
                         decisions=rows)
    st.session_state[_k("saved_decisions", interview_id, question.id)] = {row[0]: row[4] for row in rows}
    return len(rows), sum(1 for row in rows if row[2] != row[4])
