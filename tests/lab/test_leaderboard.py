"""Leaderboard rules on hand-built scores: accuracy within a point AND a tight paired speed-up, or the reason why not."""

from __future__ import annotations

import pytest

from lab.leaderboard import PairedSpeedup, VariantScore, build_leaderboard, pareto_front

BASE = VariantScore("fp32", p50_ms=10.0, map50=0.850, run_id=1)


def paired(speedup: float, low: float, high: float, verdict: str = "faster") -> PairedSpeedup:
    return PairedSpeedup(speedup, low, high, verdict, cv=0.12, load_avg=0.8)


def test_only_tight_paired_speedups_within_one_point_are_ranked_by_speedup():
    variants = [BASE,
                VariantScore("int8-qdq", 6.5, 0.842, run_id=2, paired=paired(1.52, 1.48, 1.57)),
                VariantScore("edge", 6.0, 0.8400000001, run_id=3, paired=paired(1.60, 1.55, 1.66)),
                VariantScore("size128", 5.0, 0.820, run_id=4, paired=paired(2.0, 1.9, 2.1))]
    board = build_leaderboard(BASE, variants)
    assert [e.score.name for e in board.ranked] == ["edge", "int8-qdq"]
    assert [e.rank for e in board.ranked] == [1, 2] and board.ranked[0].standing == "rank 1"
    assert board.ranked[1].speedup == pytest.approx(1.52)  # the paired figure, not 10 / 6.5
    assert board.ranked[1].map_delta == pytest.approx(-0.008)
    standings = {e.score.name: e.standing for e in board.unranked}
    assert standings["fp32"] == "the baseline" and "1 point below" in standings["size128"]


def test_a_wide_interval_is_too_noisy_to_rank_and_says_cv_and_load():
    noisy = VariantScore("int8", 2.2, 0.85, run_id=2, paired=paired(8.75, 2.0, 9.9, "too noisy"))
    board = build_leaderboard(BASE, [BASE, noisy])
    assert board.ranked == ()
    (entry,) = [e for e in board.unranked if e.score.name == "int8"]
    assert entry.standing == "too noisy to rank, re-run (CV 12%, load 0.8)"


@pytest.mark.parametrize(("verdict", "words"), [("no difference", "no faster"), ("slower", "slower")])
def test_no_difference_and_slower_are_not_ranked(verdict, words):
    variant = VariantScore("v", 9.9, 0.85, run_id=2, paired=paired(1.0, 0.97, 1.03, verdict))
    board = build_leaderboard(BASE, [variant])
    assert board.ranked == () and words in board.unranked[0].standing


def test_runs_measured_before_pairing_are_not_ranked():
    board = build_leaderboard(BASE, [VariantScore("old", 5.0, 0.85, run_id=9)])
    assert board.ranked == () and "re-run" in board.unranked[0].standing
    assert board.unranked[0].speedup == pytest.approx(2.0)


def test_accuracy_per_latency_is_a_second_view_over_every_variant():
    variants = [BASE, VariantScore("fast-bad", 2.0, 0.5), VariantScore("int8", 6.0, 0.845)]
    board = build_leaderboard(BASE, variants)
    assert [e.score.name for e in board.by_accuracy_per_ms] == ["fast-bad", "int8", "fp32"]
    assert board.by_accuracy_per_ms[0].accuracy_per_ms == pytest.approx(0.25)


def test_pareto_front_keeps_only_undominated_variants():
    a, b, c = VariantScore("a", 10, 0.85), VariantScore("b", 6, 0.84), VariantScore("c", 12, 0.80)
    d, e = VariantScore("d", 3, 0.60), VariantScore("e", 6, 0.83)
    assert pareto_front([a, b, c, d, e]) == (d, b, a)


def test_baseline_needs_a_positive_latency():
    with pytest.raises(ValueError):
        build_leaderboard(VariantScore("x", 0.0, 0.9), [])
