"""A candidate opens an imported question full of hostile markdown and HTML in a real browser: no request leaves
for a foreign host (every request is intercepted), and nothing of it renders as a link, an image, KaTeX or colour."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_screen, sign_in
from tests.e2e.server import REPO, running_app
from tests.security.hostile_world import hostile_questions_yaml


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from question_bank.importer import import_file
    from question_bank.loader import load_bank

    data = tmp_path_factory.mktemp("hostile-data")
    bank = load_bank(REPO / "question_bank" / "data")
    import_file(hostile_questions_yaml(bank), "hostile.yaml", bank, data / "imported_questions")
    with running_app(data) as url:
        yield url


def test_candidate_sees_hostile_question_as_plain_text(browser, hostile_app, screenshot_dir):
    local = urlparse(hostile_app).netloc
    foreign: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def guard(route):
        host = urlparse(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or host == local:
            return route.continue_()
        foreign.append(route.request.url)
        return route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in(page, hostile_app, "Cara Candidate", "Candidate")
        open_screen(page, "Question bank")

        option = page.locator('[data-testid="stRadio"] label').filter(has_text="click me").first
        option.click()
        expect(page.get_by_role("heading", name="[click me](https")).to_be_visible()
        page.get_by_text("Reveal the model answer").first.click()
        expect(page.locator('[data-testid="stAlertContentInfo"]')).to_be_visible()
        page.wait_for_timeout(1500)  # let images and fonts (if any were rendered) start loading
        page.screenshot(path=str(screenshot_dir / "security_hostile_question.png"), full_page=True)

        main = page.locator('[data-testid="stMain"]')
        body = main.inner_text()
        assert "[click me](https" in body and "evil.example/phish" in body, "the prompt shows as written"
        assert "<img src=" in body, "HTML shows as text"
        assert main.locator('a[href*="evil"]').count() == 0, "no live link to the hostile host"
        assert main.locator('img[src*="evil"]').count() == 0, "no hostile image"
        assert main.locator(".katex, .katex-display").count() == 0, "no KaTeX"
        assert main.locator("a").filter(has_text="evil").count() == 0, "no autolink around the hostile text"
        assert main.locator('span[class*="colored"], span[style*="color"]').filter(has_text="evil").count() == 0
        assert not foreign, f"requests left for a foreign host: {foreign}"
    finally:
        context.close()
