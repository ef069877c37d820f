"""The leaderboard, scored the way the known efficiency challenges do.

A variant counts only when its mAP@0.5 is within ``tolerance`` (1 point = 0.01) of the baseline's; counting variants
are ranked by p50 speed-up over the baseline. A second view ranks every variant by accuracy per millisecond, and
:func:`pareto_front` finds the variants no other variant beats on both latency and accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAP_TOLERANCE = 0.01


@dataclass(frozen=True)
class VariantScore:
    """What the leaderboard needs to know about one measured and evaluated variant."""

    name: str
    p50_ms: float
    map50: float
    size_bytes: int = 0
    run_id: int | None = None


@dataclass(frozen=True)
class LeaderboardEntry:
    score: VariantScore
    speedup: float  # baseline p50 / this p50
    map_delta: float  # this mAP@0.5 - the baseline's (negative: lost accuracy)
    accuracy_per_ms: float
    qualifies: bool
    rank: int | None  # position among the qualifying variants, 1 = fastest; None when it does not qualify


@dataclass(frozen=True)
class Leaderboard:
    baseline: VariantScore
    ranked: tuple[LeaderboardEntry, ...]  # qualifying variants, fastest first
    disqualified: tuple[LeaderboardEntry, ...]  # more than the tolerance below the baseline's mAP
    by_accuracy_per_ms: tuple[LeaderboardEntry, ...]  # every variant, best ratio first
    tolerance: float


def build_leaderboard(baseline: VariantScore, variants: Sequence[VariantScore], *,
                      tolerance: float = MAP_TOLERANCE) -> Leaderboard:
    if baseline.p50_ms <= 0:
        raise ValueError("the baseline's p50 must be positive")
    entries = [_entry(baseline, v, tolerance) for v in variants]
    ranked = sorted((e for e in entries if e.qualifies), key=lambda e: (-e.speedup, -e.score.map50, e.score.name))
    ranked = [LeaderboardEntry(**{**e.__dict__, "rank": i}) for i, e in enumerate(ranked, start=1)]
    disqualified = sorted((e for e in entries if not e.qualifies), key=lambda e: -e.speedup)
    by_ratio = sorted(ranked + disqualified, key=lambda e: (-e.accuracy_per_ms, e.score.name))
    return Leaderboard(baseline=baseline, ranked=tuple(ranked), disqualified=tuple(disqualified),
                       by_accuracy_per_ms=tuple(by_ratio), tolerance=tolerance)


def _entry(baseline: VariantScore, variant: VariantScore, tolerance: float) -> LeaderboardEntry:
    delta = variant.map50 - baseline.map50
    return LeaderboardEntry(
        score=variant,
        speedup=baseline.p50_ms / variant.p50_ms if variant.p50_ms > 0 else 0.0,
        map_delta=delta,
        accuracy_per_ms=variant.map50 / variant.p50_ms if variant.p50_ms > 0 else 0.0,
        qualifies=delta >= -tolerance - 1e-12,
        rank=None,
    )


def pareto_front(variants: Sequence[VariantScore]) -> tuple[VariantScore, ...]:
    """The variants that no other is at least as good as on both axes (lower p50, higher mAP) and better on one;
    sorted by p50."""
    front = []
    for v in variants:
        dominated = any(
            o.p50_ms <= v.p50_ms and o.map50 >= v.map50 and (o.p50_ms < v.p50_ms or o.map50 > v.map50)
            for o in variants if o is not v)
        if not dominated:
            front.append(v)
    return tuple(sorted(front, key=lambda v: (v.p50_ms, -v.map50)))
