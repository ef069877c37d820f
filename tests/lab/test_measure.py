"""The latency harness: statistics on hand-built samples, the stop rules on a fake clock, and a real tiny model."""

from __future__ import annotations

import numpy as np
import pytest

from lab.measure import (
    EndToEnd,
    LatencyReport,
    LatencyStats,
    MeasureError,
    MeasurePolicy,
    measure_latency,
    resolve_input_shape,
    sample_until,
    warm_up,
)
from lab.optimize import Provider, SessionConfig


class FakeClock:
    """Each call to the timed function advances time by ``step`` seconds."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += self.step


def test_stats_on_known_samples():
    stats = LatencyStats.from_seconds([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert stats.n == 100
    assert stats.p50_ms == pytest.approx(50.5)
    assert stats.p90_ms == pytest.approx(90.1)
    assert stats.p99_ms == pytest.approx(99.01)
    assert (stats.min_ms, stats.max_ms) == (pytest.approx(1.0), pytest.approx(100.0))
    assert stats.mean_ms == pytest.approx(50.5)
    assert stats.cv == pytest.approx(np.std(np.arange(1, 101), ddof=1) / 50.5)
    assert stats.total_s == pytest.approx(5.05)


def test_stats_refuse_empty_samples():
    with pytest.raises(ValueError):
        LatencyStats.from_seconds([])


def test_measurement_stops_only_when_both_time_and_count_are_reached():
    clock = FakeClock(step=0.01)
    samples, capped = sample_until(clock.tick, min_time_s=1.0, min_runs=10, max_time_s=60, clock=clock)
    assert len(samples) == 100 and not capped  # time was the binding condition
    clock = FakeClock(step=0.5)
    samples, capped = sample_until(clock.tick, min_time_s=1.0, min_runs=10, max_time_s=60, clock=clock)
    assert len(samples) == 10 and not capped  # count was the binding condition


def test_cap_stops_a_pathological_model_and_says_so():
    clock = FakeClock(step=5.0)
    samples, capped = sample_until(clock.tick, min_time_s=1.0, min_runs=100, max_time_s=20, clock=clock)
    assert capped and len(samples) == 4


def test_warm_up_needs_both_200_ms_and_10_runs():
    calls = []
    runs, seconds = warm_up(lambda: calls.append(1), MeasurePolicy())
    assert runs >= 10 and seconds >= 0 and len(calls) == runs
    runs, seconds = warm_up(lambda: __import__("time").sleep(0.03), MeasurePolicy())
    assert runs >= 10 and seconds >= 0.2


@pytest.mark.parametrize(("declared", "config", "expected"), [
    (["batch", 3, "h", "w"], SessionConfig(), (1, 3, 160, 160)),
    (["batch", 3, "h", "w"], SessionConfig(batch_size=8, input_size=128), (8, 3, 128, 128)),
    ([1, 3, 224, 224], SessionConfig(), (1, 3, 224, 224)),
])
def test_input_shape_fills_symbolic_axes(declared, config, expected):
    assert resolve_input_shape(declared, config) == expected


@pytest.mark.parametrize(("declared", "config", "message"), [
    ([1, 3, 224, 224], SessionConfig(batch_size=8), "batch axis is fixed"),
    ([1, 3, 224, 224], SessionConfig(input_size=128), "fixed at 224x224"),
    (["n", 10], SessionConfig(), "rank 2"),
])
def test_input_shape_conflicts_are_explained(declared, config, message):
    with pytest.raises(MeasureError, match=message):
        resolve_input_shape(declared, config)


def test_measure_tiny_model_reports_every_figure(conv_model):
    report = measure_latency(conv_model, SessionConfig(input_size=64, intra_op_threads=1), policy=MeasurePolicy.quick())
    assert report.providers == ("CPUExecutionProvider",) and not report.gpu_fallback
    assert report.timing_method == "io_binding"
    assert report.session_create_ms > 0 and report.first_run_ms > 0
    assert report.warmup_runs >= 3
    stats = report.model_only
    assert stats.n >= 10 and stats.min_ms <= stats.p50_ms <= stats.p90_ms <= stats.p99_ms <= stats.max_ms
    assert report.throughput_ips > 0 and report.input_shape == (1, 3, 64, 64)
    assert report.end_to_end is None and report.end_to_end_note
    assert len(report.model_sha256) == 64 and report.size_bytes == conv_model.stat().st_size
    assert report.environment.onnxruntime


def test_report_round_trips_through_json_dict(conv_model):
    import json

    report = measure_latency(conv_model, SessionConfig(input_size=32, batch_size=2, io_binding=False),
                             policy=MeasurePolicy.quick())
    data = json.loads(json.dumps(report.to_dict()))
    assert {"p50_ms", "p90_ms", "p99_ms", "mean_ms", "n", "providers"} <= data.keys()
    assert LatencyReport.from_dict(data) == report
    assert report.timing_method == "run"


def test_gpu_request_that_falls_back_to_cpu_is_flagged(conv_model):
    report = measure_latency(conv_model, SessionConfig(provider=Provider.CUDA, input_size=32),
                             policy=MeasurePolicy.quick())
    if "CUDAExecutionProvider" in report.providers:
        pytest.skip("a GPU is attached: nothing falls back")
    assert report.gpu_fallback and report.requested_provider == "CUDAExecutionProvider"
    assert report.providers[0] == "CPUExecutionProvider"


def test_end_to_end_covers_preprocess_run_and_decode(conv_model):
    seen = {"pre": 0, "decode": 0}

    def preprocess(images, size):
        seen["pre"] += 1
        resized = np.zeros((len(images), 3, size, size), np.float32)
        return resized + np.float32(images.mean() / 255.0)

    def decode(outputs, size, original):
        seen["decode"] += 1
        return [[] for _ in outputs[0]]

    images = np.full((3, 48, 48, 3), 128, np.uint8)
    report = measure_latency(conv_model, SessionConfig(input_size=32, batch_size=4), policy=MeasurePolicy.quick(),
                             pipeline=EndToEnd(images=images, preprocess=preprocess, decode=decode))
    assert report.end_to_end is not None and report.end_to_end.n >= 10
    assert seen["decode"] >= report.end_to_end.n and seen["pre"] > seen["decode"]


def test_a_file_that_is_not_a_model_raises_measure_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(MeasureError, match="could not load"):
        measure_latency(bad, policy=MeasurePolicy.quick())


def test_a_report_records_the_load_average_and_a_noise_verdict(conv_model):
    from lab.measure import NOISY_CV, LatencyReport, MeasurePolicy, measure_latency
    from lab.optimize import SessionConfig

    report = measure_latency(conv_model, SessionConfig(input_size=32, intra_op_threads=1), policy=MeasurePolicy.quick())
    assert len(report.load_avg_before) == 3 and len(report.load_avg_after) == 3
    assert report.noise == ("noisy" if report.model_only.cv > NOISY_CV else "quiet")
    assert LatencyReport.from_dict(report.to_dict()) == report
    older = {k: v for k, v in report.to_dict().items() if k not in ("load_avg_before", "load_avg_after", "noise")}
    assert LatencyReport.from_dict(older).noise == ""  # rows stored before these fields still load
