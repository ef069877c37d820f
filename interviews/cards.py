"""The scorecard as the screens and exports read it: frozen data objects built from the rows in one go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews.base import as_utc
from interviews.errors import NotFound
from interviews.tables import Account, AuditRow, Candidate, CompetencyRating, Interview, QuestionRating, Scorecard

RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")
RECOMMENDATION_LABELS = {"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}


@dataclass(frozen=True)
class Rating:
    question_id: str
    competency: str
    rating: int
    suggested: int | None = None


def round_rating(value: float) -> int:
    """Half up, within 1-4 (2.5 -> 3)."""
    return min(4, max(1, int(value + 0.5)))


@dataclass(frozen=True)
class CompetencyInfo:
    competency: str
    derived: float
    rating: int
    reason: str

    @property
    def adjusted(self) -> bool:
        return self.rating != round_rating(self.derived)


@dataclass(frozen=True)
class ScorecardInfo:
    id: int
    interview_id: int
    candidate_id: int
    candidate_name: str
    interviewer_id: int
    interviewer_name: str
    kit_id: str
    stage: str
    status: str
    recommendation: str | None
    rationale: str
    ratings: tuple[Rating, ...]
    competencies: tuple[CompetencyInfo, ...]
    lab_run_ids: tuple[int, ...]
    created_at: datetime
    submitted_at: datetime | None
    amended: bool
    version: int

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"

    @property
    def mean_rating(self) -> float:
        return mean(r.rating for r in self.ratings) if self.ratings else 0.0

    @property
    def recommendation_label(self) -> str:
        return RECOMMENDATION_LABELS.get(self.recommendation or "", "")


@dataclass(frozen=True)
class AuditEntry:
    actor_name: str
    at: datetime
    field: str
    before: object
    after: object
    reason: str


def scorecard_infos(session: Session, card_ids: Sequence[int]) -> list[ScorecardInfo]:
    """Cards in the order of ``card_ids``, each with its ratings, competencies and names (four queries in all)."""
    if not card_ids:
        return []
    rows = session.execute(
        select(Scorecard, Interview, Candidate.name, Account.name)
        .join(Interview, Interview.id == Scorecard.interview_id)
        .join(Candidate, Candidate.id == Interview.candidate_id)
        .join(Account, Account.id == Scorecard.interviewer_id)
        .where(Scorecard.id.in_(card_ids))).all()
    ratings: dict[int, list[Rating]] = {}
    for r in session.scalars(select(QuestionRating).where(QuestionRating.scorecard_id.in_(card_ids))
                             .order_by(QuestionRating.id)):
        ratings.setdefault(r.scorecard_id, []).append(Rating(r.question_id, r.competency, r.rating, r.suggested))
    comps: dict[int, list[CompetencyInfo]] = {}
    for c in session.scalars(select(CompetencyRating).where(CompetencyRating.scorecard_id.in_(card_ids))
                             .order_by(CompetencyRating.id)):
        comps.setdefault(c.scorecard_id, []).append(CompetencyInfo(c.competency, c.derived, c.rating, c.reason))
    amended = set(session.scalars(select(AuditRow.scorecard_id).where(AuditRow.scorecard_id.in_(card_ids))))
    built = {card.id: ScorecardInfo(
        card.id, card.interview_id, interview.candidate_id, candidate_name, card.interviewer_id, interviewer_name,
        interview.kit_id, interview.stage, card.status, card.recommendation, card.rationale,
        tuple(ratings.get(card.id, ())), tuple(comps.get(card.id, ())), tuple(card.lab_run_ids or ()),
        as_utc(card.created_at), as_utc(card.submitted_at), card.id in amended, card.version)
        for card, interview, candidate_name, interviewer_name in rows}
    return [built[i] for i in card_ids if i in built]


def scorecard_info(session: Session, card_id: int) -> ScorecardInfo:
    found = scorecard_infos(session, [card_id])
    if not found:
        raise NotFound("There is no such scorecard.")
    return found[0]
