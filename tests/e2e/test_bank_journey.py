"""A person searches the bank, opens a question and reveals the model answer, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import click_until, open_screen, sign_in


def test_search_open_and_reveal(page, app_url, screenshot_dir):
    sign_in(page, app_url, "Bea Bank", "Interviewer")  # anonymous visitors see Home and sign-in only
    open_screen(page, "Question bank")

    search = page.get_by_label("Search by meaning")
    search.fill("how do I hit 30 fps on a Jetson")
    search.press("Enter")
    expect(page.get_by_text("ranked by closeness to your search")).to_be_visible(timeout=180_000)  # loads the model

    options = page.get_by_role("radiogroup").get_by_role("radio")
    first_label = page.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.inner_text()
    assert "jetson" in first_label.lower(), f"the Jetson question should rank first, got: {first_label}"
    second_label = page.locator('[data-testid="stRadio"] [role="radiogroup"] label').nth(1).inner_text()
    options.nth(1).check(force=True)
    prompt = second_label.split("  ·")[0].strip()
    expect(page.get_by_role("heading", name=prompt[:60])).to_be_visible()
    expect(page.get_by_text("The model answer is hidden")).to_be_visible()

    # A click that lands while the question's rerun is still redrawing can be swallowed (seen once in CI: the toggle
    # stayed off for 60 s); the toggle's own state says whether to click again, so a late click is never undone.
    reveal = page.get_by_role("switch", name="Reveal the model answer")
    click_until(page, lambda: reveal.is_checked() or page.get_by_text("Reveal the model answer").click(),
                lambda ms: expect(reveal).to_be_checked(timeout=ms), quick_ms=10_000)
    expect(page.get_by_text("The model answer is hidden")).to_be_hidden()
    expect(page.locator('[data-testid="stAlertContentInfo"]')).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "bank_reveal.png"), full_page=True)
