"""Slowing down failed sign-ins, per account name and per client, so that guessing passwords is expensive.

Each key (``account:<name key>``, for names with or without an account, and ``client:<client id>``) has a
failure count. After a few free failures every further failure locks the key for twice as long as the last one,
up to a cap (``VIS_SIGNIN_MAX_LOCK_S``). While locked, sign-in is refused without checking the password, and
those refused attempts do not extend the lock, so the real user gets in once the window has passed. Counts are
forgotten after a quiet day, and an account's count is cleared by a successful sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from interviews.base import as_utc
from interviews.tables import SignInThrottle

FREE_FAILURES = {"account": 5, "client": 20}
FORGET_AFTER = timedelta(hours=24)
DEFAULT_MAX_LOCK_S = 300.0


def insert_ignore(session: Session, model, **values) -> int:
    """INSERT that does nothing when the key exists (race-safe on SQLite and PostgreSQL); returns rows added."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    return len(session.execute(statement).all())  # rowcount is -1 here on psycopg; RETURNING counts on both


def retry_after(session: Session, keys: list[str], now: datetime) -> float:
    """Seconds until every key is unlocked (0 when none is locked)."""
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys)))
    waits = [(as_utc(r.locked_until) - now).total_seconds() for r in rows if r.locked_until]
    return max([0.0, *waits])


def record_failure(session: Session, keys: list[str], now: datetime, *, max_lock_s: float) -> None:
    for key in keys:
        if insert_ignore(session, SignInThrottle, key=key, failures=0, locked_until=None, updated_at=now):
            forget_quiet_keys(session, now)  # a new key: the table never keeps keys from quiet days
        row = session.scalar(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update())
        if now - as_utc(row.updated_at) > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.updated_at = now
        over = row.failures - FREE_FAILURES[key.split(":", 1)[0]]
        if over > 0:
            row.locked_until = now + timedelta(seconds=min(max_lock_s, 2.0 ** (over - 1)))
    session.flush()


def forget_quiet_keys(session: Session, now: datetime) -> None:
    session.execute(delete(SignInThrottle).where(SignInThrottle.updated_at < now - FORGET_AFTER))


def clear(session: Session, key: str) -> None:
    row = session.get(SignInThrottle, key)
    if row is not None:
        session.delete(row)
        session.flush()
