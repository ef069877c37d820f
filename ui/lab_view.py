"""The lab page's widgets, its one action (queue a run), the jobs it watches, and how a run's report is worded.

The page (views/lab.py) stays a short script of beats; tables and charts are in :mod:`ui.lab_charts`. Runs are jobs
on the lab's queue (:mod:`lab.jobs`): the page submits and returns at once, shows each job's place and progress, and
stores a finished job's figures for the user who ran it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from interviews.db import session_scope
from interviews.lab_runs import LabRun, list_lab_runs, save_lab_run
from lab import jobs, variants
from lab.lab_jobs import lab_run_payload
from lab.measure import MeasurePolicy
from lab.optimize import (
    GPU_PROVIDERS,
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
from lab.paired import PairedPolicy
from lab.variants import VariantSpec

PAGE_POLICY = MeasurePolicy(min_time_s=1.0, min_runs=100, max_time_s=30.0)
PAGE_PAIRED_POLICY = PairedPolicy(rounds=12, block_min_s=0.1)
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


class StoreFailed(RuntimeError):
    """A finished run's figures could not be stored; they stay on the queue for the next try."""


def owner_key(user) -> str:
    """Whose jobs these are, on the queue: account id and name (names alone can repeat over time)."""
    return f"{user.id}:{user.name}"


def choose_queue(spec: VariantSpec) -> str:
    """GPU runs go to the ``gpu`` queue when a GPU worker was seen lately; otherwise the default worker runs them
    (on the CPU, and the run says the GPU request fell back)."""
    if spec.session.provider not in GPU_PROVIDERS:
        return "default"
    seen = jobs.get_queue("gpu").last_worker_seen()
    return "gpu" if seen is not None and seen < 120 else "default"


def submit_run(svc, user, spec: VariantSpec, model: Path, *, source: str, default_size: int) -> str:
    """The page's one action: queue the run (build, measure alone and paired, evaluate) and return the job id at
    once; a worker does the work (:mod:`lab.lab_jobs`)."""
    payload = lab_run_payload(model, spec, source=source, default_size=default_size,
                              out_dir=svc.settings.cache_dir / "lab_variants", policy=PAGE_POLICY,
                              paired_policy=PAGE_PAIRED_POLICY)
    return jobs.submit("lab_run", payload, owner_key(user), queue=choose_queue(spec))


def open_jobs(user) -> list[jobs.JobStatus]:
    """The user's lab runs still waiting or running, and finished ones nobody has stored or reported yet."""
    found = []
    for name in jobs.QUEUES:
        queue = jobs.get_queue(name)
        found += [j for j in queue.jobs(owner=owner_key(user)) if j.kind == "lab_run"
                  and (not j.finished or not queue.huey.get(f"job:{j.id}:claimed", peek=True))]
    return sorted(found, key=lambda j: j.submitted_at)


def store_finished(svc, user, job: jobs.JobStatus) -> int | None:
    """Store a finished job's run for its owner, once (a claim guards against two tabs); the new run's id, or None
    when it failed or another tab took it. A failed job raises :class:`jobs.JobError` with the reason."""
    if not job.finished or not jobs.get_queue(job.queue).claim(job.id):
        return None
    if job.state == "failed":
        raise jobs.JobError(job.error or "the run failed")
    r = job.result
    latency = {**r["latency"], "paired": r["paired"]} if r.get("paired") else r["latency"]
    settings = {"source": r["source"], "spec": r["spec"], "accuracy_note": r["accuracy_note"],
                "baseline": r["baseline"], "job_id": job.id, "worker": job.worker.get("hostname", "")}
    try:
        with session_scope(svc.sessions) as s:
            return save_lab_run(s, owner=user.identity, variant=r["variant"], model_sha256=r["model_sha256"],
                                settings=settings, latency=latency, accuracy=r["accuracy"],
                                environment=r["environment"], size_bytes=r["size_bytes"]).id
    except Exception as exc:  # noqa: BLE001 - the figures stay in the queue; the next look stores them
        jobs.get_queue(job.queue).release(job.id)
        raise StoreFailed(f"A run finished but could not be stored yet ({exc}); it is tried again on your next "
                          "visit.") from exc


def job_line(job: jobs.JobStatus) -> str:
    """One line about a waiting or running job (our own words and the worker's host name: no user text)."""
    if job.state == "queued":
        seen = jobs.get_queue(job.queue).last_worker_seen()
        waiting = ("" if seen is not None and seen < 30 else
                   " No worker has answered lately: start one with make run or python -m lab worker.")
        note = "" if job.message == "waiting for a worker" else f" ({job.message})"
        return f"Queued: position {job.position or '?'} on the {job.queue} queue{note}.{waiting}"
    if job.state == "running":
        return f"Running on {job.worker.get('hostname', 'a worker')}: {job.message} ({job.progress * 100:.0f}%)"
    return f"Run {job.state}"


def load_runs(svc, user) -> list[LabRun]:
    """The runs this user may see: a candidate's own; every run for staff."""
    with session_scope(svc.sessions) as s:
        return list_lab_runs(s, viewer=user.identity)


def report_lines(run: LabRun) -> list[str]:
    """The run's report, a line per figure group. A stored run that lacks some figures (an older format, an import)
    shows the lines it can and says that the rest was not recorded, instead of failing the page."""
    lines, missing = [], False
    for part in (_timing_lines, _accuracy_lines, _condition_lines):
        try:
            lines += part(run)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            missing = True
    if missing:
        lines.append("Some figures of this run were not recorded (an older or demo record).")
    return lines


def _timing_lines(run: LabRun) -> list[str]:
    lat = run.latency
    stats = lat["model_only"]
    lines = [(f"Session creation {lat['session_create_ms']:.1f} ms · first run {lat['first_run_ms']:.2f} ms · "
              f"warm-up {lat['warmup_runs']} runs in {lat['warmup_s'] * 1e3:.0f} ms (reported apart)"),
             (f"Model-only ({lat['timing_method'].replace('_', ' ')}): p50 {stats['p50_ms']:.3f} ms · "
              f"p90 {stats['p90_ms']:.3f} · p99 {stats['p99_ms']:.3f} · min {stats['min_ms']:.3f} · "
              f"max {stats['max_ms']:.3f} · mean {stats['mean_ms']:.3f} · CV {stats['cv'] * 100:.1f}% · "
              f"n {stats['n']}"),
             f"Throughput {lat['throughput_ips']:.1f} images/s (batch {lat['input_shape'][0]})"]
    e2e = lat.get("end_to_end")
    lines.append(f"End-to-end (preprocess + run + decode): p50 {e2e['p50_ms']:.3f} ms · p99 {e2e['p99_ms']:.3f} ms"
                 if e2e else f"End-to-end: {lat.get('end_to_end_note') or 'not measured'}")
    lines.append(f"Providers used: {', '.join(lat['providers'])}; asked for {lat['requested_provider']}")
    return lines


def _accuracy_lines(run: LabRun) -> list[str]:
    acc = run.accuracy
    return [f"Accuracy (test split): mAP@0.5 {acc['map50']:.4f} · mAP@0.5:0.95 {acc.get('map50_95', 0):.4f} · "
            f"F1 {acc.get('f1', 0):.3f} · mean IoU {acc.get('mean_iou', 0):.3f}" if acc
            else f"Accuracy: {run.settings.get('accuracy_note') or 'not measured'}"]


def _condition_lines(run: LabRun) -> list[str]:
    lat, env = run.latency, run.environment
    lines = []
    if lat.get("load_avg_before"):
        verdict = "noisy" if lat.get("noise") == "noisy" else "steady"
        lines.append(f"Conditions: load average {lat['load_avg_before'][0]:.2f} before, {lat['load_avg_after'][0]:.2f} "
                     f"after; timings {verdict} (a CV above 15% counts as noisy)")
    if paired := lat.get("paired"):
        lines.append(paired_line(paired))
    gpus = ", ".join(f"{g['name']} (driver {g['driver']}, SM {g.get('sm_clock_mhz', 0)} MHz)"
                     for g in env.get("gpus", [])) or "none"
    lines.append(f"{env.get('cpu_model')} · {env.get('logical_cpus')} CPUs · int8 features: "
                 f"{', '.join(env.get('cpu_flags', [])) or 'none'} · onnxruntime {env.get('onnxruntime')} · GPU: {gpus}"
                 + (f" · measured on worker {run.settings['worker']}" if run.settings.get("worker") else ""))
    return lines


def paired_line(p: dict) -> str:
    clock = "CPU time of the calling thread" if p.get("clock") == "cpu" else "wall clock"
    return (f"Paired against the baseline ({p['rounds']} alternating rounds, {clock}): speed-up {p['speedup']:.2f}x, "
            f"95% interval {p['ci_low']:.2f}-{p['ci_high']:.2f}x: {p['verdict']}. Noise: {p['noise']} (CV "
            f"{p['baseline']['stats']['cv'] * 100:.0f}% baseline, {p['variant']['stats']['cv'] * 100:.0f}% variant); "
            f"load average {p['load_avg_before'][0]:.2f} before, {p['load_avg_after'][0]:.2f} after")


def environment_summary(env) -> str:
    vnni = any("vnni" in f or f.startswith("amx") for f in env.cpu_flags)
    return " · ".join([env.cpu_model, f"{env.logical_cpus} CPUs", f"onnxruntime {env.onnxruntime}",
                       f"int8 features: {', '.join(env.cpu_flags) or 'none'}"
                       + ("" if vnni else " (no VNNI: try reduce_range with per-channel int8)"),
                       "providers: " + ", ".join(p.removesuffix("ExecutionProvider") for p in env.available_providers)])
