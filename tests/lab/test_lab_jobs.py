"""The ``lab_run`` job handler for real: build, measure alone and paired, evaluate, each in an isolated child."""

from __future__ import annotations

import pytest

from lab.lab_jobs import lab_run_payload, run_lab_job
from lab.measure import MeasurePolicy
from lab.optimize import SessionConfig
from lab.paired import PairedPolicy
from lab.variants import VariantSpec


@pytest.mark.slow
def test_a_lab_run_job_returns_paired_figures_and_reports_progress(conv_model, tmp_path):
    spec = VariantSpec("int8 dynamic", quantize="dynamic", session=SessionConfig(input_size=32, intra_op_threads=1))
    payload = lab_run_payload(conv_model, spec, source="upload", default_size=160, out_dir=tmp_path,
                              policy=MeasurePolicy.quick(), paired_policy=PairedPolicy.quick(rounds=3))
    assert payload["baseline_config"]["input_size"] == 32  # an upload's baseline runs at the upload's size
    steps = []
    result = run_lab_job(payload, lambda fraction, message: steps.append((fraction, message)))
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and any("alternating rounds" in m for _, m in steps)
    assert result["variant"] == "int8 dynamic" and result["source"] == "upload" and not result["baseline"]
    paired = result["paired"]
    assert paired["rounds"] == 3 and paired["verdict"] in ("faster", "slower", "no difference", "too noisy")
    assert paired["baseline"]["model_path"] == str(conv_model) and paired["variant"]["model_path"] != str(conv_model)
    assert result["latency"]["p50_ms"] > 0 and "cpu_model" in result["environment"]
    assert result["accuracy"] is not None or result["accuracy_note"]


def test_the_demo_baseline_is_not_paired_with_itself(monkeypatch, conv_model, tmp_path):
    import lab.variants

    seen = {}

    def fake_run_variant(baseline, spec, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(lab.variants, "run_variant", fake_run_variant)
    payload = lab_run_payload(conv_model, VariantSpec("fp32", session=SessionConfig(input_size=160)), source="demo",
                              default_size=160, out_dir=tmp_path, policy=MeasurePolicy.quick())
    with pytest.raises(RuntimeError, match="stop here"):
        run_lab_job(payload, lambda fraction, message: None)
    assert seen["paired_with"] is None
