"""Practice attempts, their spaced-repetition cards and answer drafts, each owned by one candidate account.

Every function takes the ``viewer`` (an :class:`interviews.identity.Identity` whose active role is candidate)
and reads or writes only that account's rows: another candidate's attempt is :class:`NotFound`, exactly as an id
that does not exist, so nobody can even learn that it exists. Lists return :class:`AttemptSummary` rows without
the answer text, so a history of thousands of attempts stays cheap; :func:`get_attempt` returns one in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from interviews.errors import Conflict, Invalid, NotAllowed, NotFound
from interviews.identity import Identity
from interviews.review import ReviewState, grade_from_rating, review
from interviews.tables import PracticeAttempt, PracticeDraft, PracticeReview

MAX_ANSWER_CHARS = 100_000
MAX_DRAFT_CHARS = 10 * MAX_ANSWER_CHARS  # a draft over the answer limit is kept so that nothing typed is lost
MAX_TIME_LIMIT_S = 60 * 60
NOT_YOURS = "There is no such attempt among yours."


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    created_at: datetime
    question_id: str
    competency: str
    coverage: float
    suggested_rating: int
    rating: int | None
    time_used_s: float | None
    time_limit_s: int | None


@dataclass(frozen=True)
class AttemptInfo:
    summary: AttemptSummary
    answer: str
    covered_points: tuple[str, ...]
    total_points: int
    analysis: tuple[dict, ...]

    @property
    def id(self) -> int:
        return self.summary.id


def owner_of(viewer: Identity | None) -> int:
    """The account id whose practice ``viewer`` may touch: candidates only, and only their own."""
    if viewer is None or viewer.active_role != "candidate" or not viewer.account_id:
        raise NotAllowed("Practice is for signed-in candidates: each sees only their own attempts.")
    return int(viewer.account_id)


def _aware(when: datetime) -> datetime:
    """``when`` in UTC (SQLite gives naive datetimes, PostgreSQL its session's offset; fsrs wants UTC itself)."""
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _summary(row) -> AttemptSummary:
    return AttemptSummary(row.id, _aware(row.created_at), row.question_id, row.competency or "", float(row.coverage),
                          row.suggested_rating, row.rating, row.time_used_s, row.time_limit_s)


def check_answer_text(answer: str) -> str:
    """``answer`` if it can be checked and stored; otherwise :class:`Invalid` saying what to change."""
    if not isinstance(answer, str) or not answer.strip():
        raise Invalid("Write an answer first: there is nothing to check.")
    if len(answer) > MAX_ANSWER_CHARS:
        raise Invalid(f"Your answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,}. "
                      "Shorten it and check again: your text is still in the box.")
    return answer


def record_attempt(session: Session, *, viewer: Identity, question_id: str, competency: str, answer: str,
                   covered_points: list[str], total_points: int, suggested_rating: int, coverage: float,
                   analysis: list[dict], time_used_s: float | None = None,
                   time_limit_s: int | None = None) -> AttemptInfo:
    """Keep one checked answer (its rating is recorded later by :func:`record_rating`) and drop its draft."""
    owner = owner_of(viewer)
    check_answer_text(answer)
    if not 1 <= suggested_rating <= 4:
        raise Invalid("A suggested rating is 1, 2, 3 or 4.")
    if time_limit_s is not None and not 0 < time_limit_s <= MAX_TIME_LIMIT_S:
        raise Invalid("A time limit is between 1 second and 60 minutes.")
    row = PracticeAttempt(account_id=owner, candidate=viewer.name[:80], question_id=question_id,
                          competency=competency, answer=answer, covered_points=list(covered_points),
                          total_points=total_points, suggested_rating=suggested_rating,
                          coverage=min(max(float(coverage), 0.0), 1.0), analysis=list(analysis),
                          time_used_s=None if time_used_s is None else max(float(time_used_s), 0.0),
                          time_limit_s=time_limit_s)
    session.add(row)
    session.execute(delete(PracticeDraft).where(PracticeDraft.account_id == owner,
                                                PracticeDraft.question_id == question_id))
    session.flush()
    return _info(row)


def _info(row: PracticeAttempt) -> AttemptInfo:
    return AttemptInfo(_summary(row), row.answer, tuple(row.covered_points or ()), row.total_points,
                       tuple(row.analysis or ()))


def _owned_row(session: Session, owner: int, attempt_id: object) -> PracticeAttempt:
    try:
        key = int(attempt_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound(NOT_YOURS) from None
    if not 0 < key < 2**31:  # beyond any stored id (and PostgreSQL's integer range)
        raise NotFound(NOT_YOURS)
    row = session.scalar(select(PracticeAttempt).where(PracticeAttempt.id == key,
                                                       PracticeAttempt.account_id == owner))
    if row is None:
        raise NotFound(NOT_YOURS)
    return row


def get_attempt(session: Session, *, viewer: Identity, attempt_id: object) -> AttemptInfo:
    """One of the viewer's attempts in full; :class:`NotFound` for anyone else's (or a malformed id)."""
    return _info(_owned_row(session, owner_of(viewer), attempt_id))


_SUMMARY_COLUMNS = (PracticeAttempt.id, PracticeAttempt.created_at, PracticeAttempt.question_id,
                    PracticeAttempt.competency, PracticeAttempt.coverage, PracticeAttempt.suggested_rating,
                    PracticeAttempt.rating, PracticeAttempt.time_used_s, PracticeAttempt.time_limit_s)


def list_attempts(session: Session, *, viewer: Identity, question_id: str | None = None) -> list[AttemptSummary]:
    """The viewer's attempts, newest first, without their answer texts."""
    query = select(*_SUMMARY_COLUMNS).where(PracticeAttempt.account_id == owner_of(viewer))
    if question_id:
        query = query.where(PracticeAttempt.question_id == question_id)
    query = query.order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
    return [_summary(row) for row in session.execute(query)]


def full_history(session: Session, *, viewer: Identity) -> list[AttemptInfo]:
    """Every attempt of the viewer with its answer, oldest first (for the export)."""
    rows = session.scalars(select(PracticeAttempt).where(PracticeAttempt.account_id == owner_of(viewer))
                           .order_by(PracticeAttempt.created_at, PracticeAttempt.id))
    return [_info(row) for row in rows]


def record_rating(session: Session, *, viewer: Identity, attempt_id: object, rating: int) -> ReviewState:
    """Record the 1-4 rating the candidate settled on for an attempt and schedule the question's next review."""
    owner = owner_of(viewer)
    if rating not in (1, 2, 3, 4):
        raise Invalid("Choose a rating of 1, 2, 3 or 4.")
    row = _owned_row(session, owner, attempt_id)
    if row.rating is not None:
        raise Conflict(f"This attempt's rating was already recorded ({row.rating}); practise the question again "
                       "to record a new one.")
    row.rating = rating
    card = session.scalar(select(PracticeReview).where(PracticeReview.account_id == owner,
                                                       PracticeReview.question_id == row.question_id))
    state = _state(card) if card else None
    when = _aware(row.created_at)
    last = _last_review(state)
    if last and last > when:
        when = last  # an older attempt rated after a newer one: review at the newest time, never backwards
    state = review(state, row.question_id, grade_from_rating(rating), when)
    if card is None:
        card = PracticeReview(account_id=owner, question_id=row.question_id)
        session.add(card)
    card.card, card.due, card.reviews = state.card, state.due, state.reviews
    card.updated_at = datetime.now(timezone.utc)
    session.flush()
    return state


def _state(card: PracticeReview) -> ReviewState:
    return ReviewState(card.question_id, dict(card.card), _aware(card.due), card.reviews)


def _last_review(state: ReviewState | None) -> datetime | None:
    raw = state.card.get("last_review") if state else None
    return _aware(datetime.fromisoformat(raw)) if raw else None


def review_states(session: Session, *, viewer: Identity) -> list[ReviewState]:
    cards = session.scalars(select(PracticeReview).where(PracticeReview.account_id == owner_of(viewer)))
    return [_state(card) for card in cards]


def save_draft(session: Session, *, viewer: Identity, question_id: str, text: str) -> None:
    """Keep the answer being written to ``question_id`` (an empty text removes the draft)."""
    owner = owner_of(viewer)
    if len(text) > MAX_DRAFT_CHARS:
        raise Invalid(f"A draft can be at most {MAX_DRAFT_CHARS:,} characters; this one has {len(text):,}. "
                      "It was not saved: shorten it.")
    row = session.scalar(select(PracticeDraft).where(PracticeDraft.account_id == owner,
                                                     PracticeDraft.question_id == question_id))
    if not text.strip():
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = PracticeDraft(account_id=owner, question_id=question_id, text=text)
        session.add(row)
    row.text, row.updated_at = text, datetime.now(timezone.utc)
    session.flush()


def load_draft(session: Session, *, viewer: Identity, question_id: str) -> str:
    row = session.scalar(select(PracticeDraft.text).where(PracticeDraft.account_id == owner_of(viewer),
                                                          PracticeDraft.question_id == question_id))
    return row or ""
