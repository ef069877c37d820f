"""An interviewer submits a scorecard; a hiring manager sees it and exports it; another interviewer does not."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import open_screen, sign_in


def fresh_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def test_scorecard_reaches_the_manager_only(browser, app_url, screenshot_dir, tmp_path):
    context, page = fresh_page(browser)
    sign_in(page, app_url, "Iris Interviewer", "Interviewer")
    open_screen(page, "Scorecard")
    page.get_by_label("Candidate's name (as they signed in)").fill("Dana Candidate")
    page.get_by_label("Candidate's name (as they signed in)").press("Enter")
    first_rating = page.get_by_test_id("stSelectbox").nth(1)
    first_rating.click()
    page.get_by_role("option", name="4", exact=True).click()
    page.get_by_text("Strong yes", exact=True).click()
    page.get_by_label("Summary").fill("Clear deployment story; =cmd|' /C calc'!A0")
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text("for Dana Candidate submitted")).to_be_visible()
    context.close()

    context, page = fresh_page(browser)
    sign_in(page, app_url, "Otto Other", "Interviewer")
    open_screen(page, "Scorecards")
    expect(page.get_by_text("No scorecards yet.")).to_be_visible()
    context.close()

    context, page = fresh_page(browser)
    sign_in(page, app_url, "Mia Manager", "Hiring manager")
    open_screen(page, "Scorecards")
    expect(page.get_by_text("Mean rating per competency")).to_be_visible()
    expect(page.get_by_role("button", name="Export CSV")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible()
    page.wait_for_timeout(1500)  # the grid paints its canvas after it is attached
    page.screenshot(path=str(screenshot_dir / "manager_scorecards.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = (tmp_path / "s.csv")
    download.value.save_as(text)
    content = text.read_text()
    assert "Dana Candidate" in content and "Iris Interviewer" in content and "strong_yes" in content
    context.close()
