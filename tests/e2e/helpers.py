from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.server import data_dir_of

PASSWORD = "a long test password 42"
ROLE_BY_LABEL = {"Candidate": "candidate", "Interviewer": "interviewer", "Hiring manager": "manager", "Admin": "admin"}


def _sessions(app_url: str):
    from interviews.db import create_schema, make_engine, session_factory

    engine = make_engine(f"sqlite:///{data_dir_of(app_url) / 'studio.db'}")
    create_schema(engine)
    return session_factory(engine)


def ensure_account(app_url: str, name: str, role: str) -> int:
    """The account ``name`` with ``role`` in the app's database (made by the command-line admin if missing)."""
    from interviews.accounts_admin import add_user
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE
    from interviews.users import find_account

    with session_scope(_sessions(app_url)) as session:
        account = find_account(session, name)
        if account is not None:
            return account.id
        return add_user(session, actor=COMMAND_LINE, name=name, password=PASSWORD, role=role).account_id


def ensure_candidate(app_url: str, name: str, stage: str = "onsite") -> int:
    from sqlalchemy import select

    from interviews.candidates import create_candidate
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE
    from interviews.tables import Candidate

    with session_scope(_sessions(app_url)) as session:
        found = session.scalar(select(Candidate.id).where(Candidate.name == name))
        return found or create_candidate(session, actor=COMMAND_LINE, name=name, stage=stage).id


def sign_in(page: Page, app_url: str, name: str, role_label: str) -> None:
    """Sign in as ``name`` (the account is made first, with the role an admin would give it)."""
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Vision Interview Studio")).to_be_visible()
    ensure_account(app_url, name, ROLE_BY_LABEL[role_label])
    fill_sign_in(page, name)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(f"Signed in as {name}")).to_be_visible()


def fill_sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def open_screen(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def sidebar_links(page: Page):
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink")


def settle(page: Page) -> None:
    """Wait until Streamlit has finished the rerun a click started."""
    page.wait_for_timeout(400)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=60_000)


def click_until(page: Page, click, done, *, tries: int = 3, quick_ms: int = 5_000) -> None:
    """``click()``, then ``done(timeout_ms)`` (an ``expect``). A click that lands while Streamlit redraws can be
    swallowed, or a rerun can close the list it opened; a person clicks again, and so does this, up to ``tries``
    times (each wait ``quick_ms``, the last 60 s)."""
    for attempt in range(tries):
        settle(page)
        click()
        try:
            done(quick_ms if attempt < tries - 1 else 60_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise
