"""Leaderboard rules on hand-built scores."""

from __future__ import annotations

import pytest

from lab.leaderboard import VariantScore, build_leaderboard, pareto_front

BASE = VariantScore("fp32", p50_ms=10.0, map50=0.850)


def test_only_variants_within_one_point_count_and_rank_by_speedup():
    variants = [BASE, VariantScore("int8-qdq", 6.5, 0.842), VariantScore("int8-dyn", 30.0, 0.849),
                VariantScore("size128", 5.0, 0.820), VariantScore("edge", 6.0, 0.8400000001)]
    board = build_leaderboard(BASE, variants)
    assert [e.score.name for e in board.ranked] == ["edge", "int8-qdq", "fp32", "int8-dyn"]
    assert [e.rank for e in board.ranked] == [1, 2, 3, 4]
    assert board.ranked[1].speedup == pytest.approx(10 / 6.5)
    assert board.ranked[1].map_delta == pytest.approx(-0.008)
    assert [e.score.name for e in board.disqualified] == ["size128"]
    assert board.disqualified[0].rank is None and not board.disqualified[0].qualifies


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
