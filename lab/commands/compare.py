"""``python -m lab compare BASELINE.onnx VARIANT.onnx``: the paired speed-up with its confidence interval, both
accuracies and a verdict (faster, slower, no difference, too noisy). Measured in an isolated child process, one
measurement at a time on the machine; see :mod:`lab.paired` for the method and its thresholds."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from lab.commands import print_json, require_model

HELP = "paired speed-up of a variant over its baseline, with a confidence interval"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", type=Path)
    parser.add_argument("variant", type=Path)
    parser.add_argument("--rounds", type=int, default=20, help="alternating rounds (AB, BA, ...); at least 3")
    parser.add_argument("--block", type=float, default=0.1, help="seconds of timing per side and round at least")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads of both sides (0: default)")
    parser.add_argument("--size", type=int, default=None, help="input height and width for dynamic models")
    parser.add_argument("--clock", choices=["auto", "wall", "cpu"], default="auto",
                        help="auto: the calling thread's CPU time when both sides are single-threaded, else wall")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the two evaluations")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from lab.optimize import SessionConfig
    from lab.paired import PairedPolicy
    from lab.validate import validate_model_file

    for model in (require_model(args.baseline), require_model(args.variant)):
        validate_model_file(model, trial_run=False)  # in a limited child, as the app checks uploads
    config = SessionConfig(intra_op_threads=args.threads, input_size=args.size)
    policy = PairedPolicy(rounds=args.rounds, block_min_s=args.block, clock=args.clock)
    result = compare_models(args.baseline, args.variant, config, policy, accuracy=not args.no_accuracy)
    print_json(result) if args.json else print(compare_text(result))
    return 0


def compare_models(baseline: Path, variant: Path, config, policy, *, accuracy: bool) -> dict:
    """Measure the pair in one limited child, evaluate each side in its own; the CLI's JSON."""
    from lab.isolate import Limits, run_job
    from lab.paired import elapsed_estimate_s

    limits = Limits.from_settings()
    limits = Limits(timeout_s=max(limits.timeout_s, elapsed_estimate_s(policy, slowest_ms=200.0)),
                    memory_mb=limits.memory_mb)
    payload = {"baseline": str(baseline.resolve()), "variant": str(variant.resolve()),
               "baseline_config": config.to_dict(), "variant_config": config.to_dict(), "policy": asdict(policy),
               "demo_inputs": _has_demo_data()}
    report = run_job("compare", payload, limits)
    accuracies = {side: _accuracy(path, config, limits) if accuracy else (None, "not evaluated (--no-accuracy)")
                  for side, path in (("baseline", baseline), ("variant", variant))}
    return summary(report, accuracies)


def summary(report: dict, accuracies: dict[str, tuple[dict | None, str]]) -> dict:
    env = report["environment"]
    base_acc, variant_acc = accuracies["baseline"][0], accuracies["variant"][0]
    delta = (variant_acc["map50"] - base_acc["map50"]) if base_acc and variant_acc else None
    return {
        "speedup": report["speedup"], "ci_low": report["ci_low"], "ci_high": report["ci_high"],
        "ci_width": report["ci_width"], "verdict": report["verdict"], "noise": report["noise"],
        "baseline_p50_ms": report["baseline"]["p50_ms"], "variant_p50_ms": report["variant"]["p50_ms"],
        "baseline_cv": report["baseline"]["stats"]["cv"], "variant_cv": report["variant"]["stats"]["cv"],
        "rounds": report["rounds"], "order": report["order"], "clock": report["clock"],
        "load_avg": {"before": report["load_avg_before"], "after": report["load_avg_after"]},
        "threads": report["threads"], "cpu_model": env["cpu_model"], "logical_cpus": env["logical_cpus"],
        "cpu_features": report["cpu_features"], "cpu_flags": env["cpu_flags"],
        "gpus": env["gpus"], "providers": report["variant"]["providers"],
        "baseline_accuracy": base_acc, "variant_accuracy": variant_acc,
        "baseline_map50": base_acc["map50"] if base_acc else None,
        "variant_map50": variant_acc["map50"] if variant_acc else None, "map50_delta": delta,
        "accuracy_notes": {side: note for side, (_, note) in accuracies.items() if note},
        "thresholds": report["thresholds"], "report": report,
    }


def _has_demo_data() -> bool:
    try:
        from lab.measure import demo_pipeline

        return demo_pipeline() is not None
    except Exception:  # noqa: BLE001 - without the demo data the inputs are seeded noise
        return False


def _accuracy(model: Path, config, limits) -> tuple[dict | None, str]:
    from lab.isolate import LabRunFailed, run_job

    try:
        return run_job("evaluate", {"model": str(model.resolve()), "options": {"input_size": config.input_size}},
                       limits), ""
    except LabRunFailed as exc:
        return None, f"accuracy not measured: {exc}"


def compare_text(r: dict) -> str:
    load = r["load_avg"]
    features = ", ".join(name for name, present in r["cpu_features"].items() if present) or "none of AVX2/VNNI/AMX"
    lines = [f"verdict      {r['verdict']}  (noise: {r['noise']})",
             f"speed-up     {r['speedup']:.3f}x  95% CI {r['ci_low']:.3f}-{r['ci_high']:.3f}  "
             f"(width {r['ci_width'] * 100:.1f}% of the speed-up; ranked only under "
             f"{r['thresholds']['max_ci_width'] * 100:.0f}% and above 1.0)",
             f"clock        {'CPU time of the calling thread' if r['clock'] == 'cpu' else 'wall clock'}",
             f"baseline     p50 {r['baseline_p50_ms']:.3f} ms (wall)  cv {r['baseline_cv'] * 100:.1f}%",
             f"variant      p50 {r['variant_p50_ms']:.3f} ms (wall)  cv {r['variant_cv'] * 100:.1f}%",
             f"rounds       {r['rounds']} ({r['order'][:23]}{'...' if len(r['order']) > 23 else ''})",
             f"load average before {load['before'][0]:.2f}, after {load['after'][0]:.2f} "
             f"({r['logical_cpus']} CPUs)"]
    for side in ("baseline", "variant"):
        acc = r[f"{side}_accuracy"]
        lines.append(f"{side:12} mAP@0.5 {acc['map50']:.4f}" if acc else f"{side:12} {r['accuracy_notes'][side]}")
    if r["map50_delta"] is not None:
        lines.append(f"accuracy     Δ mAP@0.5 {r['map50_delta'] * 100:+.2f} points")
    gpus = ", ".join(g["name"] for g in r["gpus"]) or "none"
    lines.append(f"environment  {r['cpu_model']}, int8 features: {features}, threads {r['threads']}, GPU: {gpus}")
    return "\n".join(lines)
