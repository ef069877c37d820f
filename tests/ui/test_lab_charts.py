"""The lab's tables and charts on hand-built runs: what fits, what is labelled, and that names stay inert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interviews.lab_runs import LabRun
from ui import lab_charts


def run(run_id: int, variant: str, p50: float, map50: float, *, baseline: bool = False, paired: dict | None = None,
        owner: str = "Cat") -> LabRun:
    latency = {"p50_ms": p50, "p90_ms": p50, "p99_ms": p50, "input_shape": [1, 3, 32, 32], "providers": ["CPU"],
               "model_only": {"cv": 0.05}, "n": 100, "throughput_ips": 1000 / p50}
    if paired:
        latency["paired"] = paired
    return LabRun(id=run_id, variant=variant, candidate=owner, owner_name=owner, run_by_staff=False, latency=latency,
                  accuracy={"map50": map50}, settings={"baseline": baseline}, size_bytes=2_000_000,
                  created_at=datetime(2026, 1, 1, tzinfo=UTC), model_sha256="0" * 64, environment={})


def paired(speedup: float, low: float, high: float, verdict: str) -> dict:
    side = {"stats": {"cv": 0.3}}
    return {"speedup": speedup, "ci_low": low, "ci_high": high, "verdict": verdict, "noise": "noisy", "rounds": 12,
            "baseline": side, "variant": side, "load_avg_after": [3.5, 1, 1]}


RUNS = [run(1, "fp32", 4.0, 0.97, baseline=True),
        run(2, "int8 static", 1.5, 0.968, paired=paired(2.8, 2.7, 2.9, "faster")),
        run(3, '<a href="https://evil.example">click</a> $x$', 2.0, 0.90, paired=paired(2.0, 1.2, 3.0, "too noisy"))]


def test_the_variants_table_has_the_compared_columns_first_and_the_interval():
    table = lab_charts.runs_table(RUNS, RUNS[0])
    assert list(table.columns) == ["variant", "run by", "p50 ms/image", "speed-up (95% CI)", "mAP@0.5", "Δ points",
                                   "size MB"]
    assert list(table["speed-up (95% CI)"]) == ["baseline", "2.80x (2.70-2.90)", "2.00x (1.20-3.00) too noisy"]


def test_the_pareto_chart_labels_every_point_inertly_marks_the_baseline_and_fits_the_points():
    fig = lab_charts.pareto_chart(RUNS, RUNS[0])
    traces = {t.name: t for t in fig.data}
    assert {"Pareto front", "variants", "baseline"} <= traces.keys()
    labels = " ".join(traces["variants"].text)
    assert "#2 int8 static" in labels and "<a" not in labels and "&lt;a" in labels and "$" not in labels
    assert traces["baseline"].marker.symbol == "star"
    y0, y1 = fig.layout.yaxis.range
    assert y0 < 0.90 and y1 > 0.97 + 0.01  # every point inside, with room above for the labels
    x0, x1 = fig.layout.xaxis.range
    assert x0 < 1.5 and x1 > 4.0
    assert any(shape.type == "rect" for shape in fig.layout.shapes)  # the 1-point band
    assert list(traces["Pareto front"].x) == [1.5, 4.0]


def test_the_drift_chart_shows_every_bar_and_the_one_point_line():
    fig = lab_charts.drift_chart(RUNS, RUNS[0])
    low, high = fig.layout.yaxis.range
    assert low < (0.90 - 0.97) * 100 and high > 0 and list(fig.data[0].y) == pytest.approx([-0.2, -7.0])


def test_with_only_a_baseline_there_is_no_drift_chart_to_draw():
    assert lab_charts.drift_chart(RUNS[:1], RUNS[0]) is None
    assert lab_charts.class_drift_table(RUNS[:1], RUNS[0]).empty


def test_the_leaderboard_ranks_the_tight_one_and_says_why_not_for_the_noisy_one():
    ranked, _ = lab_charts.leaderboard_tables(lab_charts.leaderboard(RUNS, RUNS[0]))
    rows = {r["variant"]: r for r in ranked.to_dict("records")}
    assert rows["#2 int8 static"]["standing"] == "rank 1" and rows["#2 int8 static"]["run by"] == "Cat"
    noisy = next(r for name, r in rows.items() if name.startswith("#3"))
    assert "not ranked" in noisy["standing"] or "too noisy to rank, re-run" in noisy["standing"]
