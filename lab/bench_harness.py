"""Benchmark scripts that print figures (never timed assertions).

  python -m lab.bench_harness side-by-side [--model M] [--rounds 8] [--block 1.0] [--threads N] [--size N]
      The harness's p50 against a bare ``session.run`` loop: same model, same settings, same process, interleaved
      (ABBA order) so that drift in the machine's speed hits both alike. Prints both p50s and the difference.
  python -m lab.bench_harness variants [--model M] [--threads N] [--rounds 3] [--quick]
      The variant table: fp32 baseline, graph levels, static int8 (QDQ per-channel MinMax / Entropy / Percentile,
      reduce_range, fp32 first/last Convs, per-tensor, S8S8, QOperator), dynamic int8, threads 1 vs 2, spinning,
      batch 1 vs 8, input 128 vs 160; p50 and mAP@0.5 for each, every build, measurement and evaluation in an
      isolated child process as the app does it. Latency is measured in round-robin rounds (p50 = median of the
      rounds' p50s) so that drift in a shared machine's speed is spread over every variant.
  python -m lab.bench_harness noise [--model M] [--variant V] [--threads 1] [--procs 2] [--rounds 20]
      The same pair (default: the demo detector and its static int8 variant) measured quiet and then beside
      ``python -m lab stress --procs N``: the paired speed-up with its interval, and the unpaired p50s (each model
      measured alone, one after the other) for contrast.
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

from lab.environment import collect_environment
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
from lab.variants import VariantSpec, measure_variant, run_variant


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
              static("int8 QDQ per-channel MinMax, io convs fp32", io_convs_fp32=True),
              static("int8 QDQ per-channel MinMax rr, io convs fp32", reduce_range=True, io_convs_fp32=True),
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


@dataclass(frozen=True)
class VariantFigures:
    name: str
    batch: int
    size: int
    p50_ms: float  # median over rounds of each round's p50
    round_p50s: tuple[float, ...]
    e2e_p50_ms: float
    map50: float
    size_bytes: int


def collect_variant_figures(model: Path, specs: list[VariantSpec], *, policy: MeasurePolicy,
                            rounds: int) -> list[VariantFigures | str]:
    """Build, evaluate and measure every variant (isolated), then measure them all again round-robin ``rounds - 1``
    more times: a slow minute on a shared machine then lands on every variant alike instead of on one."""
    done, reports = [], []
    with tempfile.TemporaryDirectory(prefix="lab-variants-") as out:
        for spec in specs:
            try:
                run = run_variant(model, spec, out_dir=Path(out), policy=policy)
            except Exception as exc:  # noqa: BLE001 - one broken variant must not hide the others
                done.append(f"{spec.name}: failed: {exc}")
                continue
            done.append(run)
            reports.append([run.latency])
        measured = [r for r in done if not isinstance(r, str)]
        for _ in range(rounds - 1):
            for run, kept in zip(measured, reports, strict=True):
                kept.append(measure_variant(run.model_path, run.spec, policy=policy))
    figures = iter(reports)
    return [item if isinstance(item, str) else _figures(item, next(figures)) for item in done]


def _figures(run, reports) -> VariantFigures:
    e2e = [r.end_to_end.p50_ms for r in reports if r.end_to_end]
    return VariantFigures(name=run.spec.name, batch=run.latency.input_shape[0], size=run.latency.input_shape[2],
                          p50_ms=statistics.median(r.p50_ms for r in reports),
                          round_p50s=tuple(r.p50_ms for r in reports),
                          e2e_p50_ms=statistics.median(e2e) if e2e else float("nan"),
                          map50=(run.accuracy or {}).get("map50", float("nan")), size_bytes=run.size_bytes)


def print_variant_table(model: Path, *, quick: bool, threads: int = 0, rounds: int = 3) -> None:
    policy = MeasurePolicy(min_time_s=0.3, min_runs=30) if quick else MeasurePolicy(min_time_s=1.0, min_runs=100)
    rounds = 1 if quick else rounds
    print(f"# model {model.name}   load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}   policy per "
          f"round: >= {policy.min_time_s} s and >= {policy.min_runs} runs after warm-up; {rounds} round(s), "
          f"p50 = median of the rounds' p50s; threads {threads or 'default'}")
    header = (f"{'variant':46} {'batch':>5} {'size':>4} {'p50 ms':>8} {'ms/img':>7} {'rounds':>17} {'speed-up':>8} "
              f"{'e2e p50':>8} {'mAP@0.5':>8} {'Δ pts':>6} {'counts':>6} {'MB':>5}")
    print(header)
    print("-" * len(header))
    base = None
    for item in collect_variant_figures(model, variant_specs(threads=threads), policy=policy, rounds=rounds):
        if isinstance(item, str):
            print(item)
            continue
        per_image = item.p50_ms / item.batch
        base = base or (per_image, item.map50)
        delta = (item.map50 - base[1]) * 100
        spread = f"{min(item.round_p50s):.2f}-{max(item.round_p50s):.2f}"
        print(f"{item.name:46} {item.batch:5d} {item.size:4d} {item.p50_ms:8.3f} {per_image:7.3f} {spread:>17} "
              f"{base[0] / per_image:7.2f}x {item.e2e_p50_ms:8.3f} {item.map50:8.4f} {delta:+6.2f} "
              f"{'yes' if delta >= -1.0 else 'no':>6} {item.size_bytes / 1e6:5.2f}")
    env = collect_environment()
    print(f"# environment: {env.cpu_model}, {env.logical_cpus} CPUs, int8 features {', '.join(env.cpu_flags)}, "
          f"onnxruntime {env.onnxruntime}, GPU: {', '.join(g.name for g in env.gpus) or 'none'}; "
          f"load average now {os.getloadavg()[0]:.2f}")


def _unpaired(model: Path, config: SessionConfig) -> float:
    """The old way: one model measured alone (an isolated child, 2 s and 200 runs at least)."""
    from lab.isolate import run_job

    payload = {"model": str(model), "config": config.to_dict(), "policy": {"min_time_s": 2.0, "min_runs": 200},
               "end_to_end": False}
    return float(run_job("bench", payload)["p50_ms"])


def _noise_row(label: str, base: Path, variant: Path, config: SessionConfig, rounds: int) -> str:
    from lab.commands.compare import compare_models
    from lab.paired import PairedPolicy

    load_before = os.getloadavg()[0]
    base_alone, variant_alone = _unpaired(base, config), _unpaired(variant, config)
    r = compare_models(base, variant, config, PairedPolicy(rounds=rounds), accuracy=False)
    return (f"{label:18} {load_before:5.2f}-{os.getloadavg()[0]:5.2f} {base_alone:9.3f} {variant_alone:9.3f} "
            f"{base_alone / variant_alone:8.2f}x {r['baseline_p50_ms']:9.3f} {r['variant_p50_ms']:9.3f} "
            f"{r['speedup']:7.3f}x {r['ci_low']:.3f}-{r['ci_high']:.3f} {r['verdict']:>13} "
            f"{r['baseline_cv'] * 100:5.0f}% {r['variant_cv'] * 100:5.0f}% {r['clock']:>5}")


def print_noise_table(base: Path, variant: Path | None, *, threads: int, procs: int, rounds: int) -> None:
    import subprocess

    config = SessionConfig(intra_op_threads=threads, input_size=160)
    with tempfile.TemporaryDirectory(prefix="lab-noise-") as out:
        if variant is None:
            from lab.isolate import run_job

            spec = VariantSpec("int8 static", quantize="static", session=config)
            variant = Path(run_job("variant", {"baseline": str(base), "spec": spec.to_dict(), "out_dir": out})["model"])
        print(f"# baseline {base.name}, variant {variant.name}, threads {threads or 'default'}, {rounds} rounds; "
              f"unpaired = each alone (2 s, 200 runs); paired = python -m lab compare")
        print(f"{'condition':18} {'load 1-min':11} {'alone A':>9} {'alone B':>9} {'unpaired':>9} {'paired A':>9} "
              f"{'paired B':>9} {'speed-up':>8} {'95% CI':11} {'verdict':>13} {'cv A':>6} {'cv B':>6} {'clock':>5}")
        print(_noise_row("quiet", base, variant, config, rounds), flush=True)
        stress = subprocess.Popen([sys.executable, "-m", "lab", "stress", "--procs", str(procs), "--seconds", "600"],
                                  stdout=subprocess.DEVNULL)
        try:
            time.sleep(5)  # let the load average notice the busy processes
            print(_noise_row(f"{procs} busy processes", base, variant, config, rounds), flush=True)
        finally:
            stress.terminate()
            stress.wait()
    env = collect_environment()
    print(f"# environment: {env.cpu_model}, {env.logical_cpus} CPUs, int8 features {', '.join(env.cpu_flags)}, "
          f"onnxruntime {env.onnxruntime}; the machine is shared with other work, so 'quiet' means no stress added")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.bench_harness")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("side-by-side", "variants", "noise"):
        p = sub.add_parser(name)
        p.add_argument("--model", type=Path, default=None, help="default: the demo detector")
        p.add_argument("--quick", action="store_true", help="short runs: a smoke test, not figures to quote")
    sub.choices["side-by-side"].add_argument("--rounds", type=int, default=8)
    sub.choices["side-by-side"].add_argument("--block", type=float, default=1.0, help="seconds per block")
    sub.choices["variants"].add_argument("--threads", type=int, default=0, help="intra-op threads of every row")
    sub.choices["variants"].add_argument("--rounds", type=int, default=3, help="round-robin latency rounds")
    sub.choices["side-by-side"].add_argument("--threads", type=int, default=0)
    sub.choices["side-by-side"].add_argument("--size", type=int, default=160)
    noise = sub.choices["noise"]
    noise.add_argument("--variant", type=Path, default=None, help="default: static int8 of the model")
    noise.add_argument("--threads", type=int, default=1)
    noise.add_argument("--procs", type=int, default=2)
    noise.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    model = args.model
    if model is None:
        from lab.dataset import baseline_model_path
        model = baseline_model_path()
    if not model.is_file():
        print(f"error: no such model file: {model}", file=sys.stderr)
        return 1
    if args.command == "noise":
        print_noise_table(model.resolve(), args.variant, threads=args.threads, procs=args.procs, rounds=args.rounds)
        return 0
    if args.command == "variants":
        print_variant_table(model, quick=args.quick, threads=args.threads, rounds=args.rounds)
        return 0
    config = SessionConfig(intra_op_threads=args.threads, input_size=args.size)
    rounds, block = (2, 0.2) if args.quick else (args.rounds, args.block)
    with measurement_slot(timeout_s=600):
        result = side_by_side(model, config, rounds=rounds, block_s=block)
    print(f"model {model.name}  input {args.size}  threads {args.threads or 'default'}  rounds {result.rounds} (ABBA)  "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"bare session.run loop      p50 {result.bare_p50_ms:.4f} ms")
    print(f"harness (session.run)      p50 {result.harness_p50_ms:.4f} ms   difference {result.difference * 100:+.2f}%")
    print(f"harness (IO binding)       p50 {result.harness_io_binding_p50_ms:.4f} ms   (the harness's default)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
