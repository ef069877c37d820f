"""A candidate runs the demo detector's baseline in the lab and sees it measured, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import sign_in


def test_candidate_runs_the_baseline(page, app_url, screenshot_dir):
    sign_in(page, app_url, "Lena Lab", "Candidate")
    page.get_by_test_id("stSidebarNav").get_by_text("ONNX lab", exact=True).click()
    expect(page.get_by_role("heading", name="ONNX optimisation lab", level=1)).to_be_visible()
    expect(page.get_by_text("No NVIDIA GPU is attached")).to_be_visible()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible(timeout=180_000)
    expect(page.get_by_role("heading", name="Every variant so far")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible()
    page.wait_for_timeout(1500)  # the grid paints its canvas after it is attached
    page.screenshot(path=str(screenshot_dir / "lab_baseline.png"), full_page=True)
