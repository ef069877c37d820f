"""Variants: spec round trip, building each kind of model file (reused once built), the baseline rule, and the
benchmark scripts' smoke paths."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from lab.bench_harness import side_by_side, variant_specs
from lab.isolate import Limits
from lab.measure import MeasurePolicy
from lab.optimize import CalibrationOption, GraphLevel, QuantFormatOption, SessionConfig, StaticQuantOptions
from lab.variants import VariantSpec, build_variant, is_baseline, run_variant

REPO = Path(__file__).resolve().parents[2]


def test_spec_round_trips_and_refuses_fp16_with_int8():
    spec = VariantSpec("q", quantize="static", offline_level=GraphLevel.ORT_ENABLE_BASIC,
                       static=StaticQuantOptions(quant_format=QuantFormatOption.QOperator,
                                                 calibration=CalibrationOption.Entropy, reduce_range=True),
                       session=SessionConfig(batch_size=4, input_size=128))
    assert VariantSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="alternatives"):
        VariantSpec("x", quantize="dynamic", fp16=True)
    with pytest.raises(ValueError, match="quantize must be"):
        VariantSpec("x", quantize="int4")


def test_session_only_changes_share_one_model_file():
    a = VariantSpec("a", quantize="dynamic", session=SessionConfig(intra_op_threads=1))
    b = VariantSpec("b", quantize="dynamic", session=SessionConfig(batch_size=8))
    assert a.model_key() == b.model_key() != VariantSpec("c", quantize="none", fp16=True).model_key()


def test_build_variant_writes_each_kind_once(conv_model, tmp_path, calibration_data):
    assert build_variant(conv_model, VariantSpec("plain"), tmp_path) == conv_model
    static = VariantSpec("s", quantize="static", offline_level=GraphLevel.ORT_ENABLE_EXTENDED)
    built = build_variant(conv_model, static, tmp_path, calibration_data=calibration_data)
    assert "QuantizeLinear" in {n.op_type for n in onnx.load(str(built)).graph.node}
    assert build_variant(conv_model, static, tmp_path, calibration_data=[]) == built  # reused, not rebuilt
    fp16 = build_variant(conv_model, VariantSpec("h", fp16=True), tmp_path)
    assert fp16 != built and sorted(p.name for p in tmp_path.iterdir()) == sorted([built.name, fp16.name])


def test_baseline_is_fp32_with_every_knob_at_its_default():
    assert is_baseline(VariantSpec("b"), default_size=160)
    assert is_baseline(VariantSpec("b", session=SessionConfig(input_size=160)), default_size=160)
    assert not is_baseline(VariantSpec("b", session=SessionConfig(input_size=128)), default_size=160)
    assert not is_baseline(VariantSpec("b", session=SessionConfig(intra_op_threads=1)), default_size=160)
    assert not is_baseline(VariantSpec("b", quantize="dynamic"), default_size=160)


def test_run_variant_measures_in_child_processes(conv_model, tmp_path):
    spec = VariantSpec("dyn", quantize="dynamic", session=SessionConfig(input_size=32, intra_op_threads=1))
    run = run_variant(conv_model, spec, out_dir=tmp_path, limits=Limits(timeout_s=120, memory_mb=4096),
                      policy=MeasurePolicy.quick(), evaluate=False)
    assert run.accuracy is None and Path(run.model_path).parent == tmp_path
    assert run.latency.model_only.n >= 10 and run.size_bytes == Path(run.model_path).stat().st_size


def test_variant_table_covers_the_issue_list():
    names = " | ".join(s.name for s in variant_specs())
    for needed in ("fp32 baseline", "ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "MinMax", "Entropy",
                   "Percentile", "QOperator", "dynamic", "threads=1", "threads=2", "batch=8", "input 128"):
        assert needed in names


def test_side_by_side_smoke(conv_model):
    result = side_by_side(conv_model, SessionConfig(input_size=32, intra_op_threads=1), rounds=2, block_s=0.05)
    assert result.harness_p50_ms > 0 and result.bare_p50_ms > 0 and result.rounds == 2


def test_gpu_requirements_differ_from_cpu_ones_only_in_onnxruntime():
    def pins(name: str) -> set[str]:
        lines = (REPO / name).read_text().splitlines()
        return {line.strip() for line in lines if line.strip() and not line.startswith("#")}

    cpu, gpu = pins("requirements.txt"), pins("requirements-gpu.txt")
    assert cpu - gpu == {p for p in cpu if p.startswith("onnxruntime==")}
    assert [p for p in gpu - cpu] == [p for p in gpu if p.startswith("onnxruntime-gpu==")]


def test_latency_survives_when_accuracy_cannot_be_measured(conv_model, tmp_path, monkeypatch):
    import lab.variants

    real = lab.variants.run_job

    def no_evaluate(kind, payload, limits=None, *, gpu=False):
        if kind == "evaluate":
            raise lab.variants.LabRunFailed("error", "the model's outputs do not fit the demo decoder")
        return real(kind, payload, limits, gpu=gpu)

    monkeypatch.setattr(lab.variants, "run_job", no_evaluate)
    run = run_variant(conv_model, VariantSpec("up", session=SessionConfig(input_size=32)), out_dir=tmp_path,
                      policy=MeasurePolicy.quick())
    assert run.accuracy is None and "do not fit the demo decoder" in run.accuracy_note
    assert run.latency.model_only.n >= 10
