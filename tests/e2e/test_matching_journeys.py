"""A candidate practises a question and sees only the candidate screens (interviewers: test_interview_journey)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import open_screen, sidebar_links, sign_in

# The practice screen opens on the bank's first question: how well do two annotators agree on boxes and classes?
ANSWER = ("First I pair the two annotators' boxes by IoU with Hungarian matching at 0.5, and count the boxes "
          "that only one of them drew. On the matched pairs I compute Cohen's kappa for the class labels, "
          "because raw percentage agreement is inflated when one class dominates. I break it down per class. "
          "If kappa falls below 0.6 I stop labelling and fix the guidelines.")


def test_candidate_practice_journey(page, app_url, screenshot_dir):
    sign_in(page, app_url, "Casey Candidate", "Candidate")
    expect(sidebar_links(page).filter(has_text="Interview notes")).to_have_count(0)
    open_screen(page, "Practice")
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Must points covered")).to_be_visible()
    covered = page.get_by_test_id("stMetricValue").first.inner_text()
    assert not covered.startswith("0 /"), f"a good answer should cover must points, got {covered}"
    expect(page.get_by_text("Attempts")).to_be_visible()
    page.get_by_text("Compare with the model answer").click()
    expect(page.locator('[data-testid="stAlertContentInfo"]')).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "practice_feedback.png"))
