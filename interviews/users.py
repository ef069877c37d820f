"""Accounts: signing up and signing in, as two separate steps.

* Sign-up makes a new account. On an empty database the first account is the admin; after that a sign-up makes a
  candidate account (when candidate self sign-up is on). Staff roles come only from an admin
  (:mod:`interviews.accounts_admin`: the admin's user functions or an invitation link).
* Sign-in checks an existing account. Every failure (unknown name, wrong password, disabled account, too many
  failures) gives the same message, so names cannot be probed; failures are slowed down per name and per client
  (:mod:`interviews.throttle`). A mistyped name never creates an account.
* Names are compared after NFKC normalisation and case folding (:func:`interviews.identity.name_key`).
* Passwords are hashed with argon2id; the first version's scrypt hashes are verified and replaced at sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from interviews import throttle
from interviews.base import utcnow
from interviews.errors import AuthError, Invalid, NameTaken, NotAllowed
from interviews.identity import (  # noqa: F401  (re-exported: the accounts API lives here)
    COMMAND_LINE,
    MAX_NAME,
    ROLE_LABELS,
    ROLES,
    STAFF_ROLES,
    Identity,
    clean_name,
    name_key,
    normalise_name,
)
from interviews.passwords import MIN_PASSWORD, burn_time, check_password_policy, hash_password, verify
from interviews.tables import Account, WorkspaceMeta

__all__ = ["Account", "AuthError", "Identity", "NameTaken", "ROLES", "STAFF_ROLES", "ROLE_LABELS", "MIN_PASSWORD",
           "sign_up", "sign_in", "identity_of", "count_accounts", "create_account", "verify_password",
           "normalise_name", "name_key", "account_for_sso", "demo_credentials", "DemoCredential"]


@dataclass(frozen=True)
class DemoCredential:
    name: str
    password: str
    role: str


SIGN_IN_FAILED = "Sign-in failed: the name or the password is not right, or sign-in is paused after repeated " \
                 "failures. Check both and try again in a moment."


def identity_of(account: Account, *, created: bool = False) -> Identity:
    return Identity(name=account.name, role=account.role, created=created, account_id=account.id,
                    confirmed=account.confirmed or account.role == "candidate")


def find_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name_key == name_key(name)[:MAX_NAME]))


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def create_account(session: Session, *, name: str, password: str, role: str, confirmed: bool = True,
                   email: str = "", demo: bool = False) -> Account:
    """Insert an account after the name and password checks; :class:`NameTaken` when the name exists (even when
    another request created it a moment ago: the unique key decides, never an uncaught database error)."""
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    name = clean_name(name)
    check_password_policy(password, name=name)
    key = name_key(name)[:MAX_NAME]
    if session.scalar(select(Account.id).where(Account.name_key == key)) is not None:
        raise NameTaken("That name already has an account: sign in, or choose another name.")
    account = Account(name=name, name_key=key, role=role, password_hash=hash_password(password), confirmed=confirmed,
                      email=email.strip()[:200], demo=demo)
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise NameTaken("That name already has an account: sign in, or choose another name.") from None
    return account


def sign_up(session: Session, *, name: str, password: str, allow_candidate_signup: bool = True) -> Identity:
    """Create an account: the admin when the database has no account yet, else a candidate (when allowed)."""
    first = count_accounts(session) == 0 and throttle.insert_ignore(
        session, WorkspaceMeta, key="first_admin", value={"at": utcnow().isoformat()}) == 1
    if not first and not allow_candidate_signup:
        raise NotAllowed("Sign-up is closed here: ask an admin for an invitation link.")
    account = create_account(session, name=name, password=password, role="admin" if first else "candidate")
    return identity_of(account, created=True)


def sign_in(session: Session, *, name: str, password: str, client: str = "", now: datetime | None = None,
            max_lock_s: float = throttle.DEFAULT_MAX_LOCK_S) -> Identity:
    """The account's identity when ``name`` and ``password`` match; otherwise :class:`AuthError`, always with the
    same message. A failure is committed at once (so a rolled-back caller cannot undo the throttle)."""
    now = now or utcnow()
    keys = [f"account:{name_key(normalise_name(name))[:150]}"] + ([f"client:{client[:150]}"] if client else [])
    wait = throttle.retry_after(session, keys, now)
    if wait > 0:
        raise AuthError(SIGN_IN_FAILED, retry_after_s=wait)
    account = find_account(session, normalise_name(name)) if normalise_name(name) else None
    if account is None:
        burn_time(password)
        ok = rehash = False
    else:
        ok, rehash = verify(password, account.password_hash)
    if not ok or account.disabled:
        throttle.record_failure(session, keys, now, max_lock_s=max_lock_s)
        session.commit()
        raise AuthError(SIGN_IN_FAILED, retry_after_s=throttle.retry_after(session, keys, now))
    if rehash:
        account.password_hash = hash_password(password)
    throttle.clear(session, keys[0])
    return identity_of(account)


def verify_password(password: str, stored: str) -> bool:
    return verify(password, stored)[0]


def account_for_sso(session: Session, *, email: str, name: str, allow_candidate_signup: bool = True) -> Identity | None:
    """The account of a single-sign-on user (the provider vouches for the email): the account with that email;
    else a new candidate account when sign-up is open (:class:`NameTaken` if the name belongs to another account:
    an admin links them by setting the email); else None. Matching by name alone would hand over accounts."""
    email = " ".join(email.split())[:200]
    if not email:
        return None
    account = session.scalar(select(Account).where(func.lower(Account.email) == email.lower()))
    if account is not None:
        return None if account.disabled else identity_of(account)
    if not allow_candidate_signup:
        return None
    name = clean_name(name or email.split("@")[0])
    if find_account(session, name) is not None:
        raise NameTaken("An account with your name exists without your email: ask an admin to add the email to it.")
    new = Account(name=name, name_key=name_key(name)[:MAX_NAME], role="candidate", password_hash="!sso", email=email)
    session.add(new)  # "!sso" is no valid hash: this account signs in through the provider only
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise NameTaken("An account with that name was created a moment ago: try again.") from None
    return identity_of(new, created=True)


def demo_credentials(session: Session) -> list[DemoCredential]:
    """The demo accounts' names and passwords, for the sign-in screen: empty unless ``seed-demo`` filled this
    database (a real workspace never shows any)."""
    row = session.get(WorkspaceMeta, "demo")
    if row is None:
        return []
    return [DemoCredential(**item) for item in row.value.get("credentials", [])]
