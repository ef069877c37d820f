from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, REPO, chromium, running_app

expect.set_options(timeout=60_000)
SCREENSHOTS = REPO / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # A browser journey that fails is run once more (pytest-rerunfailures prints each rerun): on 2 shared
            # cores a click can land while Streamlit redraws. A real fault fails both runs.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    with running_app(tmp_path_factory.mktemp("e2e-data")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: run `make system-deps` (make test does it)")
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
