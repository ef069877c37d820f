"""Command line of the lab. Other tools rely on these commands and on their JSON keys.

  python -m lab bench MODEL.onnx [--provider cpu|cuda|tensorrt] [--threads N] [--batch N] [--size N] [--json]
  python -m lab evaluate MODEL.onnx [--size N] [--json]
  python -m lab optimize MODEL.onnx --out OUT.onnx [--quantize static|dynamic] [--fp16] [--opt-level LEVEL]

Bad input gives one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2; the lab's contract is 1
        self.print_usage(sys.stderr)
        raise SystemExit(f"error: {message}")


def build_parser() -> argparse.ArgumentParser:
    from lab.optimize import CalibrationOption, GraphLevel, Provider, QuantFormatOption, QuantTypeOption

    parser = _Parser(prog="python -m lab", description="Measure, evaluate and optimise ONNX vision models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    bench = sub.add_parser("bench", help="latency report")
    bench.add_argument("model", type=Path)
    bench.add_argument("--provider", choices=[p.value for p in Provider], default="cpu")
    bench.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    bench.add_argument("--inter-threads", type=int, default=0)
    bench.add_argument("--batch", type=int, default=1)
    bench.add_argument("--size", type=int, default=None, help="input height and width for dynamic models")
    bench.add_argument("--opt-level", choices=[g.value for g in GraphLevel], default=GraphLevel.ORT_ENABLE_ALL.value)
    bench.add_argument("--no-io-binding", action="store_true", help="time session.run with numpy inputs instead")
    bench.add_argument("--no-spin", action="store_true", help="session.intra_op.allow_spinning = 0")
    bench.add_argument("--cuda-graph", action="store_true", help="CUDA: enable_cuda_graph")
    bench.add_argument("--trt-fp16", action="store_true", help="TensorRT: trt_fp16_enable")
    bench.add_argument("--min-time", type=float, default=2.0, help="seconds of measurement at least")
    bench.add_argument("--min-runs", type=int, default=200, help="measured runs at least")
    bench.add_argument("--json", action="store_true")
    evaluate = sub.add_parser("evaluate", help="accuracy on the held-out test set")
    evaluate.add_argument("model", type=Path)
    evaluate.add_argument("--size", type=int, default=None)
    evaluate.add_argument("--json", action="store_true")
    optimize = sub.add_parser("optimize", help="write an optimised variant of a model")
    optimize.add_argument("model", type=Path)
    optimize.add_argument("--out", type=Path, required=True)
    optimize.add_argument("--quantize", choices=["static", "dynamic"])
    optimize.add_argument("--format", choices=[q.value for q in QuantFormatOption], default="QDQ")
    optimize.add_argument("--calibration", choices=[c.value for c in CalibrationOption], default="MinMax")
    optimize.add_argument("--per-tensor", action="store_true", help="static: per-tensor instead of per-channel")
    optimize.add_argument("--reduce-range", action="store_true")
    optimize.add_argument("--activation", choices=[t.value for t in QuantTypeOption], default="QUInt8",
                          help="static: activation type (QUInt8 fuses on x86 CPUs; QInt8 for TensorRT)")
    optimize.add_argument("--io-convs-fp32", action="store_true",
                          help="static: keep the first Conv and the output heads' last Convs in float")
    optimize.add_argument("--fp16", action="store_true")
    optimize.add_argument("--opt-level", choices=[g.value for g in GraphLevel])
    optimize.add_argument("--size", type=int, default=None, help="static: calibration input size")
    return parser


def _require_model(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")


def _bench(args) -> dict:
    from lab.isolate import measurement_slot
    from lab.measure import MeasurePolicy, demo_pipeline, measure_latency
    from lab.optimize import CudaOptions, GraphLevel, Provider, SessionConfig, TensorrtOptions

    config = SessionConfig(provider=Provider(args.provider), intra_op_threads=args.threads,
                           inter_op_threads=args.inter_threads, graph_level=GraphLevel(args.opt_level),
                           batch_size=args.batch, input_size=args.size, io_binding=not args.no_io_binding,
                           allow_spinning=not args.no_spin,
                           cuda=CudaOptions(enable_cuda_graph=args.cuda_graph),
                           tensorrt=TensorrtOptions(trt_fp16_enable=args.trt_fp16))
    policy = MeasurePolicy(min_time_s=args.min_time, min_runs=args.min_runs)
    pipeline = demo_pipeline()
    with measurement_slot(timeout_s=600):  # never measure while the app or another bench is measuring
        return measure_latency(args.model, config, policy=policy, pipeline=pipeline).to_dict()


def _bench_text(r: dict) -> str:
    lines = [f"model        {r['model_path']} ({r['size_bytes'] / 1e6:.2f} MB)",
             f"providers    {', '.join(r['providers'])}" + ("  (GPU REQUESTED BUT FELL BACK TO CPU)"
                                                              if r["gpu_fallback"] else ""),
             f"input        {r['input_shape']}   timing: {r['timing_method']}",
             (f"session      create {r['session_create_ms']:.1f} ms, first run {r['first_run_ms']:.2f} ms, "
              f"warm-up {r['warmup_runs']} runs / {r['warmup_s'] * 1e3:.0f} ms"),
             (f"latency ms   p50 {r['p50_ms']:.3f}  p90 {r['p90_ms']:.3f}  p99 {r['p99_ms']:.3f}  "
              f"min {r['model_only']['min_ms']:.3f}  max {r['model_only']['max_ms']:.3f}  mean {r['mean_ms']:.3f}  "
              f"cv {r['model_only']['cv']:.2f}  n {r['n']}"),
             f"throughput   {r['throughput_ips']:.1f} images/s"]
    if r["end_to_end"]:
        e = r["end_to_end"]
        lines.append(f"end-to-end   p50 {e['p50_ms']:.3f}  p90 {e['p90_ms']:.3f}  p99 {e['p99_ms']:.3f}  n {e['n']}")
    elif r["end_to_end_note"]:
        lines.append(f"end-to-end   {r['end_to_end_note']}")
    if r["reached_cap"]:
        lines.append("note         a loop hit the time cap before its minimum count: treat p99 with care")
    env = r["environment"]
    gpus = ", ".join(f"{g['name']} (driver {g['driver']})" for g in env["gpus"]) or "none attached"
    lines.append(f"environment  {env['cpu_model']}, {env['logical_cpus']} CPUs, onnxruntime {env['onnxruntime']}, "
                 f"GPU: {gpus}")
    return "\n".join(lines)


def _evaluate(args) -> dict:
    try:
        from lab.evaluate import evaluate_onnx
    except ImportError as exc:
        raise RuntimeError(f"evaluation needs the demo data set and lab.evaluate ({exc})") from exc
    return asdict(evaluate_onnx(args.model, input_size=args.size))


def _optimize(args) -> dict:
    from lab.optimize import (
        CalibrationOption,
        GraphLevel,
        QuantFormatOption,
        QuantTypeOption,
        SessionConfig,
        StaticQuantOptions,
    )
    from lab.variants import VariantSpec, build_variant

    spec = VariantSpec(name=args.out.stem, quantize=args.quantize or "none", fp16=args.fp16,
                       static=StaticQuantOptions(quant_format=QuantFormatOption(args.format),
                                                 per_channel=not args.per_tensor,
                                                 calibration=CalibrationOption(args.calibration),
                                                 reduce_range=args.reduce_range,
                                                 activation_type=QuantTypeOption(args.activation),
                                                 io_convs_fp32=args.io_convs_fp32),
                       offline_level=GraphLevel(args.opt_level) if args.opt_level else None,
                       session=SessionConfig(input_size=args.size))
    if spec.quantize == "none" and not spec.fp16 and spec.offline_level is None:
        raise ValueError("nothing to do: give --quantize, --fp16 or --opt-level")
    work_dir = args.out.parent / f".{args.out.stem}-work"
    try:
        build_variant(args.model, spec, work_dir).replace(args.out)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return {"model": str(args.out), "size_bytes": args.out.stat().st_size, "spec": spec.to_dict()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        from lab.isolate import worker_main
        return worker_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        _require_model(args.model)
        result = {"bench": _bench, "evaluate": _evaluate, "optimize": _optimize}[args.command](args)
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: a message, status 1, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "json", False) or args.command == "optimize":
        print(json.dumps(result, indent=2, default=str))
    elif args.command == "bench":
        print(_bench_text(result))
    else:
        print("  ".join(f"{k} {result[k]:.4f}" for k in ("precision", "recall", "f1", "map50", "mean_iou")
                        if k in result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
