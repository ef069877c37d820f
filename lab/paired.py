"""Paired latency comparison: a variant against its baseline, measured in alternating rounds in one process.

On a shared machine the speed of the CPU drifts by tens of percent within a minute, so two p50s measured one after
the other compare the machine's moods as much as the models. Here both sessions are created in the same process with
their own settings, and every round times one block of each, in alternating order (AB, BA, AB, ...), so a slow stretch
lands on both. The speed-up is the ratio of the medians of the rounds' block p50s (per image, so batch sizes
compare), with a seeded bootstrap confidence interval over rounds (rounds are resampled in pairs).

Verdicts (documented thresholds, also used by the leaderboard):

* ``too noisy``: the 95% interval is wider than :data:`MAX_CI_WIDTH` (20%) of the speed-up: re-run on a quieter
  machine or with more rounds.
* ``faster``: the interval's lower bound is above 1.0; ``slower``: its upper bound is below 1.0;
  ``no difference``: the interval contains 1.0.

Which clock: wall-clock time, unless both sides run single-threaded on the CPU (``intra_op_threads=1``), where
onnxruntime computes on the calling thread and that thread's CPU time (``time.thread_time``) is used instead. On a
machine with more runnable processes than cores, a run is often preempted part-way and waits a whole scheduler slice:
that wait hits long runs far more than short ones (a 4.4 ms fp32 run straddles a slice boundary much more often than a
1.5 ms int8 run), so wall-clock ratios inflate under load however well the rounds are paired. CPU time leaves the
wait out. Wall-clock p50s are always reported beside it.

The noise verdict is separate: ``noisy`` when either side's coefficient of variation over all timed runs is above
:data:`NOISY_CV` (15%), ``quiet`` otherwise. A paired speed-up can be tight on a noisy machine; the report says both.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lab.environment import collect_environment, int8_features, load_average
from lab.measure import NOISY_CV, EndToEnd, LatencyStats, file_sha256, gpu_fell_back, prepare_model, warm_up
from lab.optimize import SessionConfig

MAX_CI_WIDTH = 0.20  # (ci_high - ci_low) / speed-up above this: too noisy to rank
CONFIDENCE = 0.95
VERDICTS = ("faster", "slower", "no difference", "too noisy")


@dataclass(frozen=True)
class PairedPolicy:
    rounds: int = 20
    block_min_s: float = 0.1  # short blocks: a slow stretch of the machine then spans both sides of a round
    block_min_runs: int = 5
    block_max_s: float = 20.0
    warmup_min_s: float = 0.2
    warmup_min_runs: int = 5
    resamples: int = 2000
    seed: int = 0
    clock: str = "auto"  # auto | wall | cpu

    def __post_init__(self) -> None:
        if self.rounds < 3:
            raise ValueError(f"a paired comparison needs at least 3 rounds, not {self.rounds}")
        if self.clock not in ("auto", "wall", "cpu"):
            raise ValueError(f"clock must be auto, wall or cpu, not {self.clock!r}")

    @classmethod
    def quick(cls, rounds: int = 4) -> PairedPolicy:
        """Short blocks for tests and smoke checks; figures from it are not worth quoting."""
        return cls(rounds=rounds, block_min_s=0.02, block_min_runs=3, warmup_min_s=0.01, warmup_min_runs=2,
                   resamples=500)


@dataclass(frozen=True)
class SideFigures:
    """One side (baseline or variant) of a paired comparison."""

    model_path: str
    model_sha256: str
    size_bytes: int
    config: dict
    input_shape: tuple[int, ...]
    providers: tuple[str, ...]
    gpu_fallback: bool
    p50_ms: float  # wall clock: median of the rounds' block p50s
    per_image_ms: float  # by the comparison's clock, per image
    block_p50s_ms: tuple[float, ...]  # wall clock
    stats: LatencyStats  # wall clock, over every timed run of this side, pooled
    cpu_block_p50s_ms: tuple[float, ...] = ()  # the calling thread's CPU time (meaningful single-threaded only)

    @property
    def cv(self) -> float:
        return self.stats.cv


@dataclass(frozen=True)
class PairedReport:
    baseline: SideFigures
    variant: SideFigures
    rounds: int
    order: str  # "AB BA AB ..."
    clock: str  # "wall" or "cpu" (the calling thread's CPU time): what the speed-up was computed on
    speedup: float  # baseline per-image p50 / variant per-image p50
    ci_low: float
    ci_high: float
    verdict: str
    noise: str  # "quiet" or "noisy"
    load_avg_before: tuple[float, float, float]
    load_avg_after: tuple[float, float, float]
    threads: dict
    environment: dict
    thresholds: dict = field(default_factory=lambda: {"max_ci_width": MAX_CI_WIDTH, "noisy_cv": NOISY_CV,
                                                      "confidence": CONFIDENCE})

    @property
    def ci_width(self) -> float:
        return relative_width(self.speedup, self.ci_low, self.ci_high)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ci_width"] = self.ci_width
        data["cpu_features"] = int8_features(tuple(self.environment.get("cpu_flags", ())))
        return data


def relative_width(speedup: float, low: float, high: float) -> float:
    return (high - low) / speedup if speedup > 0 else float("inf")


def ratio_of_medians(baseline: Sequence[float], variant: Sequence[float]) -> float:
    return float(np.median(baseline) / np.median(variant))


def bootstrap_ratio_ci(baseline: Sequence[float], variant: Sequence[float], *, resamples: int = 2000, seed: int = 0,
                       confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(ratio of medians, low, high): a percentile bootstrap over rounds, each resample drawing whole rounds (the
    baseline's and the variant's block of the same round together). Deterministic for a given ``seed``."""
    a, b = np.asarray(baseline, dtype=np.float64), np.asarray(variant, dtype=np.float64)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("the bootstrap needs two equally long series of at least 2 rounds")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    ratios = np.median(a[picks], axis=1) / np.median(b[picks], axis=1)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return ratio_of_medians(a, b), float(low), float(high)


def verdict_of(speedup: float, low: float, high: float) -> str:
    if relative_width(speedup, low, high) > MAX_CI_WIDTH:
        return "too noisy"
    if low > 1.0:
        return "faster"
    if high < 1.0:
        return "slower"
    return "no difference"


def noise_of(*cvs: float) -> str:
    return "noisy" if max(cvs) > NOISY_CV else "quiet"


def choose_clock(policy: PairedPolicy, *configs: SessionConfig) -> str:
    single = all(c.intra_op_threads == 1 and c.inter_op_threads <= 1 and c.provider.value == "cpu" for c in configs)
    if policy.clock == "cpu" and not single:
        raise ValueError("the CPU-time clock needs both sides single-threaded on the CPU (--threads 1)")
    return policy.clock if policy.clock != "auto" else ("cpu" if single else "wall")


def time_block(run, policy: PairedPolicy) -> tuple[list[float], list[float]]:
    """Wall-clock and calling-thread CPU seconds of each run, until the block's time and count are reached."""
    wall, cpu = [], []
    start = time.perf_counter()
    while True:
        t0, c0 = time.perf_counter(), time.thread_time()
        run()
        c1, t1 = time.thread_time(), time.perf_counter()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
        elapsed = t1 - start
        if (elapsed >= policy.block_min_s and len(wall) >= policy.block_min_runs) or elapsed >= policy.block_max_s:
            return wall, cpu


def measure_paired(baseline: Path | str, baseline_config: SessionConfig, variant: Path | str,
                   variant_config: SessionConfig, *, policy: PairedPolicy | None = None,
                   pipeline: EndToEnd | None = None) -> PairedReport:
    """Time ``variant`` against ``baseline`` in alternating rounds in this process (isolate untrusted models with
    :mod:`lab.isolate`'s ``compare`` job)."""
    policy = policy or PairedPolicy()
    clock = choose_clock(policy, baseline_config, variant_config)
    load_before = load_average()
    sides = [prepare_model(baseline, baseline_config, pipeline=pipeline),
             prepare_model(variant, variant_config, pipeline=pipeline)]
    for side in sides:
        warm_up(side.run, _warmup_policy(policy))
    samples: list[list[float]] = [[], []]
    wall_p50s: list[list[float]] = [[], []]
    cpu_p50s: list[list[float]] = [[], []]
    for round_index in range(policy.rounds):
        for which in ((0, 1) if round_index % 2 == 0 else (1, 0)):
            wall, cpu = time_block(sides[which].run, policy)
            samples[which].extend(wall)
            wall_p50s[which].append(float(np.median(wall)) * 1e3)
            cpu_p50s[which].append(float(np.median(cpu)) * 1e3)
    chosen = cpu_p50s if clock == "cpu" else wall_p50s
    per_image = [[p / side.input_shape[0] for p in p50s] for p50s, side in zip(chosen, sides, strict=True)]
    speedup, low, high = bootstrap_ratio_ci(per_image[0], per_image[1], resamples=policy.resamples, seed=policy.seed)
    figures = [_side(path, config, side, wall_p50s[i], cpu_p50s[i], per_image[i], samples[i])
               for i, (path, config, side) in enumerate(((baseline, baseline_config, sides[0]),
                                                         (variant, variant_config, sides[1])))]
    return PairedReport(
        baseline=figures[0], variant=figures[1], rounds=policy.rounds,
        order=" ".join("AB" if i % 2 == 0 else "BA" for i in range(policy.rounds)), clock=clock,
        speedup=speedup, ci_low=low, ci_high=high, verdict=verdict_of(speedup, low, high),
        noise=noise_of(figures[0].cv, figures[1].cv), load_avg_before=load_before, load_avg_after=load_average(),
        threads={"baseline_intra_op": baseline_config.intra_op_threads,
                 "variant_intra_op": variant_config.intra_op_threads},
        environment=collect_environment().to_dict())


def _warmup_policy(policy: PairedPolicy):
    from lab.measure import MeasurePolicy

    return MeasurePolicy(warmup_min_s=policy.warmup_min_s, warmup_min_runs=policy.warmup_min_runs,
                         max_time_s=policy.block_max_s * 4)


def _side(path: Path | str, config: SessionConfig, prepared, wall_p50s: list[float], cpu_p50s: list[float],
          per_image: list[float], samples: list[float]) -> SideFigures:
    return SideFigures(model_path=str(path), model_sha256=file_sha256(path), size_bytes=Path(path).stat().st_size,
                       config=config.to_dict(), input_shape=prepared.input_shape, providers=prepared.providers,
                       gpu_fallback=gpu_fell_back(config, prepared.providers), p50_ms=statistics.median(wall_p50s),
                       per_image_ms=statistics.median(per_image), block_p50s_ms=tuple(wall_p50s),
                       stats=LatencyStats.from_seconds(samples), cpu_block_p50s_ms=tuple(cpu_p50s))


def paired_from_dict(data: dict) -> dict:
    """A stored report's headline figures (what the leaderboard and the page need), tolerant of older rows."""
    return {key: data[key] for key in ("speedup", "ci_low", "ci_high", "verdict", "noise", "rounds")
            if key in data} | {"cv": max(data["baseline"]["stats"]["cv"], data["variant"]["stats"]["cv"]),
                               "load_avg": data.get("load_avg_after", (0.0,))[0]}


def elapsed_estimate_s(policy: PairedPolicy, slowest_ms: float = 50.0) -> float:
    """A generous upper estimate of a comparison's duration, for time limits."""
    per_block = max(policy.block_min_s, policy.block_min_runs * slowest_ms / 1e3)
    return 30.0 + 2 * policy.rounds * per_block * 3 + 2 * policy.warmup_min_s



def compare_job(payload: dict) -> dict:
    """The ``compare`` job of :mod:`lab.isolate` (runs in the limited child): payload keys ``baseline``,
    ``variant``, ``baseline_config``, ``variant_config``, ``policy`` and ``demo_inputs``."""
    from lab.measure import demo_pipeline

    pipeline = demo_pipeline() if payload.get("demo_inputs") else None
    report = measure_paired(payload["baseline"], SessionConfig.from_dict(payload.get("baseline_config", {})),
                            payload["variant"], SessionConfig.from_dict(payload.get("variant_config", {})),
                            policy=PairedPolicy(**payload.get("policy", {})), pipeline=pipeline)
    return report.to_dict()
