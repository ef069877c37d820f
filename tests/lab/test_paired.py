"""Paired measurement: the bootstrap interval, the verdicts and their thresholds, and a real paired run."""

from __future__ import annotations

import numpy as np
import pytest

from lab.optimize import SessionConfig
from lab.paired import (
    MAX_CI_WIDTH,
    NOISY_CV,
    PairedPolicy,
    bootstrap_ratio_ci,
    measure_paired,
    noise_of,
    ratio_of_medians,
    verdict_of,
)


def test_ratio_of_medians_and_a_seeded_interval_that_repeats():
    rng = np.random.default_rng(3)
    base = 4.0 + rng.normal(0, 0.1, 20)
    variant = 2.0 + rng.normal(0, 0.05, 20)
    speedup, low, high = bootstrap_ratio_ci(base, variant, seed=7)
    assert speedup == pytest.approx(ratio_of_medians(base, variant)) and speedup == pytest.approx(2.0, rel=0.05)
    assert low < speedup < high and high - low < 0.2
    assert bootstrap_ratio_ci(base, variant, seed=7) == (speedup, low, high)
    assert bootstrap_ratio_ci(base, variant, seed=8) != (speedup, low, high)


def test_rounds_are_resampled_in_pairs_so_shared_drift_cancels():
    drift = np.linspace(1.0, 3.0, 20)  # the machine slows threefold during the run, for both sides alike
    speedup, low, high = bootstrap_ratio_ci(4.0 * drift, 2.0 * drift)
    assert speedup == pytest.approx(2.0) and high / low < 1.6  # the ratio survives; each side's p50 does not


def test_bootstrap_refuses_unequal_or_tiny_series():
    with pytest.raises(ValueError):
        bootstrap_ratio_ci([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        bootstrap_ratio_ci([1.0], [1.0])


@pytest.mark.parametrize(("speedup", "low", "high", "verdict"), [
    (1.5, 1.45, 1.55, "faster"),
    (0.8, 0.78, 0.82, "slower"),
    (1.01, 0.98, 1.04, "no difference"),
    (2.0, 1.2, 2.9, "too noisy"),
    (1.0, 0.85, 1.10, "too noisy"),
])
def test_verdicts_follow_the_documented_thresholds(speedup, low, high, verdict):
    assert verdict_of(speedup, low, high) == verdict
    assert MAX_CI_WIDTH == 0.20 and NOISY_CV == 0.15


def test_noise_verdict_takes_the_worse_side():
    assert noise_of(0.05, 0.10) == "quiet" and noise_of(0.05, 0.40) == "noisy"


def test_policy_needs_three_rounds():
    with pytest.raises(ValueError, match="at least 3 rounds"):
        PairedPolicy(rounds=2)


def test_a_model_against_itself_is_no_difference_and_the_report_says_where_it_ran(conv_model, make_conv_model,
                                                                                   tmp_path):
    config = SessionConfig(input_size=32, intra_op_threads=1)
    wide = make_conv_model(tmp_path / "wide.onnx", channels=(32, 64))
    report = measure_paired(wide, config, conv_model, config, policy=PairedPolicy.quick(rounds=6))
    assert report.rounds == 6 and report.order == "AB BA AB BA AB BA"
    assert len(report.baseline.block_p50s_ms) == 6 and len(report.variant.block_p50s_ms) == 6
    assert report.speedup > 1.0  # the narrow model does less work than the wide one
    assert report.ci_low <= report.speedup <= report.ci_high
    data = report.to_dict()
    assert data["verdict"] in ("faster", "too noisy", "no difference")
    assert {"avx2", "avx512_vnni", "amx_int8"} <= data["cpu_features"].keys()
    assert len(data["load_avg_before"]) == 3 and data["threads"] == {"baseline_intra_op": 1, "variant_intra_op": 1}
    assert data["environment"]["cpu_model"] and data["baseline"]["stats"]["n"] >= 6 * 3


def test_batch_sizes_compare_per_image(conv_model):
    one = SessionConfig(input_size=32, intra_op_threads=1)
    report = measure_paired(conv_model, one, conv_model, one.with_changes(batch_size=4),
                            policy=PairedPolicy.quick(rounds=3))
    assert report.variant.input_shape[0] == 4
    assert report.clock == "cpu"  # both single-threaded: the calling thread's CPU time
    assert report.variant.per_image_ms == pytest.approx(np.median(report.variant.cpu_block_p50s_ms) / 4)
    assert report.baseline.per_image_ms == pytest.approx(np.median(report.baseline.cpu_block_p50s_ms))


def test_the_cpu_clock_is_chosen_only_when_both_sides_are_single_threaded():
    from lab.paired import choose_clock

    one, default = SessionConfig(intra_op_threads=1), SessionConfig()
    assert choose_clock(PairedPolicy(), one, one) == "cpu"
    assert choose_clock(PairedPolicy(), one, default) == "wall"
    assert choose_clock(PairedPolicy(clock="wall"), one, one) == "wall"
    with pytest.raises(ValueError, match="single-threaded"):
        choose_clock(PairedPolicy(clock="cpu"), default, one)
    with pytest.raises(ValueError, match="clock must be"):
        PairedPolicy(clock="sundial")
