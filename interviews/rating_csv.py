"""The hiring manager's CSV reports: one row per question rating, and one row per competency rating.

Written with :func:`question_bank.csv_safe.write_csv`, the one CSV writer: an empty cell stays empty, a cell that
a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` ...) is neutralised, rows end in CRLF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from interviews.cards import RECOMMENDATION_LABELS, ScorecardInfo
from question_bank.csv_safe import write_csv

QUESTION_HEADER = ["candidate", "candidate_id", "interviewer", "kit", "stage", "submitted_at", "question_id",
                   "question", "competency", "rating", "matcher_suggested", "recommendation"]
COMPETENCY_HEADER = ["candidate", "candidate_id", "interviewer", "kit", "stage", "submitted_at", "competency",
                     "competency_name", "rating", "derived_from_questions", "reason_for_change", "recommendation"]


def _common(card: ScorecardInfo) -> dict[str, object]:
    return {"candidate": card.candidate_name, "candidate_id": card.candidate_id, "interviewer": card.interviewer_name,
            "kit": card.kit_id, "stage": card.stage,
            "submitted_at": card.submitted_at.strftime("%Y-%m-%d %H:%M") if card.submitted_at else None,
            "recommendation": RECOMMENDATION_LABELS.get(card.recommendation or "") or None}


def question_csv(cards: Sequence[ScorecardInfo], question_titles: Mapping[str, str] | None = None) -> str:
    """Per question: who rated which question of which candidate how (and what the matcher suggested)."""
    titles = question_titles or {}
    rows = [{**_common(card), "question_id": r.question_id, "question": titles.get(r.question_id) or None,
             "competency": r.competency, "rating": r.rating, "matcher_suggested": r.suggested}
            for card in cards if card.submitted for r in card.ratings]
    return write_csv(QUESTION_HEADER, rows)


def competency_csv(cards: Sequence[ScorecardInfo], competency_titles: Mapping[str, str] | None = None) -> str:
    """Per competency: the rating each interviewer gave, the mean of its questions, and the reason for a change."""
    titles = competency_titles or {}
    rows = [{**_common(card), "competency": c.competency, "competency_name": titles.get(c.competency) or None,
             "rating": c.rating, "derived_from_questions": round(c.derived, 2), "reason_for_change": c.reason or None}
            for card in cards if card.submitted for c in card.competencies]
    return write_csv(COMPETENCY_HEADER, rows)
