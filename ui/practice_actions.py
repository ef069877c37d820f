"""What the practice page does when the candidate acts: move to a question, keep a draft, check an answer,
record a rating, open an attempt; and the links (``?question=ID`` from the bank's "Practise this",
``?attempt=ID`` to reopen one) that bring a candidate to a question or an attempt.

Every call into the core passes the signed-in viewer; the core refuses anything that is not theirs, so a tampered
link or widget value only ever gets "There is no such attempt among yours."
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.identity import Identity
from interviews.practice import (
    MAX_ANSWER_CHARS,
    check_answer_text,
    get_attempt,
    load_draft,
    record_attempt,
    record_rating,
    review_states,
    save_draft,
)
from interviews.practice_feedback import check_answer
from interviews.review import due_questions
from question_bank.schema import Bank, Question

PAGE = "practice"
QID = f"{PAGE}.qid"
VIEW = f"{PAGE}.view"
MODE = f"{PAGE}.mode"
OPENED = f"{PAGE}.opened"
FLASH = f"{PAGE}.flash"
NOT_OPEN = "That question is not open for practice. Pick one below."


def answer_key(qid: str) -> str:
    return f"{PAGE}.answer.{qid}"


def started_key(qid: str) -> str:
    return f"{PAGE}.started.{qid}"


def last_key(qid: str) -> str:
    return f"{PAGE}.last.{qid}"


def flash(kind: str, message: str) -> None:
    st.session_state[FLASH] = (kind, message)


def show_flash() -> None:
    kind, message = st.session_state.pop(FLASH, (None, ""))
    if kind:
        getattr(st, kind)(message)


@dataclass
class Practice:
    """The page's actions for one signed-in candidate."""

    svc: object
    viewer: Identity
    readable: frozenset[str]

    def adopt_links(self, bank: Bank) -> None:
        """Follow ``?question=`` and ``?attempt=`` when they differ from what the page shows."""
        wanted_view = "History" if st.query_params.get("view") == "history" else None
        if wanted_view and VIEW not in st.session_state:  # a reload on the History tab stays there
            st.session_state[VIEW] = wanted_view
        wanted = st.query_params.get("question")
        if wanted is not None and wanted != st.session_state.get(QID):
            if wanted in self.readable:
                st.session_state[QID] = wanted
                st.session_state[MODE] = "By competency"
                st.session_state[f"{PAGE}.competency"] = bank.question(wanted).competency
                st.session_state[VIEW] = wanted_view or "Practise"
            else:
                del st.query_params["question"]
                flash("error", NOT_OPEN)
        attempt = st.query_params.get("attempt")
        if attempt is not None and attempt != str(st.session_state.get(OPENED)):
            st.session_state[OPENED] = attempt
            st.session_state[VIEW] = "History"
            st.query_params["view"] = "history"

    def remember_view(self) -> None:
        """The tab in the link (``?view=history``), so that a reload returns to it."""
        if st.session_state.get(VIEW) == "History":
            st.query_params["view"] = "history"
        else:
            st.query_params.pop("view", None)

    def default_mode(self) -> None:
        """A new visit starts with the questions due for review when there are some, else by competency."""
        if MODE not in st.session_state:
            with session_scope(self.svc.sessions) as s:
                due = due_questions(review_states(s, viewer=self.viewer))
            st.session_state[MODE] = "Due for review" if any(d.question_id in self.readable for d in due) \
                else "By competency"

    def move_to(self, qid: str) -> None:
        self.settle_rating()
        st.session_state[QID] = qid
        st.session_state.pop(started_key(qid), None)  # the timer starts again on arrival
        st.query_params["question"] = qid

    def settle_rating(self) -> None:
        """Moving on from a checked answer whose rating was not recorded records the one shown (the suggestion,
        or the candidate's adjustment), so that spaced repetition learns from every attempt."""
        current = st.session_state.get(QID)
        last = st.session_state.get(last_key(current)) if current else None
        if last is None:
            return
        try:
            with session_scope(self.svc.sessions) as s:
                info = get_attempt(s, viewer=self.viewer, attempt_id=last)
                if info.summary.rating is None:
                    rating = st.session_state.get(f"{PAGE}.rating.{last}", info.summary.suggested_rating)
                    record_rating(s, viewer=self.viewer, attempt_id=last, rating=rating)
                    flash("info", f"Your rating for the previous question ({rating}) was recorded for review.")
        except DomainError as exc:
            flash("error", str(exc))

    def practise(self, qid: str) -> None:
        """From the history's recommendations: practise ``qid`` within its competency."""
        self.move_to(qid)
        st.session_state[MODE] = "By competency"
        st.session_state[f"{PAGE}.competency"] = self.svc.bank.question(qid).competency
        st.session_state[VIEW] = "Practise"
        st.query_params.pop("view", None)

    def prepare_box(self, qid: str) -> float:
        """Fill the question's own answer box from its saved draft (once) and start its timer; the start time."""
        if answer_key(qid) not in st.session_state:
            with session_scope(self.svc.sessions) as s:
                st.session_state[answer_key(qid)] = load_draft(s, viewer=self.viewer, question_id=qid)
        return st.session_state.setdefault(started_key(qid), time.time())

    def keep_draft(self, qid: str) -> None:
        try:
            with session_scope(self.svc.sessions) as s:
                save_draft(s, viewer=self.viewer, question_id=qid, text=st.session_state.get(answer_key(qid), ""))
        except DomainError as exc:
            flash("error", str(exc))

    def check(self, question: Question, limit_s: int | None) -> int | None:
        """Check the box's answer and keep it as an attempt (the text stays in the box); the attempt id, or None
        with a message that says what to change."""
        answer = st.session_state.get(answer_key(question.id), "")
        if isinstance(answer, str) and len(answer) > MAX_ANSWER_CHARS:
            return None  # the answer box already says how long it is and what the limit is
        try:
            check_answer_text(answer)
            with st.spinner("Matching your answer to the rubric..."):
                feedback = check_answer(question, answer, encoder=self.svc.encoder())
            used = time.time() - st.session_state.get(started_key(question.id), time.time())
            with session_scope(self.svc.sessions) as s:
                info = record_attempt(s, viewer=self.viewer, question_id=question.id, competency=question.competency,
                                      answer=answer, covered_points=feedback.covered_ids,
                                      total_points=len(question.rubric), suggested_rating=feedback.suggested_rating,
                                      coverage=feedback.coverage, analysis=feedback.analysis(), time_used_s=used,
                                      time_limit_s=limit_s)
        except DomainError as exc:
            st.error(str(exc))
            return None
        st.session_state[last_key(question.id)] = info.id
        return info.id

    def record(self, attempt_id: int, rating: int) -> None:
        try:
            with session_scope(self.svc.sessions) as s:
                state = record_rating(s, viewer=self.viewer, attempt_id=attempt_id, rating=rating)
        except DomainError as exc:
            flash("error", str(exc))
        else:
            flash("success", f"Rating recorded. This question comes back for review on "
                             f"{state.due:%Y-%m-%d %H:%M} UTC.")

    def open_attempt(self, attempt_id: int) -> None:
        st.session_state[OPENED] = attempt_id
        st.query_params["attempt"] = str(attempt_id)

    def close_attempt(self) -> None:
        st.session_state.pop(OPENED, None)
        st.query_params.pop("attempt", None)

    def load(self, attempt_id: object):
        """One of the viewer's attempts, or None after saying plainly that there is no such attempt of theirs."""
        try:
            with session_scope(self.svc.sessions) as s:
                return get_attempt(s, viewer=self.viewer, attempt_id=attempt_id)
        except DomainError as exc:
            st.error(str(exc))
            self.close_attempt()
            return None
