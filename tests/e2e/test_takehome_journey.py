"""The take-home in a real browser: a manager creates one, the candidate downloads the kit and uploads a submission,
the manager reads the report card once the background grading is done."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lab.takehome import create_takehome, write_reference_submission
from lab.takehome_store import list_submissions, list_takehomes
from tests.e2e.server import REPO, running_app

PASSWORD = "a long test password 42"
MANAGER, CANDIDATE = "Mia Manager", "Ada Candidate"
SEED = f"""
from interviews.accounts_admin import add_user
from interviews.candidates import create_candidate, link_account
from interviews.db import make_engine, migrate, session_factory, session_scope
from interviews.identity import COMMAND_LINE
from settings import get_settings

engine = make_engine(get_settings().database_url)
migrate(engine)
with session_scope(session_factory(engine)) as s:
    add_user(s, actor=COMMAND_LINE, name={MANAGER!r}, password={PASSWORD!r}, role="manager")
    ada = add_user(s, actor=COMMAND_LINE, name={CANDIDATE!r}, password={PASSWORD!r}, role="candidate")
    record = create_candidate(s, actor=COMMAND_LINE, name={CANDIDATE!r}, stage="onsite")
    link_account(s, actor=COMMAND_LINE, candidate_id=record.id, account_id=ada.account_id)
    print(record.id)
"""


@pytest.fixture(scope="module")
def takehome_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("takehome-data")
    env = {**os.environ, "VIS_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("VIS_DATABASE_URL", None)
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=REPO, env=env, check=True, capture_output=True,
                            text=True, timeout=120)
    with running_app(data) as url:
        yield TakehomeApp(url, data, int(seeded.stdout.split()[-1]))


@dataclass(frozen=True)
class TakehomeApp:
    url: str
    data: Path
    candidate_id: int


def signed_in(browser, url: str, name: str) -> tuple[object, Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Take-home").first.click()
    expect(page.get_by_role("heading", name="Take-home", level=1)).to_be_visible()
    return context, page


def test_manager_creates_candidate_submits_manager_reads_the_card(browser, takehome_app, screenshot_dir, tmp_path):
    context, page = signed_in(browser, takehome_app.url, MANAGER)
    page.get_by_role("button", name="Create take-home").click()
    expect(page.get_by_text("created for Ada Candidate")).to_be_visible(timeout=120_000)
    page.screenshot(path=str(screenshot_dir / "takehome_manager_created.png"), full_page=True)
    context.close()

    context, page = signed_in(browser, takehome_app.url, CANDIDATE)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the kit").click()
    kit = tmp_path / "kit.zip"
    download.value.save_as(kit)
    with zipfile.ZipFile(kit) as archive:
        names = archive.namelist()
    assert any(n.endswith("BRIEF.md") for n in names) and any(n.endswith("train/annotations.json") for n in names)
    assert not any("/test/" in n for n in names)
    submission = write_reference_submission(tmp_path / "submission", as_zip=True)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(submission))
    expect(page.get_by_text("submission.zip")).to_be_visible()
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Version 1 received (submission.zip) and kept.")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "takehome_candidate_uploaded.png"), full_page=True)
    context.close()

    context, page = signed_in(browser, takehome_app.url, MANAGER)
    page.get_by_role("tab", name="Take-homes and report cards").click()
    expect(page.get_by_text("ONNX contract")).to_be_visible(timeout=240_000)  # the card appears once graded
    expect(page.get_by_text("Do not rank candidates on these absolute scores")).to_be_visible()
    expect(page.get_by_text("The inference script runs cold, with only the listed packages")).to_be_visible()
    expect(page.get_by_text("For the 30-minute follow-up conversation")).to_be_visible()
    main = page.get_by_test_id("stMain")
    assert "did not run" not in main.inner_text()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(screenshot_dir / "takehome_report_card.png"), full_page=True)
    context.close()


def test_a_fork_bomb_submission_gets_a_clear_line_and_the_app_stays_up(browser, takehome_app, screenshot_dir,
                                                                       tmp_path):
    folder = write_reference_submission(tmp_path / "hostile")
    (folder / "infer.py").write_text("import os\nwhile True:\n    os.fork()\n")
    hostile = folder.with_suffix(".zip")
    with zipfile.ZipFile(hostile, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    root = takehome_app.data / "takehomes"
    if not list_takehomes(root, candidate_id=takehome_app.candidate_id):  # this test may run alone
        create_takehome(candidate_name=CANDIDATE, candidate_id=takehome_app.candidate_id, root=root,
                        sizes={"train": 8, "val": 4, "test": 12})
    takehome_id = list_takehomes(root, candidate_id=takehome_app.candidate_id)[-1].id
    version = len(list_submissions(takehome_id, root)) + 1  # the line for an earlier version is already on screen
    context, page = signed_in(browser, takehome_app.url, CANDIDATE)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(hostile))
    expect(page.get_by_text("hostile.zip")).to_be_visible()
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text(f"Version {version} received (hostile.zip) and kept.")).to_be_visible()
    assert list_submissions(takehome_id, root)[-1].version == version
    context.close()

    context, page = signed_in(browser, takehome_app.url, MANAGER)
    page.get_by_role("tab", name="Take-homes and report cards").click()
    expect(page.get_by_text("stopped by the sandbox's process limit")).to_be_visible(timeout=240_000)
    expect(page.get_by_test_id("stMetricValue").filter(has_text="did not run")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "takehome_fork_bomb_card.png"), full_page=True)
    page.get_by_text("stopped by the sandbox's process limit").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "takehome_fork_bomb_lines.png"))
    context.close()
