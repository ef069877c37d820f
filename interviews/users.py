"""Accounts: a unique name, a role and a salted scrypt password hash.

The first sign-in with a new name creates the account with the chosen role; later sign-ins must give the same
password and get the stored role, so nobody can read another person's notes or attempts by typing their name.
Staff roles (interviewer, hiring manager) need the staff access code when one is configured.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews.db import Base, utcnow

ROLES = ("interviewer", "candidate", "manager")
STAFF_ROLES = ("interviewer", "manager")
MIN_PASSWORD = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class AuthError(Exception):
    """Sign-in refused; the message says why in words a user can act on."""


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    name_key: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    created: bool


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_password(password, salt=bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(expected, digest_hex)


def _key(name: str) -> str:
    return name.casefold()


def authenticate(session: Session, *, name: str, password: str, role: str, staff_code: str = "",
                 given_code: str = "") -> Identity:
    """Sign in an existing account, or create one on first use; raise AuthError with the reason."""
    if not name:
        raise AuthError("Please enter your name.")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"Your password needs at least {MIN_PASSWORD} characters.")
    account = session.scalar(select(Account).where(Account.name_key == _key(name)))
    if account is not None:
        if not verify_password(password, account.password_hash):
            raise AuthError("That name is taken and the password does not match.")
        return Identity(account.name, account.role, created=False)
    if role not in ROLES:
        raise AuthError(f"Unknown role {role!r}.")
    if role in STAFF_ROLES and staff_code and not hmac.compare_digest(staff_code, given_code):
        raise AuthError("Interviewer and hiring-manager accounts need the staff access code.")
    session.add(Account(name=name, name_key=_key(name), role=role, password_hash=hash_password(password)))
    session.flush()
    return Identity(name, role, created=True)


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0
