"""The declarative base and the clock every table uses. Imports nothing from this package, so nothing cycles.

The arrows inside ``interviews``: ``base`` <- ``tables`` <- ``db`` <- the domain modules (users, candidates,
schedule, notes, scorecards, lab_runs, ...) <- ``seed``/``export``/``__main__``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic's batch mode on SQLite and PostgreSQL can find and alter them by name.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns: read them as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
