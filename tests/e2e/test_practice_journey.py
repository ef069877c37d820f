"""A candidate (who sees only the candidate screens) practises two questions, records a rating, reopens the first
attempt from the history, sees the progress chart and downloads the history; the bank's "Practise this" opens a
question on the practice screen, and a draft written there survives a reload."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from question_bank.loader import load_bank
from tests.conftest import BANK_DIR
from tests.e2e.helpers import open_screen, sidebar_links, sign_in

HOSTILE = " Maybe we used TensorRT. <b>not bold</b>"
SECOND = "I would check the confusion matrix per class and look at the worst images first."


def first_two():
    """The first two questions the practice screen offers (by competency, the first competency's first two)."""
    bank = load_bank(BANK_DIR)
    practice = [q for q in bank.questions if q.visibility.value == "practice"]
    competency = next(c.id for c in bank.competencies if any(q.competency == c.id for q in practice))
    pool = [q for q in practice if q.competency == competency]
    return pool[0], pool[1]


def answer_and_check(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Your answer")
    expect(box).to_have_count(1)  # the previous question's box is gone, not reused
    expect(box).to_have_value("")  # never the previous question's answer
    box.fill(text)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Missed must points").first).to_be_visible()
    expect(box).to_have_value(text)  # still in its box, to revise and check again


def test_candidate_practises_two_questions_and_reopens_the_first_from_history(page, app_url, screenshot_dir):
    first, second = first_two()
    first_prompt, second_prompt = first.prompt, second.prompt
    first_answer = " ".join(first.model_answer.split(". ")[:3]) + "." + HOSTILE  # a good answer, and some HTML
    sign_in(page, app_url, "Pia Practice", "Candidate")
    expect(sidebar_links(page).filter(has_text="Interview notes")).to_have_count(0)  # candidate screens only
    open_screen(page, "Practice")
    expect(page.get_by_role("heading", name=first_prompt[:40]).first).to_be_visible()
    answer_and_check(page, first_answer)
    expect(page.get_by_text("<b>not bold</b>", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Record my rating").click()
    expect(page.get_by_text("Rating recorded").first).to_be_visible()
    expect(page.get_by_text("You recorded", exact=False).first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "practice_feedback.png"))

    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name=second_prompt[:40]).first).to_be_visible()
    timer = page.get_by_role("spinbutton", name="Timer per answer (minutes; 0 = no timer)")
    expect(timer).to_have_count(1)  # during a rerun the previous run's box can still be on the page for a moment
    timer.fill("2")
    timer.press("Enter")
    expect(page.get_by_text("Time left", exact=False).first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "practice_question.png"))
    answer_and_check(page, SECOND)
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_contain_text("of 2:00")

    page.get_by_text("History", exact=True).click()
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("2")
    page.get_by_role("button", name="Open", exact=True).last.click()  # newest first: the last row is the first
    expect(page.get_by_role("button", name="Close this attempt")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Attempt of \d{4}-\d\d-\d\d")).first).to_be_visible()
    expect(page.get_by_role("heading", name=first_prompt[:40]).first).to_be_visible()
    expect(page.get_by_text("<b>not bold</b>", exact=False).first).to_be_visible()
    assert "attempt=" in page.url
    page.reload()  # the History tab and the opened attempt come back after a reload
    expect(page.get_by_role("button", name="Close this attempt")).to_be_visible()
    expect(page.get_by_role("radio", name="History")).to_be_checked()
    page.get_by_role("button", name="Close this attempt").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "practice_history_reopened.png"))
    page.get_by_test_id("stPlotlyChart").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "practice_history_chart.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    exported = Path(download.value.path()).read_bytes().decode("utf-8")
    assert exported.startswith("attempt_id,when_utc,question_id") and exported.count("\r\n") >= 3
    assert "<b>not bold</b>" in exported and SECOND in exported
    page.get_by_test_id("stRadioGroup").first.get_by_text("Practise", exact=True).click()  # back on the question practised last, as before the reload
    expect(page.get_by_role("heading", name=second_prompt[:40]).first).to_be_visible()
    expect(page.get_by_role("textbox", name="Your answer")).to_have_count(1)


def test_practise_this_on_the_bank_page_opens_the_question(page, app_url):
    sign_in(page, app_url, "Pia Practice", "Candidate")
    open_screen(page, "Question bank")
    heading = page.get_by_test_id("stHeading").nth(1).inner_text()
    page.get_by_role("button", name="Practise this").click()
    expect(page.get_by_role("heading", name="Practice", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=heading[:40]).first).to_be_visible()
    assert "question=" in page.url
    box = page.get_by_role("textbox", name="Your answer")
    box.fill("a draft I have not checked yet")
    box.press("Tab")  # leaving the box sends it; the page keeps it as this question's draft
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_timeout(1000)
    page.reload()
    expect(page.get_by_role("heading", name=heading[:40]).first).to_be_visible()
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value("a draft I have not checked yet")


def test_an_answer_over_the_limit_stays_in_the_box_with_a_plain_message(page, app_url, screenshot_dir):
    """QA M1: 117,000 pasted characters used to vanish (the box's max_chars made the browser drop the value)."""
    sign_in(page, app_url, "Lena Long", "Candidate")
    open_screen(page, "Practice")
    box = page.get_by_role("textbox", name="Your answer")
    too_long = ("I measure latency on the device before and after quantising. " * 2000)[:117_000]
    box.fill(too_long)
    page.get_by_role("button", name="Check my answer").click()
    message = "Your answer is 117,000 characters; the limit is 100,000. Shorten it and check again"
    expect(page.get_by_text(message).first).to_be_visible()
    expect(page.get_by_text("Write an answer first")).to_have_count(0)
    assert len(box.input_value()) == 117_000, "the text is never lost"
    page.screenshot(path=str(screenshot_dir / "practice_answer_over_limit.png"))
