"""Accounts: sign-up versus sign-in, roles granted by admins only, NFKC names, argon2 with scrypt upgrade,
throttled failures with one message, invitations and server-side sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from interviews.accounts_admin import accept_invitation, add_user, create_invitation, set_disabled, set_role
from interviews.auth_sessions import create_session, resolve_session, revoke_session
from interviews.base import utcnow
from interviews.db import session_scope
from interviews.errors import AuthError, Invalid, NameTaken, NotAllowed
from interviews.passwords import scrypt_hash
from interviews.tables import Account
from interviews.users import count_accounts, sign_in, sign_up

PASSWORD = "a long test passphrase"


@pytest.fixture
def admin(sessions):
    with session_scope(sessions) as s:
        return sign_up(s, name="Root Admin", password=PASSWORD)


def attempt(sessions, name, password, **kw):
    with session_scope(sessions) as s:
        return sign_in(s, name=name, password=password, **kw)


def test_first_account_is_admin_later_ones_candidates_and_sign_up_can_be_closed(sessions, admin):
    assert admin.role == "admin" and admin.confirmed
    with session_scope(sessions) as s:
        assert sign_up(s, name="Cal", password=PASSWORD).role == "candidate"
    with pytest.raises(NotAllowed, match="invitation"), session_scope(sessions) as s:
        sign_up(s, name="Dee", password=PASSWORD, allow_candidate_signup=False)


def test_an_empty_database_takes_its_admin_even_with_sign_up_closed(sessions):
    with session_scope(sessions) as s:
        assert sign_up(s, name="Owner", password=PASSWORD, allow_candidate_signup=False).role == "admin"


def test_sign_in_never_creates_an_account(sessions, admin):
    with pytest.raises(AuthError):
        attempt(sessions, "Root Admn", PASSWORD)  # a typo
    with session_scope(sessions) as s:
        assert count_accounts(s) == 1


def test_one_message_for_every_failure(sessions, admin):
    with session_scope(sessions) as s:
        add_user(s, actor=admin, name="Gone", password=PASSWORD, role="interviewer")
        gone = s.scalar(select(Account).where(Account.name == "Gone")).id
        set_disabled(s, actor=admin, account_id=gone, disabled=True)
    messages = set()
    for name, password in [("Nobody", PASSWORD), ("Root Admin", "wrong but long"), ("Gone", PASSWORD), ("", "x")]:
        with pytest.raises(AuthError) as failure:
            attempt(sessions, name, password)
        messages.add(str(failure.value))
    assert len(messages) == 1, messages


@pytest.mark.parametrize("look_alike", ["ＲＯＯＴ ＡＤＭＩＮ", "root  admin", "ROOT ADMIN"])
def test_names_are_compared_after_nfkc_and_case_folding(sessions, admin, look_alike):
    assert attempt(sessions, look_alike, PASSWORD).name == "Root Admin"
    with pytest.raises(NameTaken), session_scope(sessions) as s:
        sign_up(s, name=look_alike, password=PASSWORD)


def test_ligatures_and_full_width_letters_cannot_impersonate(sessions, admin):
    with session_scope(sessions) as s:
        sign_up(s, name="fiona", password=PASSWORD)
    with pytest.raises(NameTaken), session_scope(sessions) as s:
        sign_up(s, name="\ufb01ona", password=PASSWORD)  # "ﬁ" ligature


@pytest.mark.parametrize("password,reason", [("short pw", "at least 10"), ("password123", "too common"),
                                             ("Qwertyuiop", "too common"), ("aaaaaaaaaaaa", "too common"),
                                             ("x" * 2000, "at most")])
def test_weak_passwords_are_refused(sessions, admin, password, reason):
    with pytest.raises(Invalid, match=reason), session_scope(sessions) as s:
        sign_up(s, name="Eve", password=password)


def test_common_password_list_is_what_the_generator_writes():
    from interviews.passwords import COMMON_PASSWORDS
    from scripts.make_common_passwords import render

    assert COMMON_PASSWORDS.read_text(encoding="utf-8") == render()
    assert len(render().splitlines()) > 3000


def test_old_scrypt_hashes_verify_once_and_become_argon2(sessions, admin):
    with session_scope(sessions) as s:
        s.add(Account(name="Old Timer", name_key="old timer", role="candidate",
                      password_hash=scrypt_hash("short1234", salt=b"0123456789abcdef")))
    assert attempt(sessions, "old timer", "short1234").name == "Old Timer", "an old 9-character password still works"
    with session_scope(sessions) as s:
        assert s.scalar(select(Account.password_hash).where(Account.name == "Old Timer")).startswith("$argon2id$")
    assert attempt(sessions, "Old Timer", "short1234").role == "candidate"


def test_failures_are_slowed_down_but_the_right_password_works_after_the_window(sessions, admin):
    now = utcnow()
    for _ in range(5):  # five free failures
        with pytest.raises(AuthError) as failure:
            attempt(sessions, "Root Admin", "wrong but long", now=now)
    assert failure.value.retry_after_s == 0
    with pytest.raises(AuthError) as failure:
        attempt(sessions, "Root Admin", "wrong but long", now=now)
    assert failure.value.retry_after_s == pytest.approx(1.0)
    for _ in range(3):  # refused while locked, even with the right password, without extending the lock
        with pytest.raises(AuthError) as failure:
            attempt(sessions, "Root Admin", PASSWORD, now=now + timedelta(seconds=0.5))
        assert failure.value.retry_after_s == pytest.approx(0.5)
    assert attempt(sessions, "Root Admin", PASSWORD, now=now + timedelta(seconds=1.5)).role == "admin"
    attempt(sessions, "Root Admin", PASSWORD, now=now + timedelta(seconds=1.6))  # success cleared the count


def test_two_hundred_guesses_cost_hours_not_seconds(sessions, admin):
    now, guesses = utcnow(), 0
    while guesses < 200:
        try:
            attempt(sessions, "Root Admin", f"guess number {guesses}", now=now, max_lock_s=300)
        except AuthError as failure:
            now += timedelta(seconds=failure.retry_after_s)  # a patient attacker waits out every lock
            guesses += 1
    assert now - utcnow() > timedelta(hours=10)
    assert attempt(sessions, "Root Admin", PASSWORD, now=now + timedelta(seconds=301)).name == "Root Admin"


def test_one_client_guessing_many_names_is_slowed_too(sessions, admin):
    now = utcnow()
    for n in range(21):  # twenty free failures per client, then pauses
        with pytest.raises(AuthError):
            attempt(sessions, f"name {n}", "wrong but long", client="10.0.0.9", now=now)
    with pytest.raises(AuthError) as failure:
        attempt(sessions, "Root Admin", PASSWORD, client="10.0.0.9", now=now)
    assert failure.value.retry_after_s > 0
    assert attempt(sessions, "Root Admin", PASSWORD, client="10.0.0.7", now=now).name == "Root Admin"


def test_staff_roles_come_from_admins_and_invitations(sessions, admin):
    with session_scope(sessions) as s:
        cal = sign_up(s, name="Cal", password=PASSWORD)
        with pytest.raises(NotAllowed):
            create_invitation(s, actor=cal, role="manager")
        token = create_invitation(s, actor=admin, role="interviewer")
    with session_scope(sessions) as s:
        ivy = accept_invitation(s, token=token, name="Ivy", password=PASSWORD)
    assert ivy.role == "interviewer" and ivy.confirmed and ivy.is_staff
    with pytest.raises(Invalid, match="not valid"), session_scope(sessions) as s:
        accept_invitation(s, token=token, name="Ivy Two", password=PASSWORD)
    with session_scope(sessions) as s:
        expired = create_invitation(s, actor=admin, role="manager", ttl_hours=-1)
    with pytest.raises(Invalid, match="not valid"), session_scope(sessions) as s:
        accept_invitation(s, token=expired, name="Max", password=PASSWORD)
    with session_scope(sessions) as s:
        assert set_role(s, actor=admin, account_id=cal.account_id, role="manager").role == "manager"
    assert attempt(sessions, "Cal", PASSWORD).active_role == "manager"


def test_sessions_resolve_until_revoked_expired_or_disabled(sessions, admin):
    with session_scope(sessions) as s:
        cal = sign_up(s, name="Cal", password=PASSWORD)
        token = create_session(s, account_id=cal.account_id)
        short = create_session(s, account_id=cal.account_id, ttl_hours=1)
    with session_scope(sessions) as s:
        assert resolve_session(s, token).name == "Cal"
        assert resolve_session(s, short, now=utcnow() + timedelta(hours=2)) is None
        assert resolve_session(s, "forged") is None and resolve_session(s, "") is None
        revoke_session(s, token)
    with session_scope(sessions) as s:
        assert resolve_session(s, token) is None
        other = create_session(s, account_id=cal.account_id)
        set_disabled(s, actor=admin, account_id=cal.account_id, disabled=True)
    with session_scope(sessions) as s:
        assert resolve_session(s, other) is None


def test_single_sign_on_matches_by_email_only(sessions, admin):
    from interviews.accounts_admin import add_user
    from interviews.users import account_for_sso, demo_credentials

    with session_scope(sessions) as s:
        add_user(s, actor=admin, name="Ivy", password=PASSWORD, role="interviewer", email="ivy@corp.example")
        assert account_for_sso(s, email="IVY@corp.example", name="Someone Else").name == "Ivy"
        assert account_for_sso(s, email="new@corp.example", name="Newbie", allow_candidate_signup=False) is None
        made = account_for_sso(s, email="new@corp.example", name="Newbie")
        assert made.created and made.role == "candidate"
        with pytest.raises(NameTaken):
            account_for_sso(s, email="other@corp.example", name="ivy")  # a name alone never hands an account over
        assert account_for_sso(s, email="", name="Ivy") is None
        assert demo_credentials(s) == [], "a real workspace shows no demo credentials"
    with pytest.raises(AuthError):
        attempt(sessions, "Newbie", "!sso")  # the provider's accounts have no password


def test_failure_counts_of_quiet_days_are_forgotten(sessions, admin):
    from interviews.tables import SignInThrottle

    long_ago = utcnow() - timedelta(days=3)
    for name in ("old guess 1", "old guess 2"):
        with pytest.raises(AuthError):
            attempt(sessions, name, "wrong but long", now=long_ago)
    with pytest.raises(AuthError):
        attempt(sessions, "fresh guess", "wrong but long")
    with session_scope(sessions) as s:
        assert [k for (k,) in s.execute(select(SignInThrottle.key))] == ["account:fresh guess"]
