"""Benchmark scripts that print figures (never timed assertions).

  python -m lab.bench_harness side-by-side [--model M] [--rounds 8] [--block 1.0] [--threads N] [--size N]
      The harness's p50 against a bare ``session.run`` loop: same model, same settings, same process, interleaved
      (ABBA order) so that drift in the machine's speed hits both alike. Prints both p50s and the difference.
  python -m lab.bench_harness variants [--model M] [--quick]
      The variant table: fp32 baseline, graph levels, static int8 (QDQ per-channel MinMax / Entropy / Percentile,
      QOperator), dynamic int8, threads 1 vs 2, batch 1 vs 8, input 128 vs 160; p50 and mAP@0.5 for each, every
      build, measurement and evaluation in an isolated child process as the app does it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab.isolate import measurement_slot
from lab.measure import MeasurePolicy, measure_latency
from lab.optimize import (
    CalibrationOption,
    GraphLevel,
    QuantFormatOption,
    QuantTypeOption,
    SessionConfig,
    StaticQuantOptions,
    create_session,
)
from lab.variants import VariantSpec, run_variant


def bare_loop(session, feeds: dict, runs: int) -> list[float]:
    """The reference: nothing but ``session.run`` between two clock reads."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(None, feeds)
        samples.append(time.perf_counter() - t0)
    return samples


@dataclass(frozen=True)
class SideBySide:
    harness_p50_ms: float  # median over rounds of the harness's p50 (session.run, no IO binding: like for like)
    bare_p50_ms: float  # median over rounds of the bare loop's p50
    harness_io_binding_p50_ms: float  # the harness's default timing, for information
    rounds: int
    runs_per_round: int

    @property
    def difference(self) -> float:
        return self.harness_p50_ms / self.bare_p50_ms - 1.0


def side_by_side(model: Path, config: SessionConfig, *, rounds: int = 8, block_s: float = 1.0) -> SideBySide:
    """Alternate blocks of the harness and of a bare loop in this process (ABBA order); compare median p50s."""
    session = create_session(model, config)
    meta = session.get_inputs()[0]
    size = config.input_size or 160
    x = np.random.default_rng(0).random((config.batch_size, 3, size, size), dtype=np.float32)
    feeds = {meta.name: x}
    policy = MeasurePolicy(min_time_s=block_s, min_runs=50, end_to_end=False)
    plain = SessionConfig.from_dict({**config.to_dict(), "io_binding": False})
    bare_loop(session, feeds, 50)  # warm-up of the bare loop's session
    harness, bare, bound, runs = [], [], [], 0
    for i in range(rounds):
        for which in (("harness", "bare") if i % 2 == 0 else ("bare", "harness")):
            if which == "harness":
                stats = measure_latency(model, plain, policy=policy, inputs=x).model_only
                harness.append(stats.p50_ms)
                runs = stats.n
            else:
                bare.append(float(np.percentile(bare_loop(session, feeds, max(runs, 200)), 50)) * 1e3)
        bound.append(measure_latency(model, config.with_changes(io_binding=True), policy=policy, inputs=x).p50_ms)
    return SideBySide(harness_p50_ms=statistics.median(harness), bare_p50_ms=statistics.median(bare),
                      harness_io_binding_p50_ms=statistics.median(bound), rounds=rounds, runs_per_round=runs)


def variant_specs(default_size: int = 160, threads: int = 0) -> list[VariantSpec]:
    """The issue's variant list; ``threads`` sets the intra-op threads of every row but the two thread rows."""
    s = SessionConfig(input_size=default_size, intra_op_threads=threads)

    def static(name: str, **options) -> VariantSpec:
        return VariantSpec(name, quantize="static", static=StaticQuantOptions(**options), session=s)

    specs = [VariantSpec("fp32 baseline", session=s)]
    specs += [VariantSpec(f"fp32 {g.value}", session=s.with_changes(graph_level=g))
              for g in (GraphLevel.ORT_DISABLE_ALL, GraphLevel.ORT_ENABLE_BASIC, GraphLevel.ORT_ENABLE_EXTENDED)]
    specs += [static(f"int8 QDQ per-channel {c.value}", calibration=c) for c in CalibrationOption]
    specs += [static("int8 QDQ per-channel MinMax, reduce_range", reduce_range=True),
              static("int8 QDQ per-tensor MinMax", per_channel=False),
              static("int8 QDQ per-channel MinMax, S8S8", activation_type=QuantTypeOption.QInt8),
              static("int8 QOperator per-channel MinMax", quant_format=QuantFormatOption.QOperator),
              VariantSpec("int8 dynamic", quantize="dynamic", session=s),
              VariantSpec("fp32 threads=1", session=s.with_changes(intra_op_threads=1)),
              VariantSpec("fp32 threads=2", session=s.with_changes(intra_op_threads=2)),
              VariantSpec("fp32 allow_spinning=0", session=s.with_changes(allow_spinning=False)),
              VariantSpec("fp32 batch=8", session=s.with_changes(batch_size=8)),
              VariantSpec("fp32 input 128", session=s.with_changes(input_size=128)),
              VariantSpec("int8 QDQ per-channel MinMax rr, input 128", quantize="static",
                          static=StaticQuantOptions(reduce_range=True), session=s.with_changes(input_size=128))]
    return specs


def print_variant_table(model: Path, *, quick: bool, threads: int = 0) -> None:
    policy = MeasurePolicy(min_time_s=0.3, min_runs=30) if quick else MeasurePolicy(min_time_s=3.0, min_runs=300)
    print(f"# model {model}   load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}   "
          f"policy: >= {policy.min_time_s} s and >= {policy.min_runs} runs after warm-up; threads "
          f"{threads or 'default'}")
    header = f"{'variant':42} {'batch':>5} {'size':>4} {'p50 ms':>8} {'ms/img':>7} {'cv%':>5} {'speed-up':>8} " \
             f"{'e2e p50':>8} {'mAP@0.5':>8} {'Δ pts':>6} {'counts':>6} {'MB':>6}"
    print(header)
    print("-" * len(header))
    base = None
    with tempfile.TemporaryDirectory(prefix="lab-variants-") as out:
        for spec in variant_specs(threads=threads):
            try:
                run = run_variant(model, spec, out_dir=Path(out), policy=policy)
            except Exception as exc:  # noqa: BLE001 - one broken variant must not hide the others
                print(f"{spec.name:42} failed: {exc}")
                continue
            lat, batch = run.latency, run.latency.input_shape[0]
            per_image, map50 = lat.p50_ms / batch, (run.accuracy or {}).get("map50", float("nan"))
            base = base or (per_image, map50)
            delta = (map50 - base[1]) * 100
            e2e = lat.end_to_end.p50_ms if lat.end_to_end else float("nan")
            print(f"{spec.name:42} {batch:5d} {lat.input_shape[2]:4d} {lat.p50_ms:8.3f} {per_image:7.3f} "
                  f"{lat.model_only.cv * 100:5.1f} {base[0] / per_image:7.2f}x {e2e:8.3f} {map50:8.4f} {delta:+6.2f} "
                  f"{'yes' if delta >= -1.0 else 'no':>6} {run.size_bytes / 1e6:6.2f}")
    print(f"# environment: {lat.environment.cpu_model}, {lat.environment.logical_cpus} CPUs, onnxruntime "
          f"{lat.environment.onnxruntime}, GPU: {', '.join(g.name for g in lat.environment.gpus) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.bench_harness")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("side-by-side", "variants"):
        p = sub.add_parser(name)
        p.add_argument("--model", type=Path, default=None, help="default: the demo detector")
        p.add_argument("--quick", action="store_true", help="short runs: a smoke test, not figures to quote")
    sub.choices["side-by-side"].add_argument("--rounds", type=int, default=8)
    sub.choices["side-by-side"].add_argument("--block", type=float, default=1.0, help="seconds per block")
    sub.choices["variants"].add_argument("--threads", type=int, default=0, help="intra-op threads of every row")
    sub.choices["side-by-side"].add_argument("--threads", type=int, default=0)
    sub.choices["side-by-side"].add_argument("--size", type=int, default=160)
    args = parser.parse_args(argv)
    model = args.model
    if model is None:
        from lab.dataset import baseline_model_path
        model = baseline_model_path()
    if not model.is_file():
        print(f"error: no such model file: {model}", file=sys.stderr)
        return 1
    if args.command == "variants":
        print_variant_table(model, quick=args.quick, threads=args.threads)
        return 0
    config = SessionConfig(intra_op_threads=args.threads, input_size=args.size)
    rounds, block = (2, 0.2) if args.quick else (args.rounds, args.block)
    with measurement_slot(timeout_s=600):
        result = side_by_side(model, config, rounds=rounds, block_s=block)
    print(f"model {model}  input {args.size}  threads {args.threads or 'default'}  rounds {result.rounds} (ABBA)  "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"bare session.run loop      p50 {result.bare_p50_ms:.4f} ms")
    print(f"harness (session.run)      p50 {result.harness_p50_ms:.4f} ms   difference {result.difference * 100:+.2f}%")
    print(f"harness (IO binding)       p50 {result.harness_io_binding_p50_ms:.4f} ms   (the harness's default)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
