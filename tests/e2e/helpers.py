from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(page: Page, app_url: str, name: str, role_label: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Vision Interview Studio")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill("a long test password")
    page.get_by_text(role_label, exact=True).click()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(f"Signed in as {name}")).to_be_visible()


def open_screen(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
