"""Practice attempts: a candidate's answer to a question, what the matcher found, and progress over time.

Attempts belong to one candidate: every read takes the candidate's name and returns only their rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews.tables import PracticeAttempt

MAX_ANSWER_CHARS = 100_000


@dataclass(frozen=True)
class Progress:
    attempts: int
    questions_tried: int
    mean_coverage: float
    best_rating_by_question: dict[str, int]


def save_attempt(session: Session, *, candidate: str, question_id: str, answer: str,
                 covered_points: Sequence[str], total_points: int, suggested_rating: int) -> PracticeAttempt:
    if not candidate.strip():
        raise ValueError("an attempt needs the candidate's name")
    attempt = PracticeAttempt(candidate=candidate, question_id=question_id, answer=answer[:MAX_ANSWER_CHARS],
                              covered_points=list(covered_points), total_points=total_points,
                              suggested_rating=suggested_rating)
    session.add(attempt)
    session.flush()
    return attempt


def list_attempts(session: Session, *, candidate: str, question_id: str | None = None) -> list[PracticeAttempt]:
    query = select(PracticeAttempt).where(PracticeAttempt.candidate == candidate)
    if question_id:
        query = query.where(PracticeAttempt.question_id == question_id)
    return list(session.scalars(query.order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())))


def progress(session: Session, *, candidate: str) -> Progress:
    attempts = list_attempts(session, candidate=candidate)
    best: dict[str, int] = {}
    for a in attempts:
        best[a.question_id] = max(best.get(a.question_id, 0), a.suggested_rating)
    coverage = [len(a.covered_points) / a.total_points for a in attempts if a.total_points]
    return Progress(attempts=len(attempts), questions_tried=len(best),
                    mean_coverage=sum(coverage) / len(coverage) if coverage else 0.0,
                    best_rating_by_question=best)
