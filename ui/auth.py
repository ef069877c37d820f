"""Who is using the app: signing in, signing up, invitations, the reload cookie, single sign-on, and the page gate.

Accounts live in ``interviews.users`` (argon2 hashes, throttling, one generic failure message). This module keeps
the signed-in :class:`User` in the session, restores it on a new browser session from the signed cookie (see
``ui.session_cookie``) or from Streamlit's ``st.user`` when an OIDC provider is configured in secrets, and offers
:func:`require_role`, which every page calls first.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.access import ROLE_LABELS
from ui.state import USER
from ui.text import inert

ROLES = {role: label for role, label in ROLE_LABELS.items() if role != "anonymous"}
_RESTORED = "auth.restore_checked"
_SIGNED_OUT = "auth.signed_out"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    id: int = 0

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def identity(self):
        """The viewer object the domain functions take."""
        from interviews.identity import Identity

        return Identity(account_id=self.id, name=self.name, role=self.role, confirmed=True)


def current_user() -> User | None:
    return st.session_state.get(USER)


def _services():
    from ui.services import get_services

    return get_services()


def _client_id() -> str:
    """What identifies the browser's side for sign-in throttling: the client address when known."""
    try:
        return st.context.ip_address or ""
    except (AttributeError, RuntimeError):
        return ""


def _start_session(identity) -> User:
    """Keep ``identity`` as this session's user and have the browser remember a signed session cookie."""
    from interviews.db import session_scope
    from interviews.auth_sessions import create_session
    from ui.session_cookie import remember_in_browser, secret_key, sign_token

    svc = _services()
    user = User(name=identity.name, role=identity.active_role or identity.role, id=identity.account_id)
    with session_scope(svc.sessions) as session:
        token = create_session(session, account_id=identity.account_id)
    remember_in_browser(sign_token(secret_key(svc.settings.data_dir), token))
    st.session_state[USER] = user
    st.session_state[_RESTORED] = True
    st.session_state.pop(_SIGNED_OUT, None)
    st.session_state["auth.token"] = token
    return user


def _usable(identity) -> bool:
    """Staff accounts that chose their role at the old sign-in form wait for an admin's confirmation."""
    return identity.active_role is not None


def sign_in(name: str, password: str) -> User:
    """Check the credentials; raise ``interviews.errors.AuthError`` (one message for every failure)."""
    from interviews.db import session_scope
    from interviews.errors import AuthError
    from interviews.users import sign_in as check_credentials

    with session_scope(_services().sessions) as session:
        identity = check_credentials(session, name=name, password=password, client=_client_id())
    if not _usable(identity):
        raise AuthError("Your staff account is waiting for an admin to confirm it. Ask your admin, then sign in.")
    return _start_session(identity)


def sign_up(name: str, password: str) -> User:
    """Create a candidate account (or the admin, on an empty database) and sign it in."""
    from interviews.db import session_scope
    from interviews.users import sign_up as create_account

    svc = _services()
    with session_scope(svc.sessions) as session:
        identity = create_account(session, name=name, password=password,
                                  allow_candidate_signup=candidate_signup_open())
    return _start_session(identity)


def accept_invitation(token: str, name: str, password: str) -> User:
    from interviews.db import session_scope
    from interviews.accounts_admin import accept_invitation as accept

    with session_scope(_services().sessions) as session:
        identity = accept(session, token=token, name=name, password=password)
    return _start_session(identity)


def sign_out() -> None:
    """Forget the user here, revoke the server-side session and clear the browser's cookie."""
    from interviews.db import session_scope
    from interviews.auth_sessions import revoke_session
    from ui.session_cookie import forget_in_browser

    token = st.session_state.pop("auth.token", None)
    if token:
        with session_scope(_services().sessions) as session:
            revoke_session(session, token)
    st.session_state.pop(USER, None)
    st.session_state[_SIGNED_OUT] = True
    forget_in_browser()
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def candidate_signup_open() -> bool:
    """Whether candidates may create their own accounts (setting VIS_CANDIDATE_SIGNUP, on by default)."""
    return bool(_services().settings.candidate_signup)


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` configures an OIDC provider for ``st.login``."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return False
    return bool(auth) and bool(auth.get("client_id") or any(isinstance(v, dict) and v.get("client_id")
                                                             for v in auth.values()))


def restore_session() -> User | None:
    """The user of this browser session: already signed in, or brought back by the cookie or by single sign-on."""
    user = current_user()
    if user is not None:
        return _still_valid(user)
    if st.session_state.get(_SIGNED_OUT) or st.session_state.get(_RESTORED):
        return None
    st.session_state[_RESTORED] = True
    return _restore_from_cookie() or _restore_from_sso()


def _still_valid(user: User) -> User | None:
    """Re-check the server-side session on every run (one indexed lookup): an admin who disables an account or
    changes its role ends its sessions, and the open tab follows at its next interaction."""
    from interviews.auth_sessions import resolve_session
    from interviews.db import session_scope

    token = st.session_state.get("auth.token")
    if not token:
        return user
    with session_scope(_services().sessions) as session:
        identity = resolve_session(session, token)
    if identity is None or not _usable(identity) or identity.account_id != user.id:
        st.session_state.pop(USER, None)
        st.session_state.pop("auth.token", None)
        st.session_state[_SIGNED_OUT] = True
        return None
    return user


def _restore_from_cookie() -> User | None:
    from interviews.db import session_scope
    from interviews.auth_sessions import resolve_session
    from ui.session_cookie import browser_cookie, secret_key, unsign_token

    value = browser_cookie()
    if not value:
        return None
    svc = _services()
    token = unsign_token(secret_key(svc.settings.data_dir), value)
    if token is None:
        return None
    with session_scope(svc.sessions) as session:
        identity = resolve_session(session, token)
    if identity is None or not _usable(identity):
        return None
    user = User(name=identity.name, role=identity.active_role, id=identity.account_id)
    st.session_state[USER] = user
    st.session_state["auth.token"] = token
    return user


def _restore_from_sso() -> User | None:
    """Map the identity provider's signed-in user to an account (by e-mail, then name); unknown -> None."""
    if not oidc_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    from interviews.db import session_scope
    from interviews.errors import DomainError
    from interviews.users import account_for_sso

    email, name = str(st.user.get("email") or ""), str(st.user.get("name") or st.user.get("email") or "")
    try:
        with session_scope(_services().sessions) as session:
            identity = account_for_sso(session, email=email, name=name, allow_candidate_signup=candidate_signup_open())
    except DomainError as exc:
        st.error(inert(str(exc)))
        return None
    if identity is None:
        st.info("Your single sign-on account has no studio account yet: ask an admin to add your email.")
        return None
    if not _usable(identity):
        return None
    return _start_session(identity)


def require_role(*roles: str) -> User:
    """The signed-in user when their role may see this page; otherwise a message and ``st.stop()``."""
    user = current_user()
    if user is None:
        st.info("Sign in on the Home page to use this screen.")
        st.stop()
    if roles and user.role not in roles:
        allowed = ", ".join(ROLES[r] for r in roles)
        st.error(f"This screen is for: {allowed}. You are signed in as {user.role_label}.")
        st.stop()
    return user
