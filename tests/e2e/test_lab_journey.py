"""A candidate runs the demo detector's baseline and a static int8 variant in the lab, in a real browser: each run is
a job on the queue taken by the worker that starts beside the app (as `make run` does), the page shows the job's
place and progress without blocking, and the leaderboard shows whose run each row is."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import sign_in

RUN_TIMEOUT_MS = 300_000  # build, measure alone and paired, evaluate: minutes on a loaded two-core machine


def test_candidate_runs_the_baseline_and_an_int8_variant(page, app_url, screenshot_dir):
    sign_in(page, app_url, "Lena Lab", "Candidate")
    page.get_by_test_id("stSidebar").get_by_text("ONNX lab", exact=True).click()
    expect(page.get_by_role("heading", name="ONNX optimisation lab", level=1)).to_be_visible()
    expect(page.get_by_text("No NVIDIA GPU is attached")).to_be_visible()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Only the baseline so far")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Every variant so far")).to_be_visible()

    page.get_by_test_id("stSelectbox").filter(has_text="Quantisation").click()
    page.get_by_role("option", name="static int8").click()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_test_id("stProgress").first).to_be_visible()  # queued or running, and the page still answers
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible()
    expect(page.get_by_text("Paired against the baseline")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    # the page redraws once more after storing the run (stale elements linger meanwhile): wait for the settled page
    expect(page.get_by_text("Only the baseline so far")).to_have_count(0, timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Accuracy drift against the baseline").first).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=RUN_TIMEOUT_MS)  # Pareto, drift
    expect(page.locator(".js-plotly-plot .textpoint").first).to_be_visible()  # the Pareto points carry labels
    page.set_viewport_size({"width": 1400, "height": 4200})  # Streamlit scrolls inside its main block: show it all
    page.wait_for_timeout(2500)  # the grids paint their canvases after they are attached
    page.screenshot(path=str(screenshot_dir / "lab_variants.png"), full_page=True)
