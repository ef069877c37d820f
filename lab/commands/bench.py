"""``python -m lab bench MODEL.onnx``: the latency report of one model under one set of session settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.commands import print_json, require_model, run_isolated

HELP = "latency report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lab.optimize import GraphLevel, Provider

    parser.add_argument("model", type=Path)
    parser.add_argument("--provider", choices=[p.value for p in Provider], default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    parser.add_argument("--inter-threads", type=int, default=0)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--size", type=int, default=None, help="input height and width for dynamic models")
    parser.add_argument("--opt-level", choices=[g.value for g in GraphLevel], default=GraphLevel.ORT_ENABLE_ALL.value)
    parser.add_argument("--no-io-binding", action="store_true", help="time session.run with numpy inputs instead")
    parser.add_argument("--no-spin", action="store_true", help="session.intra_op.allow_spinning = 0")
    parser.add_argument("--cuda-graph", action="store_true", help="CUDA: enable_cuda_graph")
    parser.add_argument("--trt-fp16", action="store_true", help="TensorRT: trt_fp16_enable")
    parser.add_argument("--min-time", type=float, default=2.0, help="seconds of measurement at least")
    parser.add_argument("--min-runs", type=int, default=200, help="measured runs at least")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before the run is stopped "
                        "(default: VIS_LAB_TIMEOUT_S)")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from lab.optimize import GPU_PROVIDERS, CudaOptions, GraphLevel, Provider, SessionConfig, TensorrtOptions

    require_model(args.model)
    config = SessionConfig(provider=Provider(args.provider), intra_op_threads=args.threads,
                           inter_op_threads=args.inter_threads, graph_level=GraphLevel(args.opt_level),
                           batch_size=args.batch, input_size=args.size, io_binding=not args.no_io_binding,
                           allow_spinning=not args.no_spin,
                           cuda=CudaOptions(enable_cuda_graph=args.cuda_graph),
                           tensorrt=TensorrtOptions(trt_fp16_enable=args.trt_fp16))
    payload = {"model": str(args.model.resolve()), "config": config.to_dict(),
               "policy": {"min_time_s": args.min_time, "min_runs": args.min_runs}}
    # the same checks and limits as the app: validation and the measurement in limited children; the measurement
    # lock is held only around a child that is killed at the time limit
    report = run_isolated("bench", args.model, payload, args.timeout, gpu=config.provider in GPU_PROVIDERS)
    if args.json:
        print_json(report)
    else:
        print(bench_text(report))
    return 0


def bench_text(r: dict) -> str:
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
    if r.get("load_avg_before"):
        lines.append(f"conditions   load average {r['load_avg_before'][0]:.2f} before, {r['load_avg_after'][0]:.2f} "
                     f"after; noise: {r['noise']} (CV above 15% is noisy); "
                     f"threads {r['config']['intra_op_threads'] or 'default'}")
    env = r["environment"]
    gpus = ", ".join(f"{g['name']} (driver {g['driver']})" for g in env["gpus"]) or "none attached"
    lines.append(f"environment  {env['cpu_model']}, {env['logical_cpus']} CPUs, onnxruntime {env['onnxruntime']}, "
                 f"int8 features {', '.join(env.get('cpu_flags', [])) or 'none'}, GPU: {gpus}")
    return "\n".join(lines)
