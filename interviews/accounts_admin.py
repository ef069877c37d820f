"""What an admin does with accounts: add them, change roles, confirm staff, disable, and invite by link.

Staff roles are granted only here. Every function takes the acting ``actor`` (an admin's identity, or
:data:`interviews.identity.COMMAND_LINE` for ``python -m interviews users ...``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interviews.base import as_utc, utcnow
from interviews.errors import Conflict, Invalid, NotAllowed, NotFound
from interviews.identity import ROLES, Identity, require_role
from interviews.auth_sessions import revoke_all_sessions
from interviews.tables import Account, Invitation
from interviews.users import create_account, identity_of

INVITE_FAILED = "This invitation link is not valid: it was used already, it expired, or it was mistyped."


@dataclass(frozen=True)
class AccountInfo:
    account_id: int
    name: str
    role: str
    confirmed: bool
    disabled: bool
    email: str
    created_at: datetime
    demo: bool


def _info(a: Account) -> AccountInfo:
    return AccountInfo(a.id, a.name, a.role, a.confirmed or a.role == "candidate", a.disabled, a.email,
                       as_utc(a.created_at), a.demo)


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


def add_user(session: Session, *, actor: Identity, name: str, password: str, role: str, email: str = "",
             demo: bool = False) -> Identity:
    require_role(actor, "admin")
    return identity_of(create_account(session, name=name, password=password, role=role, email=email, demo=demo),
                       created=True)


def list_users(session: Session, *, actor: Identity) -> list[AccountInfo]:
    require_role(actor, "admin")
    return [_info(a) for a in session.scalars(select(Account).order_by(Account.name_key))]


def set_role(session: Session, *, actor: Identity, account_id: int, role: str) -> AccountInfo:
    """Give an account a role; it is confirmed at once (the admin decided). Their sessions end."""
    require_role(actor, "admin")
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    account = _account(session, account_id)
    if account.id == actor.account_id and role != "admin":
        raise NotAllowed("You cannot take the admin role from yourself; ask another admin.")
    account.role, account.confirmed = role, True
    revoke_all_sessions(session, account.id)
    session.flush()
    return _info(account)


def confirm_staff(session: Session, *, actor: Identity, account_id: int) -> AccountInfo:
    """Confirm an account's staff role (accounts that chose it at the first version's sign-in form)."""
    require_role(actor, "admin")
    account = _account(session, account_id)
    account.confirmed = True
    session.flush()
    return _info(account)


def set_disabled(session: Session, *, actor: Identity, account_id: int, disabled: bool) -> AccountInfo:
    require_role(actor, "admin")
    account = _account(session, account_id)
    if account.id == actor.account_id and disabled:
        raise NotAllowed("You cannot disable your own account.")
    account.disabled = disabled
    if disabled:
        revoke_all_sessions(session, account.id)
    session.flush()
    return _info(account)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(session: Session, *, actor: Identity, role: str, ttl_hours: float = 72) -> str:
    """A one-use token for a sign-up with ``role`` (put it in a link: ``?invite=<token>``). Only its hash is kept."""
    require_role(actor, "admin")
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    token = secrets.token_urlsafe(24)
    session.add(Invitation(token_hash=_digest(token), role=role, created_by=actor.account_id or None,
                           expires_at=utcnow() + timedelta(hours=ttl_hours)))
    session.flush()
    return token


def invitation_role(session: Session, token: str, *, now: datetime | None = None) -> str | None:
    """The role an unused, unexpired invitation grants; None otherwise."""
    invite = session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    if invite is None or invite.used_at is not None or as_utc(invite.expires_at) <= (now or utcnow()):
        return None
    return invite.role


def accept_invitation(session: Session, *, token: str, name: str, password: str) -> Identity:
    """Sign up with the invitation's role. The invitation is claimed atomically: two tabs, one account."""
    now = utcnow()
    role = invitation_role(session, token, now=now)
    if role is None:
        raise Invalid(INVITE_FAILED)
    claimed = session.execute(update(Invitation).where(Invitation.token_hash == _digest(token),
                                                       Invitation.used_at.is_(None)).values(used_at=now))
    if claimed.rowcount != 1:
        raise Conflict(INVITE_FAILED)
    account = create_account(session, name=name, password=password, role=role)
    session.execute(update(Invitation).where(Invitation.token_hash == _digest(token)).values(used_by=account.id))
    return identity_of(account, created=True)
