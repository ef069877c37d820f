"""A variant = the baseline model + transformations (quantise, fp16, offline graph level) + session settings.

:func:`build_variant` writes the variant's model file; :func:`run_variant` builds, measures and evaluates it, each
step in an isolated child process (:mod:`lab.isolate`), and returns a :class:`VariantRun`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.isolate import LabRunFailed, Limits, run_job
from lab.measure import LatencyReport, MeasurePolicy, file_sha256
from lab.optimize import (
    GPU_PROVIDERS,
    CalibrationOption,
    GraphLevel,
    OptimizationError,
    QuantFormatOption,
    QuantTypeOption,
    SessionConfig,
    StaticQuantOptions,
    convert_fp16,
    optimize_graph,
    quantize_dynamic_int8,
    quantize_static_int8,
)
from lab.paired import PairedPolicy, elapsed_estimate_s

QUANTIZE_CHOICES = ("none", "static", "dynamic")
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class VariantSpec:
    name: str
    quantize: str = "none"
    static: StaticQuantOptions = field(default_factory=StaticQuantOptions)
    dynamic_per_channel: bool = False
    fp16: bool = False
    offline_level: GraphLevel | None = None  # save the graph optimised at this level into the variant's file
    session: SessionConfig = field(default_factory=SessionConfig)

    def __post_init__(self) -> None:
        if self.quantize not in QUANTIZE_CHOICES:
            raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_CHOICES)}, not {self.quantize!r}")
        if self.fp16 and self.quantize != "none":
            raise ValueError("fp16 and int8 quantisation are alternatives: choose one")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["static"] = {**data["static"], "quant_format": self.static.quant_format.value,
                          "calibration": self.static.calibration.value,
                          "activation_type": self.static.activation_type.value}
        data["offline_level"] = self.offline_level.value if self.offline_level else None
        data["session"] = self.session.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> VariantSpec:
        static = dict(data.get("static", {}))
        static = StaticQuantOptions(
            quant_format=QuantFormatOption(static.pop("quant_format", "QDQ")),
            calibration=CalibrationOption(static.pop("calibration", "MinMax")),
            activation_type=QuantTypeOption(static.pop("activation_type", "QUInt8")), **static)
        level = data.get("offline_level")
        return cls(name=data["name"], quantize=data.get("quantize", "none"), static=static,
                   dynamic_per_channel=data.get("dynamic_per_channel", False), fp16=data.get("fp16", False),
                   offline_level=GraphLevel(level) if level else None,
                   session=SessionConfig.from_dict(data.get("session", {})))

    def model_key(self) -> str:
        """A short digest of what changes the model file (not the session), to reuse built files."""
        parts = {"quantize": self.quantize, "fp16": self.fp16,
                 "offline_level": self.offline_level.value if self.offline_level else None}
        if self.quantize == "static":
            parts["static"] = self.to_dict()["static"]
            parts["calibration_size"] = self.session.input_size
        if self.quantize == "dynamic":
            parts["per_channel"] = self.dynamic_per_channel
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class VariantRun:
    spec: VariantSpec
    model_path: str
    size_bytes: int
    latency: LatencyReport
    accuracy: dict | None  # lab.evaluate.AccuracyReport as a dict (JSON-ready); None when not evaluated
    accuracy_note: str = ""  # why accuracy is missing (an upload that does not fit the demo decoder, say)
    paired: dict | None = None  # lab.paired.PairedReport as a dict: the variant against the baseline, in rounds


def build_variant(baseline: Path | str, spec: VariantSpec, out_dir: Path, *, calibration_data=None) -> Path:
    """Write the variant's model file into ``out_dir`` and return its path. The name carries the baseline's digest
    and the spec's model key, so a built file is reused until the baseline changes; files are written under a
    unique temporary name and renamed, so two users building the same variant never see a half-written model."""
    baseline = Path(baseline)
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec.quantize == "none" and not spec.fp16 and spec.offline_level is None:
        return baseline
    target = out_dir / f"{baseline.stem}-{file_sha256(baseline)[:8]}-{spec.model_key()}.onnx"
    if target.exists():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.stem}-", dir=out_dir))
    try:
        current = baseline
        if spec.quantize == "static":
            batches = calibration_data
            if batches is None:
                from lab.optimize import calibration_batches
                batches = calibration_batches(input_size=spec.session.input_size)
            current = quantize_static_int8(baseline, scratch / "static.onnx", spec.static, calibration_data=batches)
        elif spec.quantize == "dynamic":
            current = quantize_dynamic_int8(baseline, scratch / "dynamic.onnx", per_channel=spec.dynamic_per_channel)
        elif spec.fp16:
            current = convert_fp16(baseline, scratch / "fp16.onnx")
        if spec.offline_level is not None:
            current = optimize_graph(current, scratch / "level.onnx", spec.offline_level)
        if current == baseline or not current.exists():
            raise OptimizationError(f"variant {spec.name!r} produced no model file")
        current.replace(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def run_variant(baseline: Path | str, spec: VariantSpec, *, out_dir: Path, limits: Limits | None = None,
                policy: MeasurePolicy | None = None, evaluate: bool = True, paired_with: SessionConfig | None = None,
                paired_policy: PairedPolicy | None = None, progress: Progress | None = None) -> VariantRun:
    """Build, measure and evaluate one variant, each step in its own limited child process. With ``paired_with``
    (the baseline's session settings), the variant is also timed against the baseline model in alternating rounds
    (:mod:`lab.paired`): the speed-up the leaderboard ranks."""
    policy, progress = policy or MeasurePolicy(), progress or (lambda fraction, message: None)
    gpu = spec.session.provider in GPU_PROVIDERS
    progress(0.05, "building the variant")
    built = run_job("variant", {"baseline": str(baseline), "spec": spec.to_dict(), "out_dir": str(out_dir)}, limits)
    model = built["model"]
    progress(0.25, "measuring latency")
    latency = measure_variant(model, spec, policy=policy, limits=limits)
    paired = None
    if paired_with is not None:
        progress(0.5, "timing the variant against the baseline in alternating rounds")
        paired = compare_variant(baseline, paired_with, model, spec.session, policy=paired_policy, limits=limits)
    accuracy, note = None, "not evaluated"
    if evaluate:
        progress(0.8, "evaluating accuracy on the test split")
        options = {"input_size": spec.session.input_size, "batch_size": spec.session.batch_size,
                   "providers": list(latency.providers)}
        try:  # the latency stands even when accuracy cannot be had
            accuracy, note = run_job("evaluate", {"model": model, "options": options}, limits, gpu=gpu), ""
        except LabRunFailed as exc:
            note = f"accuracy not measured: {exc}"
    return VariantRun(spec=spec, model_path=model, size_bytes=Path(model).stat().st_size, latency=latency,
                      accuracy=accuracy, accuracy_note=note, paired=paired)


def compare_variant(baseline: Path | str, baseline_config: SessionConfig, variant: Path | str,
                    variant_config: SessionConfig, *, policy: PairedPolicy | None = None,
                    limits: Limits | None = None) -> dict:
    """The paired comparison in an isolated child (job ``compare``); its time limit grows with the rounds."""
    policy = policy or PairedPolicy()
    limits = limits or Limits.from_settings()
    limits = Limits(timeout_s=max(limits.timeout_s, elapsed_estimate_s(policy, slowest_ms=200.0)),
                    memory_mb=limits.memory_mb)
    payload = {"baseline": str(baseline), "variant": str(variant), "baseline_config": baseline_config.to_dict(),
               "variant_config": variant_config.to_dict(), "policy": asdict(policy), "demo_inputs": False}
    return run_job("compare", payload, limits, gpu=GPU_PROVIDERS & {baseline_config.provider, variant_config.provider}
                   != set())


def measure_variant(model: Path | str, spec: VariantSpec, *, policy: MeasurePolicy,
                    limits: Limits | None = None) -> LatencyReport:
    """One latency measurement of an already built variant, in an isolated child process."""
    payload = {"model": str(model), "config": spec.session.to_dict(), "policy": asdict(policy)}
    return LatencyReport.from_dict(run_job("bench", payload, limits, gpu=spec.session.provider in GPU_PROVIDERS))


def is_baseline(spec: VariantSpec, *, default_size: int | None = None) -> bool:
    """The fp32 reference: no transformation, batch 1, CPU, default threads and graph level, default input size."""
    plain = SessionConfig(input_size=spec.session.input_size)
    return (spec.quantize == "none" and not spec.fp16 and spec.offline_level is None and spec.session == plain
            and spec.session.input_size in (None, default_size))
