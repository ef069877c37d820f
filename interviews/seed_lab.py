"""The demo lab runs' figures in the exact shape a real measurement stores (``lab.measure.LatencyReport.to_dict``),
so every screen that reads a run reads a demo run too. The figures are BENCHMARKS.md's; what was not recorded there
(session creation, warm-up) is given plausible demo values, and the environment says plainly that it is demo data."""

from __future__ import annotations

DEMO_ENVIRONMENT = {"cpu_model": "demo figures (BENCHMARKS.md), not measured here", "logical_cpus": 1, "python": "",
                    "onnxruntime": "", "onnx": "", "available_providers": ["CPUExecutionProvider"], "gpus": [],
                    "platform": "demo", "cpu_flags": []}
RUNS = 300
CV = 0.02


def _stats(p50: float) -> dict:
    mean = round(p50 * 1.01, 3)
    return {"n": RUNS, "p50_ms": p50, "p90_ms": round(p50 * 1.04, 3), "p99_ms": round(p50 * 1.3, 3),
            "min_ms": round(p50 * 0.95, 3), "max_ms": round(p50 * 1.6, 3), "mean_ms": mean,
            "stdev_ms": round(mean * CV, 4), "cv": CV, "total_s": round(mean * RUNS / 1e3, 4)}


def _config(pixels: int) -> dict:
    return {"provider": "cpu", "intra_op_threads": 1, "inter_op_threads": 0, "graph_level": "ORT_ENABLE_ALL",
            "batch_size": 1, "input_size": pixels, "io_binding": True, "allow_spinning": True,
            "cuda": {"cudnn_conv_algo_search": "EXHAUSTIVE", "enable_cuda_graph": False},
            "tensorrt": {"trt_fp16_enable": False, "trt_int8_enable": False, "trt_engine_cache_enable": True,
                         "trt_engine_cache_path": ""}}


def demo_latency(p50: float, size_bytes: int, pixels: int) -> dict:
    """A complete latency report for a demo run of ``pixels`` x ``pixels`` input with model-only p50 ``p50``."""
    stats = _stats(p50)
    return {"model_path": "demo", "model_sha256": "0" * 64, "size_bytes": size_bytes, "config": _config(pixels),
            "input_name": "images", "input_shape": [1, 3, pixels, pixels], "session_create_ms": 40.0,
            "first_run_ms": round(p50 * 3, 3), "warmup_runs": 10, "warmup_s": round(p50 * 10 / 1e3, 4),
            "timing_method": "io_binding", "model_only": stats, "throughput_ips": round(1000 / p50, 1),
            "end_to_end": None, "end_to_end_note": "not recorded for the demo figures",
            "requested_provider": "CPUExecutionProvider", "providers": ["CPUExecutionProvider"],
            "gpu_fallback": False, "reached_cap": False, "environment": dict(DEMO_ENVIRONMENT),
            "load_avg_before": [], "load_avg_after": [], "noise": "quiet",
            **{k: stats[k] for k in ("p50_ms", "p90_ms", "p99_ms", "mean_ms", "n")}}
