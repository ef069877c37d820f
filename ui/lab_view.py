"""The lab page's widgets, its one action, and every table, chart and number format it shows.

The page (views/lab.py) stays a short script of beats; what it shows and how figures are worded lives here.
Figures arrive as stored :class:`interviews.lab_runs.LabRun` rows (JSON from the lab) and leave as tables and charts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from interviews.db import session_scope
from interviews.lab_runs import LabRun, list_lab_runs, save_lab_run
from lab import variants
from lab.leaderboard import Leaderboard, VariantScore, build_leaderboard, pareto_front
from lab.measure import MeasurePolicy
from lab.optimize import (
    CalibrationOption,
    CudaOptions,
    GraphLevel,
    Provider,
    QuantFormatOption,
    QuantTypeOption,
    SessionConfig,
    StaticQuantOptions,
    TensorrtOptions,
)
from lab.variants import VariantSpec
from ui.text import chart_text

PAGE_POLICY = MeasurePolicy(min_time_s=1.0, min_runs=100, max_time_s=30.0)
SIZES = (96, 128, 160, 192, 224)
BATCHES = (1, 2, 4, 8, 16)


def knob_widgets(k, *, default_size: int) -> VariantSpec:
    """The knobs, keyed with ``k(name)``; returns the variant they describe. Call inside a form."""
    c1, c2, c3 = st.columns(3)
    quantize = c1.selectbox("Quantisation", variants.QUANTIZE_CHOICES, key=k("quantize"),
                            format_func={"none": "none (fp32)", "static": "static int8", "dynamic": "dynamic int8"}.get)
    fmt = c1.selectbox("Static format", [f.value for f in QuantFormatOption], key=k("format"))
    calibration = c1.selectbox("Calibration (calibration split)", [c.value for c in CalibrationOption],
                               key=k("calibration"))
    per_channel = c1.checkbox("Per-channel weights", value=True, key=k("per_channel"))
    activation = c1.selectbox("Static activations", [t.value for t in QuantTypeOption], key=k("activation"),
                              help="QUInt8 (U8S8) fuses into QLinearConv on x86 CPUs; QInt8 (S8S8) suits TensorRT.")
    reduce_range = c1.checkbox("reduce_range (7-bit weights)", key=k("reduce_range"),
                               help="On CPUs without VNNI, U8S8 int8 products can saturate 16-bit sums; 7-bit "
                                    "weights avoid it at a small cost in resolution.")
    io_fp32 = c1.checkbox("Keep first and last Convs in fp32", key=k("io_fp32"),
                          help="Mixed precision: the layer that reads pixels and the output heads stay float.")
    fp16 = c2.checkbox("fp16 (for GPUs)", key=k("fp16"))
    offline = c2.selectbox("Save graph optimised at", ["(no)"] + [g.value for g in GraphLevel], key=k("offline"))
    level = c2.selectbox("Session graph level", [g.value for g in GraphLevel], index=3, key=k("level"))
    size = c2.select_slider("Input size", sorted({*SIZES, default_size}), value=default_size, key=k("size"))
    batch = c2.selectbox("Batch size", BATCHES, key=k("batch"))
    provider = c3.selectbox("Execution provider", [p.value for p in Provider], key=k("provider"))
    intra = c3.number_input("Intra-op threads (0 = default)", 0, 16, 0, key=k("intra"))
    inter = c3.number_input("Inter-op threads (0 = default)", 0, 16, 0, key=k("inter"))
    io_binding = c3.checkbox("IO binding", value=True, key=k("io_binding"))
    spinning = c3.checkbox("Thread spinning (allow_spinning)", value=True, key=k("spinning"),
                           help="Idle intra-op threads busy-wait: faster on an idle machine, slower on a shared one.")
    cuda_graph = c3.checkbox("CUDA: enable_cuda_graph", key=k("cuda_graph"))
    trt_fp16 = c3.checkbox("TensorRT: trt_fp16_enable", key=k("trt_fp16"))
    trt_int8 = c3.checkbox("TensorRT: trt_int8_enable", key=k("trt_int8"))
    name = st.text_input("Variant name (optional)", max_chars=60, key=k("name"))
    session = SessionConfig(
        provider=Provider(provider), intra_op_threads=int(intra), inter_op_threads=int(inter),
        graph_level=GraphLevel(level), batch_size=int(batch), input_size=int(size),
        io_binding=io_binding, allow_spinning=spinning, cuda=CudaOptions(enable_cuda_graph=cuda_graph),
        tensorrt=TensorrtOptions(trt_fp16_enable=trt_fp16, trt_int8_enable=trt_int8))
    static = StaticQuantOptions(quant_format=QuantFormatOption(fmt), per_channel=per_channel,
                                calibration=CalibrationOption(calibration), reduce_range=reduce_range,
                                activation_type=QuantTypeOption(activation), io_convs_fp32=io_fp32)
    spec = variants.VariantSpec(name="", quantize=quantize, static=static, fp16=fp16 and quantize == "none",
                                offline_level=None if offline == "(no)" else GraphLevel(offline), session=session)
    return variants.VariantSpec(**{**spec.__dict__, "name": name.strip() or describe_spec(spec, default_size)})


def describe_spec(spec: VariantSpec, default_size: int) -> str:
    parts = [{"none": "fp16" if spec.fp16 else "fp32", "dynamic": "int8-dynamic"}.get(
        spec.quantize, f"int8-{spec.static.quant_format.value}-{spec.static.calibration.value}"
                       f"{'-pc' if spec.static.per_channel else ''}{'-rr' if spec.static.reduce_range else ''}"
                       f"{'-s8' if spec.static.activation_type is QuantTypeOption.QInt8 else ''}"
                       f"{'-iofp32' if spec.static.io_convs_fp32 else ''}")]
    s = spec.session
    parts += [s.provider.value] if s.provider is not Provider.CPU else []
    parts += [f"{s.input_size}px"] if s.input_size not in (None, default_size) else []
    parts += [f"b{s.batch_size}"] if s.batch_size != 1 else []
    parts += [f"t{s.intra_op_threads}"] if s.intra_op_threads else []
    level = s.graph_level.value.removeprefix("ORT_").lower()
    parts += [level] if s.graph_level is not GraphLevel.ORT_ENABLE_ALL else []
    parts += ["no-iobind"] if not s.io_binding else []
    parts += ["no-spin"] if not s.allow_spinning else []
    return " ".join(parts)


def upload_dir(svc, user_name: str) -> Path:
    return svc.settings.data_dir / "lab_uploads" / hashlib.sha256(user_name.encode()).hexdigest()[:16]


def execute_run(svc, spec: VariantSpec, model: Path, *, candidate: str, source: str, default_size: int) -> int:
    """The page's one action: build, measure and evaluate the variant in isolated processes, then store it."""
    run = variants.run_variant(model, spec, out_dir=svc.settings.cache_dir / "lab_variants", policy=PAGE_POLICY,
                               evaluate=True)
    latency = run.latency.to_dict()
    environment = latency.pop("environment")
    settings = {"source": source, "spec": spec.to_dict(), "accuracy_note": run.accuracy_note,
                "baseline": source == "demo" and variants.is_baseline(spec, default_size=default_size)}
    with session_scope(svc.sessions) as s:
        return save_lab_run(s, candidate=candidate, variant=spec.name, model_sha256=run.latency.model_sha256,
                            settings=settings, latency=latency, accuracy=run.accuracy, environment=environment,
                            size_bytes=run.size_bytes).id


def load_runs(svc, *, candidate: str | None) -> list[LabRun]:
    with session_scope(svc.sessions) as s:
        return list_lab_runs(s, candidate=candidate)


def per_image_ms(run: LabRun) -> float:
    return run.latency["p50_ms"] / max(1, run.latency["input_shape"][0])


def baseline_of(runs: list[LabRun]) -> LabRun | None:
    found = [r for r in runs if r.settings.get("baseline") and r.map50 is not None]
    return found[-1] if found else None


def scores(runs: list[LabRun]) -> list[VariantScore]:
    return [VariantScore(f"#{r.id} {r.variant}", per_image_ms(r), r.map50, r.size_bytes, r.id)
            for r in runs if r.map50 is not None]


def runs_table(runs: list[LabRun], baseline: LabRun | None) -> pd.DataFrame:
    rows = []
    for r in runs:
        lat, acc, spec = r.latency, r.accuracy or {}, r.settings.get("spec", {})
        e2e = lat.get("end_to_end") or {}
        rows.append({
            "run": r.id, "candidate": r.candidate, "variant": r.variant,
            "providers": " > ".join(p.removesuffix("ExecutionProvider") for p in lat["providers"])
                         + (" (GPU fell back!)" if lat.get("gpu_fallback") else ""),
            "input": "x".join(map(str, lat["input_shape"])), "threads": spec.get("session", {}).get("intra_op_threads"),
            "p50 ms": lat["p50_ms"], "p90 ms": lat["p90_ms"], "p99 ms": lat["p99_ms"],
            "cv %": lat["model_only"]["cv"] * 100,
            "n": lat["n"], "p50 ms/image": per_image_ms(r), "images/s": lat["throughput_ips"],
            "end-to-end p50 ms": e2e.get("p50_ms"), "mAP@0.5": acc.get("map50"), "mAP@0.5:0.95": acc.get("map50_95"),
            "F1": acc.get("f1"), "Δ mAP@0.5 (points)": (r.map50 - baseline.map50) * 100
            if baseline and r.map50 is not None else None,
            "size MB": r.size_bytes / 1e6, "when": r.created_at.strftime("%H:%M:%S"),
        })
    decimals = {"p50 ms": 3, "p90 ms": 3, "p99 ms": 3, "cv %": 1, "p50 ms/image": 3, "images/s": 1,
                "end-to-end p50 ms": 3, "mAP@0.5": 4, "mAP@0.5:0.95": 4, "F1": 3, "Δ mAP@0.5 (points)": 2, "size MB": 2}
    return pd.DataFrame(rows).round(decimals)


def pareto_chart(runs: list[LabRun], baseline: LabRun | None) -> go.Figure:
    points = scores(runs)
    front = {s.name for s in pareto_front(points)}
    fig = go.Figure()
    for on_front in (False, True):
        chosen = [s for s in points if (s.name in front) == on_front]
        fig.add_trace(go.Scatter(x=[s.p50_ms for s in chosen], y=[s.map50 for s in chosen],
                                 text=[chart_text(s.name) for s in chosen],
                                 mode="markers+lines" if on_front else "markers",
                                 name="Pareto front" if on_front else "other variants",
                                 hovertemplate="%{text}<br>%{x:.3f} ms/image<br>mAP@0.5 %{y:.3f}<extra></extra>"))
    if baseline is not None:
        fig.add_hline(y=baseline.map50 - 0.01, line_dash="dot", annotation_text="baseline - 1 point")
    fig.update_layout(xaxis_title="p50 latency per image (ms, lower is better)", yaxis_title="mAP@0.5 (test split)",
                      height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def drift_chart(runs: list[LabRun], baseline: LabRun) -> go.Figure:
    rows = [r for r in runs if r.map50 is not None and r.id != baseline.id]
    deltas = [(r.map50 - baseline.map50) * 100 for r in rows]
    fig = go.Figure(go.Bar(x=[chart_text(f"#{r.id} {r.variant}") for r in rows], y=deltas,
                           marker_color=["#2e7d32" if d >= -1 else "#c62828" for d in deltas]))
    fig.add_hline(y=-1, line_dash="dot", annotation_text="-1 point: the leaderboard's limit")
    fig.update_layout(yaxis_title="Δ mAP@0.5 vs baseline (points)", height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def class_drift_table(runs: list[LabRun], baseline: LabRun) -> pd.DataFrame:
    """Per-class AP@0.5 change against the baseline, in points: where a variant's accuracy went."""
    base = (baseline.accuracy or {}).get("per_class", {})
    rows = []
    for r in runs:
        per_class = (r.accuracy or {}).get("per_class", {})
        if r.id == baseline.id or not per_class:
            continue
        rows.append({"variant": f"#{r.id} {r.variant}",
                     **{name: round((m["ap50"] - base[name]["ap50"]) * 100, 2)
                        for name, m in per_class.items() if name in base}})
    return pd.DataFrame(rows)


def leaderboard(runs: list[LabRun], baseline: LabRun) -> Leaderboard:
    base = VariantScore(f"#{baseline.id} {baseline.variant}", per_image_ms(baseline), baseline.map50)
    return build_leaderboard(base, scores(runs))


def leaderboard_tables(board: Leaderboard) -> tuple[pd.DataFrame, pd.DataFrame]:
    def row(e):
        return {"rank": e.rank, "variant": e.score.name, "speed-up": f"{e.speedup:.2f}x",
                "p50 ms/image": f"{e.score.p50_ms:.3f}", "mAP@0.5": f"{e.score.map50:.3f}",
                "Δ mAP (points)": f"{e.map_delta * 100:+.1f}", "mAP per ms": f"{e.accuracy_per_ms:.3f}",
                "counts": "yes" if e.qualifies else "no: more than 1 point below"}
    ranked = pd.DataFrame([row(e) for e in board.ranked + board.disqualified])
    return ranked, pd.DataFrame([row(e) for e in board.by_accuracy_per_ms]).drop(columns=["rank"])


def report_lines(run: LabRun) -> list[str]:
    lat, env = run.latency, run.environment
    stats = lat["model_only"]
    lines = [(f"Session creation {lat['session_create_ms']:.1f} ms · first run {lat['first_run_ms']:.2f} ms · "
              f"warm-up {lat['warmup_runs']} runs in {lat['warmup_s'] * 1e3:.0f} ms (reported apart)"),
             (f"Model-only ({lat['timing_method'].replace('_', ' ')}): p50 {stats['p50_ms']:.3f} ms · "
              f"p90 {stats['p90_ms']:.3f} · p99 {stats['p99_ms']:.3f} · min {stats['min_ms']:.3f} · "
              f"max {stats['max_ms']:.3f} · mean {stats['mean_ms']:.3f} · CV {stats['cv'] * 100:.1f}% · n {stats['n']}"),
             f"Throughput {lat['throughput_ips']:.1f} images/s (batch {lat['input_shape'][0]})"]
    e2e = lat.get("end_to_end")
    lines.append(f"End-to-end (preprocess + run + decode): p50 {e2e['p50_ms']:.3f} ms · p99 {e2e['p99_ms']:.3f} ms"
                 if e2e else f"End-to-end: {lat.get('end_to_end_note') or 'not measured'}")
    lines.append(f"Providers used: {', '.join(lat['providers'])}; asked for {lat['requested_provider']}")
    acc = run.accuracy
    lines.append(f"Accuracy (test split): mAP@0.5 {acc['map50']:.4f} · mAP@0.5:0.95 {acc.get('map50_95', 0):.4f} · "
                 f"F1 {acc.get('f1', 0):.3f} · mean IoU {acc.get('mean_iou', 0):.3f}" if acc
                 else f"Accuracy: {run.settings.get('accuracy_note') or 'not measured'}")
    gpus = ", ".join(f"{g['name']} (driver {g['driver']})" for g in env.get("gpus", [])) or "none"
    lines.append(f"{env.get('cpu_model')} · {env.get('logical_cpus')} CPUs · onnxruntime {env.get('onnxruntime')}"
                 f" · GPU: {gpus}")
    return lines


def environment_summary(env) -> str:
    vnni = any("vnni" in f or f.startswith("amx") for f in env.cpu_flags)
    return " · ".join([env.cpu_model, f"{env.logical_cpus} CPUs", f"onnxruntime {env.onnxruntime}",
                       f"int8 features: {', '.join(env.cpu_flags) or 'none'}"
                       + ("" if vnni else " (no VNNI: try reduce_range with per-channel int8)"),
                       "providers: " + ", ".join(p.removesuffix("ExecutionProvider") for p in env.available_providers)])
