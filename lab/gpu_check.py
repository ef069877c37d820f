"""The GPU figures BENCHMARKS.md asks for, in one short run on a machine with an NVIDIA GPU and onnxruntime-gpu.

  python -m lab.gpu_check [--model M] [--min-time 1.0]

Builds the fp16 and the static int8 (QDQ, S8S8: what TensorRT reads) variants of the demo detector, then measures
each on CUDA (IO binding, with and without CUDA graphs) and on TensorRT (fp32, fp16, int8 engines), every measurement
in an isolated child, and prints per row the providers really used, p50 and p99, and the speed-up over fp32 on CUDA.
A row whose session fell back to the CPU says so. On a machine without a GPU it says that and exits 1 at once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from lab.environment import collect_environment
from lab.isolate import LabRunFailed, Limits, run_job
from lab.measure import MeasurePolicy
from lab.optimize import CudaOptions, Provider, QuantTypeOption, SessionConfig, StaticQuantOptions, TensorrtOptions
from lab.variants import VariantSpec

GPU_TIMEOUT_S = 600.0  # a TensorRT engine build takes minutes the first time


def gpu_rows(fp32: Path, fp16: Path, int8: Path) -> list[tuple[str, Path, SessionConfig]]:
    cuda, trt = SessionConfig(provider=Provider.CUDA), SessionConfig(provider=Provider.TENSORRT)
    graphs = CudaOptions(enable_cuda_graph=True)
    return [("fp32 CUDA", fp32, cuda),
            ("fp32 CUDA + CUDA graph", fp32, cuda.with_changes(cuda=graphs)),
            ("fp16 CUDA", fp16, cuda),
            ("fp16 CUDA + CUDA graph", fp16, cuda.with_changes(cuda=graphs)),
            ("fp32 TensorRT", fp32, trt),
            ("fp16 TensorRT engine", fp32, trt.with_changes(tensorrt=TensorrtOptions(trt_fp16_enable=True))),
            # explicit (QDQ) quantisation: TensorRT reads the scales from the graph, no calibration table needed;
            # fp16 lets the layers left in float run in half precision
            ("int8 TensorRT engine (QDQ)", int8, trt.with_changes(tensorrt=TensorrtOptions(trt_fp16_enable=True)))]


def build_variants(model: Path, out: Path, limits: Limits) -> tuple[Path, Path]:
    fp16 = VariantSpec("fp16", fp16=True)
    int8 = VariantSpec("int8 S8S8", quantize="static", static=StaticQuantOptions(activation_type=QuantTypeOption.QInt8))
    built = [run_job("variant", {"baseline": str(model), "spec": s.to_dict(), "out_dir": str(out)}, limits)["model"]
             for s in (fp16, int8)]
    return Path(built[0]), Path(built[1])


def measure_row(model: Path, config: SessionConfig, policy: MeasurePolicy, limits: Limits) -> dict:
    payload = {"model": str(model), "config": config.to_dict(), "policy": asdict(policy), "end_to_end": False}
    return run_job("bench", payload, limits, gpu=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.gpu_check")
    parser.add_argument("--model", type=Path, default=None, help="default: the demo detector")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds of timing per row at least")
    args = parser.parse_args(argv)
    env = collect_environment()
    if not env.has_gpu or "CUDAExecutionProvider" not in env.available_providers:
        print(f"no GPU run: GPUs {[g.name for g in env.gpus] or 'none'}, providers {list(env.available_providers)} "
              "(needs an NVIDIA GPU and requirements-gpu.txt)", file=sys.stderr)
        return 1
    if args.model is None:
        from lab.dataset import baseline_model_path
        args.model = baseline_model_path()
    limits = Limits(timeout_s=GPU_TIMEOUT_S, memory_mb=16384)  # resident size; no address-space cap on GPU
    policy = MeasurePolicy(min_time_s=args.min_time, min_runs=200)
    for gpu in env.gpus:
        print(f"# {gpu.name}, driver {gpu.driver}, {gpu.memory_mb} MB, SM clock {gpu.sm_clock_mhz} MHz "
              f"(max {gpu.max_sm_clock_mhz}), memory clock {gpu.memory_clock_mhz} MHz; onnxruntime {env.onnxruntime}")
    print(f"{'row':30} {'providers used':40} {'p50 ms':>8} {'p99 ms':>8} {'speed-up':>8}")
    with tempfile.TemporaryDirectory(prefix="lab-gpu-") as out:
        fp16, int8 = build_variants(args.model.resolve(), Path(out), limits)
        reference = None
        for name, model, config in gpu_rows(args.model.resolve(), fp16, int8):
            try:
                r = measure_row(model, config, policy, limits)
            except LabRunFailed as exc:
                print(f"{name:30} failed: {exc}")
                continue
            reference = reference or r["p50_ms"]
            used = ", ".join(p.removesuffix("ExecutionProvider") for p in r["providers"])
            print(f"{name:30} {used + (' (FELL BACK)' if r['gpu_fallback'] else ''):40} {r['p50_ms']:8.3f} "
                  f"{r['p99_ms']:8.3f} {reference / r['p50_ms']:7.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
