"""The leaderboard, scored the way the known efficiency challenges do, on paired speed-ups only.

A variant is ranked when both hold:

* its mAP@0.5 is within ``tolerance`` (1 point = 0.01) of the baseline's, and
* its paired speed-up over the baseline (:mod:`lab.paired`) is tight and real: the 95% interval's lower bound is
  above 1.0 and the interval is narrower than 20% of the speed-up (the verdict ``faster``).

Ranked variants are ordered by paired speed-up. Every other variant is listed with the reason it is not ranked:
"too noisy to rank, re-run" (with the measured CV and load average), no faster than the baseline, slower, more than
the tolerance below the baseline's accuracy, or not measured paired (a run from before paired measurement).
A second view orders every variant by accuracy per millisecond, and :func:`pareto_front` finds the variants no
other variant beats on both latency and accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

MAP_TOLERANCE = 0.01


@dataclass(frozen=True)
class PairedSpeedup:
    """The headline of a paired comparison against the baseline."""

    speedup: float
    ci_low: float
    ci_high: float
    verdict: str  # faster | slower | no difference | too noisy
    cv: float  # the larger of the two sides' coefficients of variation
    load_avg: float  # 1-minute load average when the comparison ended

    @classmethod
    def from_dict(cls, data: dict) -> PairedSpeedup:
        return cls(speedup=float(data["speedup"]), ci_low=float(data["ci_low"]), ci_high=float(data["ci_high"]),
                   verdict=str(data["verdict"]), cv=float(data.get("cv", 0.0)),
                   load_avg=float(data.get("load_avg", 0.0)))


@dataclass(frozen=True)
class VariantScore:
    """What the leaderboard needs to know about one measured and evaluated variant."""

    name: str
    p50_ms: float
    map50: float
    size_bytes: int = 0
    run_id: int | None = None
    paired: PairedSpeedup | None = None  # None: the baseline itself, or a run measured before pairing
    owner: str = ""  # whose run it is


@dataclass(frozen=True)
class LeaderboardEntry:
    score: VariantScore
    speedup: float  # the paired speed-up; baseline p50 / this p50 (unpaired) when there is no paired figure
    map_delta: float  # this mAP@0.5 - the baseline's (negative: lost accuracy)
    accuracy_per_ms: float
    qualifies: bool  # accuracy within the tolerance
    rank: int | None  # 1 = fastest ranked variant; None when not ranked
    standing: str = ""  # "rank 1", or why it is not ranked


@dataclass(frozen=True)
class Leaderboard:
    baseline: VariantScore
    ranked: tuple[LeaderboardEntry, ...]  # fastest first
    unranked: tuple[LeaderboardEntry, ...]  # with the reason in ``standing``
    by_accuracy_per_ms: tuple[LeaderboardEntry, ...]  # every variant, best ratio first
    tolerance: float


def build_leaderboard(baseline: VariantScore, variants: Sequence[VariantScore], *,
                      tolerance: float = MAP_TOLERANCE) -> Leaderboard:
    if baseline.p50_ms <= 0:
        raise ValueError("the baseline's p50 must be positive")
    entries = [_entry(baseline, v, tolerance) for v in variants]
    rankable = sorted((e for e in entries if _rankable(e)), key=lambda e: (-e.speedup, -e.score.map50, e.score.name))
    ranked = [replace(e, rank=i, standing=f"rank {i}") for i, e in enumerate(rankable, start=1)]
    unranked = sorted((e for e in entries if not _rankable(e)), key=lambda e: -e.speedup)
    by_ratio = sorted(ranked + unranked, key=lambda e: (-e.accuracy_per_ms, e.score.name))
    return Leaderboard(baseline=baseline, ranked=tuple(ranked), unranked=tuple(unranked),
                       by_accuracy_per_ms=tuple(by_ratio), tolerance=tolerance)


def _rankable(entry: LeaderboardEntry) -> bool:
    paired = entry.score.paired
    return entry.qualifies and paired is not None and paired.verdict == "faster"


def _entry(baseline: VariantScore, variant: VariantScore, tolerance: float) -> LeaderboardEntry:
    delta = variant.map50 - baseline.map50
    qualifies = delta >= -tolerance - 1e-12
    paired = variant.paired
    unpaired = baseline.p50_ms / variant.p50_ms if variant.p50_ms > 0 else 0.0
    return LeaderboardEntry(
        score=variant, speedup=paired.speedup if paired else unpaired, map_delta=delta,
        accuracy_per_ms=variant.map50 / variant.p50_ms if variant.p50_ms > 0 else 0.0,
        qualifies=qualifies, rank=None, standing=_standing(baseline, variant, qualifies, tolerance))


def _standing(baseline: VariantScore, variant: VariantScore, qualifies: bool, tolerance: float) -> str:
    paired = variant.paired
    if variant.run_id is not None and variant.run_id == baseline.run_id or variant is baseline:
        return "the baseline"
    if not qualifies:
        return f"not ranked: over {tolerance * 100:g} point below"
    if paired is None:
        return "not ranked: measured before pairing, re-run"
    if paired.verdict == "too noisy":
        return f"too noisy to rank, re-run (CV {paired.cv * 100:.0f}%, load {paired.load_avg:.1f})"
    if paired.verdict == "no difference":
        return "not ranked: no faster (interval includes 1.0x)"
    if paired.verdict == "slower":
        return "not ranked: slower"
    return ""


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
