"""Server-side sign-in sessions: a random token for the browser (in a signed cookie), only its hash stored.

A session expires after its time to live and ends at once when revoked (sign-out, a role change, a disabled
account). :func:`resolve_session` is what a reload calls to find who is signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interviews.base import as_utc, utcnow
from interviews.identity import Identity
from interviews.tables import Account, AuthSession
from interviews.users import identity_of


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(session: Session, *, account_id: int, ttl_hours: float = 12) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_digest(token), account_id=account_id,
                            expires_at=utcnow() + timedelta(hours=ttl_hours)))
    session.flush()
    return token


def resolve_session(session: Session, token: str, *, now: datetime | None = None) -> Identity | None:
    """Who holds ``token``: None when it is unknown, expired, revoked, or its account is disabled."""
    if not token:
        return None
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= (now or utcnow()):
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.disabled:
        return None
    return identity_of(account)


def revoke_session(session: Session, token: str) -> None:
    session.execute(update(AuthSession).where(AuthSession.token_hash == _digest(token),
                                              AuthSession.revoked_at.is_(None)).values(revoked_at=utcnow()))


def revoke_all_sessions(session: Session, account_id: int) -> None:
    session.execute(update(AuthSession).where(AuthSession.account_id == account_id,
                                              AuthSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
