"""Run one page of the app in AppTest as a given user, and make the accounts and records the pages need."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.auth import User
from ui.state import USER

TIMEOUT = 60
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "a long test password 42"


def run_page(path: str, user: User | None = None, *, query: dict[str, str] | None = None) -> AppTest:
    """Run ``path`` (relative to the repository) as ``user`` and return the finished AppTest."""
    at = AppTest.from_file(str(REPO / path), default_timeout=TIMEOUT)
    if user:
        at.session_state[USER] = user
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


def run_app(page: str | None = None, user: User | None = None, *, query: dict[str, str] | None = None) -> AppTest:
    """Run the whole app (navigation and gate included) on ``page`` as ``user``, the way a link opens it."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    if user:
        at.session_state[USER] = user
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page and page != "views/home.py":
        at.switch_page(page)
        at.run()
    return at


def services():
    from ui.services import get_services

    return get_services()


def make_user(name: str, role: str) -> User:
    """A real account with ``role`` (made by the command-line admin), as the session user object."""
    from interviews.accounts_admin import add_user
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        identity = add_user(session, actor=COMMAND_LINE, name=name, password=PASSWORD, role=role)
    return User(name=identity.name, role=identity.role, id=identity.account_id)


def make_candidate(name: str, stage: str = "onsite") -> int:
    from interviews.candidates import create_candidate
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        return create_candidate(session, actor=COMMAND_LINE, name=name, stage=stage).id


def make_interview(candidate_id: int, *interviewers: User, kit_id: str = "edge-embedded-cv") -> int:
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE
    from interviews.schedule import create_interview

    with session_scope(services().sessions) as session:
        return create_interview(session, actor=COMMAND_LINE, candidate_id=candidate_id, kit_id=kit_id,
                                interviewer_ids=tuple(u.id for u in interviewers)).id
