"""Interviewers' stored decisions on the matcher's suggestions, read back as labelled rows.

The app stores each confirmation or override in the ``rubric_decisions`` table (interviews.overrides). Here that
table is read with plain SQL, so the scoring package needs nothing from the interviews package: the rows come out in
the same shape as ``interviews.overrides.export_training_rows`` (one row per question and text, the latest decision on
each point winning) plus ``model_covered``: what the matcher suggested when the interviewer decided.
"""

from __future__ import annotations

from pathlib import Path

TABLE = "rubric_decisions"
_COLUMNS = "id, question_id, point_id, point_text, text, model_covered, human_covered"


class FeedbackError(RuntimeError):
    """The database cannot be read."""


def _database_url(url: str | None) -> str | None:
    """``url`` or the app's own database; None when that is a SQLite file that does not exist yet."""
    from settings import get_settings

    url = url or get_settings().database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        if not Path(url.removeprefix("sqlite:///")).exists():
            return None
    return url


def read_decisions(url: str | None = None) -> list[dict]:
    """Labelled rows from the stored decisions (an empty list when there is no database or no table yet)."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    url = _database_url(url)
    if url is None:
        return []
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError) as exc:
        raise FeedbackError(f"cannot open the database: {exc}") from exc
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(TABLE):
                return []
            records = conn.execute(text(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY id")).all()
    except SQLAlchemyError as exc:
        raise FeedbackError(f"cannot read {TABLE}: {exc.__class__.__name__}") from exc
    finally:
        engine.dispose()
    return group_decisions(records)


def group_decisions(records) -> list[dict]:
    """(id, question_id, point_id, point_text, text, model_covered, human_covered) records, oldest first, as rows."""
    grouped: dict[tuple[str, str], dict] = {}
    for _id, question_id, point_id, point_text, note, model_covered, human_covered in records:
        item = grouped.setdefault((question_id, note), {
            "question_id": question_id, "text": note, "points": [], "point_ids": [], "covered": [],
            "model_covered": [], "source": "interviewers"})
        if point_id in item["point_ids"]:
            index = item["point_ids"].index(point_id)
        else:
            item["point_ids"].append(point_id)
            item["points"].append(point_text)
            index = len(item["points"]) - 1
        for key, flag in (("covered", human_covered), ("model_covered", model_covered)):
            if flag and index not in item[key]:
                item[key].append(index)
            elif not flag and index in item[key]:
                item[key].remove(index)
    for item in grouped.values():
        item["covered"].sort()
        item["model_covered"].sort()
    return list(grouped.values())
