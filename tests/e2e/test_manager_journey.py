"""A hiring manager in a real browser, on the demo workspace: reads the pipeline, compares three candidates (heat
map, radar, the disagreement), records a decision that moves a candidate's stage, downloads the committee PDF and
reads it back with pdftotext (names, ratings, the decision); opens one candidate's cards and the calibration screen.
Screenshots of each screen go to artifacts/screenshots/manager_*.png."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import Page, expect

from tests.e2e.server import running_app

MANAGER, PASSWORD = "demo-manager", "demo manager pass 1"
CASEY, ELI, GUS = "Casey Quinn (demo)", "Eli Novak (demo)", "Gus Meyer (demo)"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on a database holding the demo workspace (seeded the way `python -m interviews seed-demo` does)."""
    from interviews.db import make_engine, migrate, session_factory, session_scope
    from interviews.seed import seed_demo
    from question_bank.loader import load_bank
    from tests.e2e.server import REPO

    data = tmp_path_factory.mktemp("manager-data")
    engine = make_engine(f"sqlite:///{data / 'studio.db'}")
    migrate(engine)
    with session_scope(session_factory(engine)) as session:
        seed_demo(session, load_bank(REPO / "question_bank" / "data"))
    engine.dispose()
    with running_app(data) as url:
        yield url


@pytest.fixture
def manager_page(browser, demo_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(demo_app)
    page.get_by_label("Name", exact=True).fill(MANAGER)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("stSidebar").get_by_text("Compare", exact=True)).to_be_visible()
    yield page
    context.close()


def open_screen(page: Page, link: str, heading: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(link, exact=True).click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()


def pick(page: Page, name: str) -> None:
    page.get_by_test_id("stMultiSelect").click()
    page.get_by_role("option").filter(has_text=name).first.click()
    page.keyboard.press("Escape")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is installed by make test")
def download(page, button, tries: int = 3) -> Path:
    """Click a download button until the browser receives the file: a click that lands while the page is still
    redrawing (a rerun) can be swallowed, which a person would answer by clicking again."""
    for attempt in range(tries):
        expect(button).to_be_enabled(timeout=60_000)
        try:
            with page.expect_download(timeout=60_000) as info:
                button.click()
            return Path(info.value.path())
        except PlaywrightTimeoutError:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def test_manager_compares_three_decides_and_reads_the_pdf(manager_page, screenshot_dir, tmp_path):
    page = manager_page
    open_screen(page, "Pipeline", "Pipeline")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "manager_pipeline.png"), full_page=True)
    csv_path = download(page, page.get_by_role("button", name="Per question (CSV)"))
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert {r["candidate"] for r in rows} >= {CASEY, ELI, GUS}
    assert all(r["rating"] in {"1", "2", "3", "4"} and r["question_id"] for r in rows)

    open_screen(page, "Compare", "Compare candidates")
    for name in (CASEY, ELI, GUS):
        pick(page, name)
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    expect(page.get_by_text("Disagreements")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "manager_compare.png"), full_page=True)

    page.get_by_test_id("stRadio").get_by_text("Advance", exact=True).click()
    page.get_by_label("Reason (required: the committee reads it later)").fill("Both deep dives strong: take-home next.")
    page.get_by_role("button", name="Record the decision").click()
    recorded = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Recorded for")
    expect(recorded).to_contain_text(f"{CASEY}: Advance to take-home")

    page.get_by_role("button", name="Build the committee PDF").click()
    download_button = page.get_by_role("button", name="Download the committee PDF")
    expect(download_button).to_be_visible(timeout=120_000)
    with page.expect_download(timeout=180_000) as info:  # built on the click; slow when the machine is busy
        download_button.click()
    target = tmp_path / "committee.pdf"
    info.value.save_as(target)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in (CASEY, ELI, GUS, "3.50", "1.50", "Strong yes", "Strong no", "Stage: take-home",
                     "Both deep dives strong: take-home next."):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(target)], capture_output=True, text=True).stdout
    assert images.count("png") + images.count("image") >= 2, "the heat map and the radar are in the PDF"
    shutil.copy(target, screenshot_dir.parent / "manager_committee_report.pdf")


def test_manager_reads_one_candidate_and_calibration(manager_page, screenshot_dir):
    page = manager_page
    open_screen(page, "Candidate", "Candidate")
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option").filter(has_text=ELI).first.click()
    expect(page.get_by_text("demo-ivy: Strong yes", exact=False)).to_be_visible()
    expect(page.get_by_text("Rationale").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "manager_candidate.png"), full_page=True)
    first_card = page.get_by_test_id("stExpander").filter(has_text="demo-ivy: Strong yes")
    expect(first_card.get_by_text("[demo notes]", exact=False).first).to_be_visible()
    first_card.screenshot(path=str(screenshot_dir / "manager_candidate_card.png"))

    open_screen(page, "Calibration", "Interviewer calibration")
    expect(page.get_by_text("Krippendorff's alpha", exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    expect(page.get_by_text("demo-lena: severe", exact=False)).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "manager_calibration.png"), full_page=True)
