"""A candidate opens an imported question full of hostile markdown and HTML in a real browser: no request leaves
for a foreign host (every request is intercepted), and nothing of it renders as a link, an image, KaTeX or colour."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_screen, sign_in
from tests.e2e.server import REPO, running_app
from tests.security.hostile_world import _real_latency_report, hostile, hostile_questions_yaml

STAFF = "Ivy Hostile"
ICON_IN_TEXT = '[data-testid="stMarkdownContainer"] [role="img"]'  # how Streamlit draws :material/...: inside text
COUNT_HOSTILE_LINKS = """() => Array.from(document.querySelectorAll('*')).filter(e =>
    ['a', 'img', 'image', 'iframe', 'script'].includes(e.tagName.toLowerCase())
    && Array.from(e.attributes).some(a => a.value.includes('evil'))).length"""


def _seed_hostile_lab_runs(data) -> None:
    """A baseline and two variants named with HTML and a markdown link, run by a staff member."""
    from interviews.accounts_admin import add_user
    from interviews.db import make_engine, migrate, session_factory, session_scope
    from interviews.identity import COMMAND_LINE
    from interviews.lab_runs import save_lab_run

    engine = make_engine(f"sqlite:///{data / 'studio.db'}")
    migrate(engine)
    latency = _real_latency_report()
    with session_scope(session_factory(engine)) as session:
        owner = add_user(session, actor=COMMAND_LINE, name=STAFF, password="a long test password 42", role="interviewer")
        for name, settings, map50 in [("baseline", {"baseline": True}, 0.85), (f"v {hostile(2)}", {}, 0.80),
                                      (f"v {hostile(0)}", {}, 0.86),
                                      (f"v {hostile(6)}", {}, 0.84)]:
            accuracy = {"map50": map50, "map50_95": 0.5, "f1": 0.8, "precision": 0.8, "recall": 0.8, "mean_iou": 0.7,
                        "per_class": {"scratch": {"ap50": map50}, "spot": {"ap50": map50}}}
            save_lab_run(session, variant=name, model_sha256="0" * 64, settings=settings, latency=latency,
                         accuracy=accuracy, environment=latency["environment"], size_bytes=1000, owner=owner)
    engine.dispose()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from question_bank.importer import import_file
    from question_bank.loader import load_bank

    data = tmp_path_factory.mktemp("hostile-data")
    bank = load_bank(REPO / "question_bank" / "data")
    import_file(hostile_questions_yaml(bank), "hostile.yaml", bank, data / "imported_questions")
    _seed_hostile_lab_runs(data)
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
        assert main.locator(ICON_IN_TEXT).filter(has_text="home").count() == 0, "no icon shortcode"
        assert not foreign, f"requests left for a foreign host: {foreign}"
    finally:
        context.close()


def test_staff_see_hostile_variant_names_as_text_in_the_lab_charts(browser, hostile_app, screenshot_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in(page, hostile_app, STAFF, "Interviewer")
        page.get_by_test_id("stSidebar").get_by_text("ONNX lab", exact=True).click()
        expect(page.get_by_role("heading", name="ONNX optimisation lab", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Accuracy drift against the baseline")).to_be_visible()
        charts = page.locator('[data-testid="stPlotlyChart"]')
        expect(charts.first.locator(".main-svg").first).to_be_visible()
        page.wait_for_timeout(1500)
        chart_text = " ".join(charts.nth(i).inner_text() for i in range(charts.count()))
        page.screenshot(path=str(screenshot_dir / "security_hostile_variants.png"), full_page=True)
        assert "<img" in chart_text or "[click me]" in chart_text, "the hostile names are shown as text"
        assert page.evaluate(COUNT_HOSTILE_LINKS) == 0, "no link, image or script from a variant name"
        main = page.get_by_test_id("stMain")
        assert main.locator(ICON_IN_TEXT).filter(has_text="home").count() == 0, "no icon shortcode"
    finally:
        context.close()
