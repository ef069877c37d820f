"""What a candidate should practise next: spaced repetition with the maintained ``fsrs`` scheduler, and weak areas.

A practice attempt becomes an FSRS review. Its grade comes from the rubric coverage, through the suggested 1-4
rating the matcher gives (1 Again, 2 Hard, 3 Good, 4 Easy); the candidate may adjust it before it is recorded.
The card's state is kept as FSRS's own JSON-able dict, one per candidate and question, so that storage stays a
plain JSON column and the scheduler can be upgraded without a data migration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

GRADES = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}
GRADE_WORDS = {1: "Again: could not answer", 2: "Hard: partly", 3: "Good: most of it", 4: "Easy: all of it"}
WEAK_COVERAGE = 0.6  # a competency whose mean coverage is below this is a weak area
_SCHEDULER = Scheduler(enable_fuzzing=False)  # deterministic due dates: the same history gives the same plan


@dataclass(frozen=True)
class ReviewState:
    question_id: str
    card: dict  # fsrs.Card.to_dict()
    due: datetime
    reviews: int


@dataclass(frozen=True)
class AttemptFact:
    """The part of a practice attempt that planning needs."""

    question_id: str
    competency: str
    coverage: float  # 0-1, share of rubric points covered
    at: datetime


@dataclass(frozen=True)
class WeakArea:
    competency: str
    mean_coverage: float
    attempts: int


def grade_from_rating(suggested_rating: int) -> int:
    """The FSRS grade (1-4) an attempt gets unless the candidate changes it."""
    return min(max(int(suggested_rating), 1), 4)


def review(state: ReviewState | None, question_id: str, grade: int, when: datetime | None = None) -> ReviewState:
    """The question's next state after an attempt graded ``grade`` (1-4) at ``when``."""
    if grade not in GRADES:
        raise ValueError(f"a review grade is 1, 2, 3 or 4, not {grade!r}")
    when = _aware(when or datetime.now(timezone.utc))
    card = Card.from_dict(state.card) if state else Card()
    card, _ = _SCHEDULER.review_card(card, GRADES[grade], review_datetime=when)
    return ReviewState(question_id=question_id, card=card.to_dict(), due=_aware(card.due),
                       reviews=(state.reviews if state else 0) + 1)


def due_questions(states: Iterable[ReviewState], now: datetime | None = None) -> list[ReviewState]:
    """Questions due for review at ``now``, most overdue first."""
    now = _aware(now or datetime.now(timezone.utc))
    return sorted((s for s in states if _aware(s.due) <= now), key=lambda s: s.due)


def weak_areas(attempts: Sequence[AttemptFact], threshold: float = WEAK_COVERAGE) -> list[WeakArea]:
    """Competencies whose latest attempt per question averages under ``threshold`` coverage, weakest first."""
    latest: dict[str, AttemptFact] = {}
    for attempt in sorted(attempts, key=lambda a: a.at):
        latest[attempt.question_id] = attempt
    by_comp: dict[str, list[float]] = defaultdict(list)
    for attempt in latest.values():
        by_comp[attempt.competency].append(attempt.coverage)
    areas = [WeakArea(comp, sum(values) / len(values), len(values)) for comp, values in by_comp.items()]
    return sorted((a for a in areas if a.mean_coverage < threshold), key=lambda a: a.mean_coverage)


def recommend_next(*, states: Iterable[ReviewState], attempts: Sequence[AttemptFact],
                   competency_of: Mapping[str, str], now: datetime | None = None, limit: int = 5) -> list[str]:
    """Question ids to practise next: those due for review, then untried questions in the weakest areas."""
    chosen = [s.question_id for s in due_questions(states, now)]
    tried = {a.question_id for a in attempts}
    for area in weak_areas(attempts):
        chosen += sorted(q for q, comp in competency_of.items() if comp == area.competency and q not in tried)
    if len(chosen) < limit:
        tried_comps = {a.competency for a in attempts}
        chosen += sorted(q for q, comp in competency_of.items() if comp not in tried_comps)
    return list(dict.fromkeys(chosen))[:limit]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
