"""Human decisions on the matcher's suggestions, kept as future training data.

When an interviewer confirms or overrides whether a note covers a rubric point, the row records the text, the
point, what the matcher said and what the person decided. :func:`export_training_rows` writes them in the
format ``python -m scoring.evaluate`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews.db import Base, utcnow


class RubricDecision(Base):
    __tablename__ = "rubric_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewer: Mapped[str] = mapped_column(String(80), index=True)
    question_id: Mapped[str] = mapped_column(String(80), index=True)
    point_id: Mapped[str] = mapped_column(String(80))
    point_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    model_covered: Mapped[bool] = mapped_column(Boolean)
    model_probability: Mapped[float] = mapped_column(Float)
    human_covered: Mapped[bool] = mapped_column(Boolean)

    @property
    def is_override(self) -> bool:
        return self.model_covered != self.human_covered


def record_decisions(session: Session, *, reviewer: str, question_id: str, text: str,
                     decisions: Iterable[tuple[str, str, bool, float, bool]]) -> int:
    """Store (point_id, point_text, model_covered, model_probability, human_covered) tuples; returns how many."""
    count = 0
    for point_id, point_text, model_covered, probability, human_covered in decisions:
        session.add(RubricDecision(reviewer=reviewer, question_id=question_id, point_id=point_id,
                                   point_text=point_text, text=text, model_covered=model_covered,
                                   model_probability=probability, human_covered=human_covered))
        count += 1
    session.flush()
    return count


def export_training_rows(session: Session) -> str:
    """One JSON line per (text, question) with the human labels, in the matcher's evaluation format."""
    grouped: dict[tuple[str, str], dict] = {}
    for row in session.scalars(select(RubricDecision).order_by(RubricDecision.id)):
        item = grouped.setdefault((row.question_id, row.text), {"question_id": row.question_id, "text": row.text,
                                                                 "points": [], "point_ids": [], "covered": []})
        if row.point_id in item["point_ids"]:
            index = item["point_ids"].index(row.point_id)
            if row.human_covered and index not in item["covered"]:
                item["covered"].append(index)
            elif not row.human_covered and index in item["covered"]:
                item["covered"].remove(index)
            continue
        item["point_ids"].append(row.point_id)
        item["points"].append(row.point_text)
        if row.human_covered:
            item["covered"].append(len(item["points"]) - 1)
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in grouped.values())
