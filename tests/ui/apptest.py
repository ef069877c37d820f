"""Run one page of the app in AppTest as a given user."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.auth import User
from ui.state import USER

TIMEOUT = 60
REPO = Path(__file__).resolve().parents[2]


def run_page(path: str, user: User | None = None) -> AppTest:
    """Run ``path`` (relative to the repository) as ``user`` and return the finished AppTest."""
    at = AppTest.from_file(str(REPO / path), default_timeout=TIMEOUT)
    if user:
        at.session_state[USER] = user
    return at.run()
