"""Human decisions on the matcher's suggestions, kept as future training data.

When an interviewer confirms or overrides whether a note covers a rubric point, the row records the text, the
point, what the matcher said and what the person decided. :func:`export_training_rows` writes them in the
format ``python -m scoring.evaluate`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews import schedule
from interviews.base import as_utc, utcnow
from interviews.errors import NotAllowed
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import RubricDecision


@dataclass(frozen=True)
class DecisionSet:
    """The latest decisions saved for one interview, author and question: which points the person ticked."""

    text: str
    decisions: dict[str, bool]
    saved_at: datetime


def record_decisions(session: Session, *, question_id: str, text: str,
                     decisions: Iterable[tuple[str, str, bool, float, bool]], viewer: Identity | None = None,
                     interview_id: int | None = None, reviewer: str = "") -> int:
    """Store (point_id, point_text, model_covered, model_probability, human_covered) tuples; returns how many.
    With ``viewer`` and ``interview_id`` the decisions belong to that interview (the viewer must sit on its panel);
    ``reviewer`` alone is the first version's call shape."""
    if viewer is not None:
        require_role(viewer, *STAFF_ROLES)
        if interview_id is not None and not schedule.is_on_panel(session, interview_id, viewer.account_id):
            raise NotAllowed("Only interviewers on this interview's panel can record decisions in it.")
        reviewer = viewer.name
    saved_at, count = utcnow(), 0
    for point_id, point_text, model_covered, probability, human_covered in decisions:
        session.add(RubricDecision(reviewer=reviewer, question_id=question_id, point_id=point_id,
                                   point_text=point_text, text=text, model_covered=model_covered,
                                   model_probability=probability, human_covered=human_covered, created_at=saved_at,
                                   reviewer_id=viewer.account_id if viewer else None, interview_id=interview_id))
        count += 1
    session.flush()
    return count


def latest_decisions(session: Session, *, viewer: Identity, interview_id: int, question_id: str) -> DecisionSet | None:
    """The viewer's most recent decisions on this interview's question (None before any were saved)."""
    require_role(viewer, *STAFF_ROLES)
    where = (RubricDecision.interview_id == interview_id, RubricDecision.reviewer_id == viewer.account_id,
             RubricDecision.question_id == question_id)
    last = session.scalar(select(RubricDecision).where(*where).order_by(RubricDecision.id.desc()).limit(1))
    if last is None:
        return None
    rows = session.scalars(select(RubricDecision).where(*where, RubricDecision.created_at == last.created_at,
                                                        RubricDecision.text == last.text)
                           .order_by(RubricDecision.id))
    return DecisionSet(last.text, {r.point_id: r.human_covered for r in rows}, as_utc(last.created_at))


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
