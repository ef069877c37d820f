"""Side-by-side comparison of 2-5 candidates from their submitted scorecards.

Pure functions over :class:`CardSummary` records (the storage layer turns scorecards into these), so that the
screen, the PDF report and the benchmark compute the same figures. A *disagreement* is a competency on which two
interviewers of the same candidate differ by two or more points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

MIN_CANDIDATES, MAX_CANDIDATES = 2, 5
DISAGREEMENT_POINTS = 2
RECOMMENDATION_LABELS = {"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}


class ComparisonError(ValueError):
    """The comparison cannot be built; the message says why in words a manager understands."""


@dataclass(frozen=True)
class CardSummary:
    """What one submitted scorecard says about a candidate."""

    candidate: str
    interviewer: str
    recommendation: str
    competency_ratings: dict[str, float]
    submitted_at: datetime | None = None
    question_ratings: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Disagreement:
    candidate: str
    competency: str
    low: float
    high: float
    ratings: dict[str, float]  # interviewer -> rating

    @property
    def gap(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class Comparison:
    candidates: tuple[str, ...]
    competencies: tuple[str, ...]
    means: dict[str, dict[str, float | None]]  # candidate -> competency -> mean rating (None: nobody rated it)
    recommendations: dict[str, dict[str, str]]  # candidate -> interviewer -> recommendation
    disagreements: tuple[Disagreement, ...]
    cards: dict[str, int]  # candidate -> submitted cards
    notices: tuple[str, ...]

    def matrix(self) -> list[list[float | None]]:
        """Rows are candidates, columns competencies (the heat map's z)."""
        return [[self.means[c][k] for k in self.competencies] for c in self.candidates]


def compare_candidates(candidates: Sequence[str], cards: Sequence[CardSummary],
                       competencies: Sequence[str] | None = None) -> Comparison:
    """Mean rating per candidate and competency, every recommendation, and the disagreements worth a debrief."""
    chosen = list(dict.fromkeys(candidates))
    if len(chosen) < MIN_CANDIDATES:
        raise ComparisonError(f"Choose at least {MIN_CANDIDATES} candidates to compare; one candidate's cards are "
                              "on their own page.")
    if len(chosen) > MAX_CANDIDATES:
        raise ComparisonError(f"Compare at most {MAX_CANDIDATES} candidates at a time; {len(chosen)} were chosen.")
    relevant = [card for card in cards if card.candidate in set(chosen)]
    if not relevant:
        raise ComparisonError("None of these candidates has a submitted scorecard yet, so there is nothing to "
                              "compare.")
    comps = list(competencies) if competencies else sorted({k for c in relevant for k in c.competency_ratings})
    by_candidate: dict[str, list[CardSummary]] = defaultdict(list)
    for card in relevant:
        by_candidate[card.candidate].append(card)
    means = {c: {k: _mean_of(by_candidate[c], k) for k in comps} for c in chosen}
    recommendations = {c: {card.interviewer: card.recommendation for card in by_candidate[c]} for c in chosen}
    notices = tuple(f"{c} has no submitted scorecard yet." for c in chosen if not by_candidate[c])
    return Comparison(candidates=tuple(chosen), competencies=tuple(comps), means=means,
                      recommendations=recommendations,
                      disagreements=tuple(d for c in chosen for d in find_disagreements(c, by_candidate[c], comps)),
                      cards={c: len(by_candidate[c]) for c in chosen}, notices=notices)


def _mean_of(cards: Sequence[CardSummary], competency: str) -> float | None:
    values = [card.competency_ratings[competency] for card in cards if competency in card.competency_ratings]
    return float(mean(values)) if values else None


def find_disagreements(candidate: str, cards: Sequence[CardSummary], competencies: Sequence[str],
                       threshold: float = DISAGREEMENT_POINTS) -> list[Disagreement]:
    found = []
    for comp in competencies:
        ratings = {card.interviewer: card.competency_ratings[comp] for card in cards
                   if comp in card.competency_ratings}
        if len(ratings) >= 2 and max(ratings.values()) - min(ratings.values()) >= threshold:
            found.append(Disagreement(candidate, comp, min(ratings.values()), max(ratings.values()), ratings))
    return found
