"""Scorecards: an interviewer's ratings of one candidate on one kit, with a recommendation and lab runs attached.

Who sees what: an interviewer sees only the scorecards they wrote; a hiring manager sees all of them; a candidate
sees none. :func:`visible_scorecards` is the one read path the screens use, so that rule lives in one place.
Submitting twice with the same submission token stores one scorecard (a double click cannot duplicate it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews.db import Base, utcnow

RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")


class Scorecard(Base):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    interviewer: Mapped[str] = mapped_column(String(80), index=True)
    candidate: Mapped[str] = mapped_column(String(80), index=True)
    kit_id: Mapped[str] = mapped_column(String(80))
    recommendation: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    ratings: Mapped[list] = mapped_column(JSON, default=list)  # [{"question_id", "competency", "rating"}]
    lab_run_ids: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def mean_rating(self) -> float:
        return mean(r["rating"] for r in self.ratings) if self.ratings else 0.0


@dataclass(frozen=True)
class Rating:
    question_id: str
    competency: str
    rating: int


def submit_scorecard(session: Session, *, token: str, interviewer: str, candidate: str, kit_id: str,
                     recommendation: str, summary: str, ratings: Sequence[Rating],
                     lab_run_ids: Sequence[int] = ()) -> tuple[Scorecard, bool]:
    """Store a scorecard; returns it and whether it is new (False when ``token`` was already submitted)."""
    existing = session.scalar(select(Scorecard).where(Scorecard.token == token))
    if existing is not None:
        return existing, False
    candidate = " ".join(candidate.split())
    if not candidate:
        raise ValueError("Name the candidate this scorecard is about.")
    if recommendation not in RECOMMENDATIONS:
        raise ValueError(f"Choose a recommendation: one of {', '.join(RECOMMENDATIONS)}.")
    if not ratings:
        raise ValueError("Rate at least one question before submitting.")
    if any(not 1 <= r.rating <= 4 for r in ratings):
        raise ValueError("Ratings go from 1 to 4.")
    card = Scorecard(token=token, interviewer=interviewer, candidate=candidate[:80], kit_id=kit_id,
                     recommendation=recommendation, summary=summary[:10_000],
                     ratings=[r.__dict__ for r in ratings], lab_run_ids=list(lab_run_ids))
    session.add(card)
    session.flush()
    return card, True


def visible_scorecards(session: Session, *, viewer: str, role: str) -> list[Scorecard]:
    """The scorecards ``viewer`` may read: their own for interviewers, all for managers, none for candidates."""
    query = select(Scorecard).order_by(Scorecard.created_at.desc(), Scorecard.id.desc())
    if role == "manager":
        return list(session.scalars(query))
    if role == "interviewer":
        return list(session.scalars(query.where(Scorecard.interviewer == viewer)))
    return []


def competency_means(cards: Sequence[Scorecard]) -> dict[str, dict[str, float]]:
    """Per candidate, the mean rating per competency over every visible scorecard."""
    pooled: dict[str, dict[str, list[int]]] = {}
    for card in cards:
        for r in card.ratings:
            pooled.setdefault(card.candidate, {}).setdefault(r["competency"], []).append(r["rating"])
    return {cand: {comp: mean(vals) for comp, vals in comps.items()} for cand, comps in pooled.items()}


def _flat(card: Scorecard) -> dict:
    return {"id": card.id, "submitted": card.created_at.isoformat(timespec="seconds"), "candidate": card.candidate,
            "interviewer": card.interviewer, "kit": card.kit_id, "recommendation": card.recommendation,
            "mean_rating": round(card.mean_rating, 2), "questions_rated": len(card.ratings),
            "lab_runs": " ".join(map(str, card.lab_run_ids)), "summary": card.summary}


def export_scorecards(cards: Sequence[Scorecard], fmt: str) -> str:
    """CSV (one row per scorecard) or JSON (full detail, ratings included)."""
    if fmt == "json":
        return json.dumps([{**_flat(c), "ratings": c.ratings} for c in cards], indent=2, ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        fields = list(_flat(cards[0])) if cards else ["id"]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for card in cards:
            row = _flat(card)
            # Neutralise spreadsheet formulas in user-written cells (CSV injection).
            writer.writerow({k: (f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v)
                             for k, v in row.items()})
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")
