"""The sign-in that survives a reload: a signed, expiring cookie holding a server-side session token.

On sign-in the app asks the accounts module for a session token (only its hash is stored server side), signs it
with ``itsdangerous`` (timestamped, so the signature itself expires) and has the browser store it as a cookie
through a tiny ``st.components.v2`` script (Streamlit cannot set cookies from Python). On a new browser session
(a reload, a link opened in a new tab) ``st.context.cookies`` carries it back; the signature and age are checked
before the database is asked whether the session is still valid. Signing out revokes the token and clears the
cookie. The signing key is ``VIS_DATA_DIR/session_secret``, created with 32 random bytes on first use.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import streamlit as st
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "vis_session"
MAX_AGE_S = 12 * 3600
_SALT = "vis-session-cookie"
_PENDING = "auth.cookie_js"
_JS = """
export default function (component) {
  const { data } = component;
  if (data && data.cookie) { document.cookie = data.cookie; }
}
"""
_WRITER = st.components.v2.component("vis_session_cookie", js=_JS)


def secret_key(data_dir: Path) -> str:
    """The signing key kept in ``data_dir`` (created, owner-readable only, on first use)."""
    path = data_dir / "session_secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server thread or process won the race: use its key
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def sign_token(key: str, token: str) -> str:
    return URLSafeTimedSerializer(key, salt=_SALT).dumps(token)


def unsign_token(key: str, value: str, *, max_age_s: int = MAX_AGE_S) -> str | None:
    """The session token inside a cookie value, or None when it is forged, altered or older than ``max_age_s``."""
    try:
        token = URLSafeTimedSerializer(key, salt=_SALT).loads(value, max_age=max_age_s)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    return token if isinstance(token, str) else None


def browser_cookie() -> str | None:
    """The session cookie the browser sent when this session's connection opened."""
    try:
        return st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):
        return None


def remember_in_browser(signed: str, *, secure: bool = False) -> None:
    """Ask the browser to keep ``signed`` as the session cookie (drawn by :func:`write_pending_cookie`)."""
    flags = f"; Max-Age={MAX_AGE_S}; Path=/; SameSite=Strict" + ("; Secure" if secure else "")
    st.session_state[_PENDING] = f"{COOKIE}={signed}{flags}"


def forget_in_browser() -> None:
    st.session_state[_PENDING] = f"{COOKIE}=; Max-Age=0; Path=/; SameSite=Strict"


def write_pending_cookie() -> None:
    """Mount the cookie writer when a cookie must be set or cleared (called once per run by ``app.py``)."""
    cookie = st.session_state.get(_PENDING)
    if cookie:
        _WRITER(key="auth.cookie_writer", data={"cookie": cookie}, height=0)
