"""Scorecard exports: CSV with one row per scorecard and competency, JSON with every per-question rating.

Both take cards already filtered by :func:`interviews.visibility.visible_scorecards` (the caller's view), so an
export never shows more than its reader may see. The CSV goes through the project's one safe CSV writer
(:func:`question_bank.csv_safe.write_csv`): no cell line starts a spreadsheet formula, empty cells stay empty.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from interviews.cards import ScorecardInfo
from interviews.identity import Identity
from interviews.visibility import visible_scorecards
from question_bank.csv_safe import write_csv

FORMATS = ("csv", "json")
CSV_COLUMNS = ("scorecard", "candidate", "interviewer", "kit", "stage", "competency", "rating", "derived_rating",
               "adjustment_reason", "recommendation", "submitted_at")


def _when(card: ScorecardInfo) -> str:
    return card.submitted_at.isoformat(timespec="seconds") if card.submitted_at else ""


def csv_rows(cards: Sequence[ScorecardInfo]) -> list[dict]:
    rows = []
    for card in cards:
        for c in card.competencies or ():
            rows.append({"scorecard": card.id, "candidate": card.candidate_name, "interviewer": card.interviewer_name,
                         "kit": card.kit_id, "stage": card.stage, "competency": c.competency, "rating": c.rating,
                         "derived_rating": round(c.derived, 2), "adjustment_reason": c.reason,
                         "recommendation": card.recommendation or "", "submitted_at": _when(card)})
    return rows


def json_cards(cards: Sequence[ScorecardInfo]) -> list[dict]:
    return [{"scorecard": card.id, "candidate": card.candidate_name, "interviewer": card.interviewer_name,
             "kit": card.kit_id, "stage": card.stage, "status": card.status, "recommendation": card.recommendation,
             "rationale": card.rationale, "submitted_at": _when(card) or None, "amended": card.amended,
             "ratings": [{"question_id": r.question_id, "competency": r.competency, "rating": r.rating,
                          "suggested": r.suggested} for r in card.ratings],
             "competencies": [{"competency": c.competency, "rating": c.rating, "derived": round(c.derived, 4),
                               "reason": c.reason} for c in card.competencies],
             "lab_runs": list(card.lab_run_ids)} for card in cards]


def export_scorecards(cards: Sequence[ScorecardInfo], fmt: str) -> str:
    """``cards`` as CSV (one row per scorecard and competency) or JSON (one object per card, ratings included)."""
    if fmt == "csv":
        return write_csv(CSV_COLUMNS, csv_rows(cards))
    if fmt == "json":
        return json.dumps(json_cards(cards), indent=2, ensure_ascii=False)
    raise ValueError(f"Unknown export format {fmt!r}: choose csv or json.")


def export_for(session: Session, *, viewer: Identity, fmt: str, candidate_id: int | None = None) -> str:
    """Every submitted card ``viewer`` may read, exported."""
    cards = visible_scorecards(session, viewer=viewer, candidate_id=candidate_id, submitted_only=True)
    return export_scorecards(cards, fmt)
