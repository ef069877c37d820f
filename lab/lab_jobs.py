"""The ``lab_run`` job: build, measure (alone and paired against the baseline) and evaluate one variant on a worker.

It runs in the worker process (:mod:`lab.jobs`); every step is itself an isolated, limited child (:mod:`lab.isolate`).
It returns the figures as JSON-ready data and stores nothing: the app stores the run for its owner when it sees the
job done (the lab does not write the interviews database; a GPU worker on another machine needs only the queue).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lab import variants
from lab.measure import MeasurePolicy
from lab.optimize import SessionConfig
from lab.paired import PairedPolicy


def lab_run_payload(model: Path, spec: variants.VariantSpec, *, source: str, default_size: int, out_dir: Path,
                    policy: MeasurePolicy, paired_policy: PairedPolicy | None = None) -> dict:
    """What the page submits. The baseline of the paired comparison is the same model file with every session
    knob at its default (the demo's default input size; an upload's own size)."""
    from dataclasses import asdict

    baseline_size = default_size if source == "demo" else spec.session.input_size
    return {"model": str(model), "spec": spec.to_dict(), "source": source, "default_size": default_size,
            "out_dir": str(out_dir), "policy": asdict(policy),
            "paired_policy": asdict(paired_policy or PairedPolicy()),
            "baseline_config": SessionConfig(input_size=baseline_size).to_dict()}


def run_lab_job(payload: dict, progress: Callable[[float, str], None]) -> dict:
    spec = variants.VariantSpec.from_dict(payload["spec"])
    is_baseline = payload["source"] == "demo" and variants.is_baseline(spec, default_size=payload["default_size"])
    run = variants.run_variant(
        payload["model"], spec, out_dir=Path(payload["out_dir"]), policy=MeasurePolicy(**payload["policy"]),
        evaluate=True, paired_with=None if is_baseline else SessionConfig.from_dict(payload["baseline_config"]),
        paired_policy=PairedPolicy(**payload["paired_policy"]), progress=progress)
    progress(0.98, "done: storing the run")
    return run_result(run, source=payload["source"], is_baseline=is_baseline)


def run_result(run: variants.VariantRun, *, source: str, is_baseline: bool) -> dict:
    latency = run.latency.to_dict()
    environment = latency.pop("environment")
    return {"variant": run.spec.name, "spec": run.spec.to_dict(), "model_sha256": run.latency.model_sha256,
            "size_bytes": run.size_bytes, "latency": latency, "environment": environment, "accuracy": run.accuracy,
            "accuracy_note": run.accuracy_note, "paired": run.paired, "source": source, "baseline": is_baseline}
