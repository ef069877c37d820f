"""Who is using the app, and the gate each page calls first.

A user signs in with a name and a password (the account is created on first use, see ``interviews.users``).
The stored role decides which pages exist for them (see ``app.py``) and what each page shows; pages call
:func:`require_role` before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.state import USER

ROLES: dict[str, str] = {
    "interviewer": "Interviewer",
    "candidate": "Candidate",
    "manager": "Hiring manager",
}
MAX_NAME = 80


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


def clean_name(raw: str) -> str:
    """A display name: printable characters only, single spaces, at most MAX_NAME characters."""
    printable = "".join(ch for ch in raw if ch.isprintable())
    return " ".join(printable.split())[:MAX_NAME]


def current_user() -> User | None:
    return st.session_state.get(USER)


def sign_in(name: str, password: str, role: str, staff_code: str = "") -> User:
    """Check the credentials against the accounts table; raise AuthError with the reason when refused."""
    from interviews.db import session_scope
    from interviews.users import authenticate
    from ui.services import get_services

    svc = get_services()
    with session_scope(svc.sessions) as session:
        identity = authenticate(session, name=clean_name(name), password=password, role=role,
                                staff_code=svc.settings.staff_code, given_code=staff_code)
    user = User(name=identity.name, role=identity.role)
    st.session_state[USER] = user
    return user


def sign_out() -> None:
    st.session_state.pop(USER, None)


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
