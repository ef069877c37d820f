"""``python -m lab``: the commands other tools rely on, their JSON keys, and clean failures (status 1, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def lab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=REPO, capture_output=True, text=True, timeout=300,
                          check=False)


def test_bench_json_has_the_promised_keys(conv_model):
    done = lab("bench", str(conv_model), "--size", "32", "--threads", "1", "--batch", "2", "--min-time", "0.05",
               "--min-runs", "10", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"p50_ms", "p90_ms", "p99_ms", "mean_ms", "n", "providers"} <= report.keys()
    assert report["providers"] == ["CPUExecutionProvider"] and report["input_shape"] == [2, 3, 32, 32]


def test_bench_text_report_names_providers_and_environment(conv_model):
    done = lab("bench", str(conv_model), "--size", "32", "--min-time", "0.05", "--min-runs", "10")
    assert done.returncode == 0, done.stderr
    assert "p50" in done.stdout and "CPUExecutionProvider" in done.stdout and "onnxruntime" in done.stdout


def test_optimize_writes_a_dynamic_int8_model(conv_model, tmp_path):
    out = tmp_path / "out" / "dyn.onnx"
    done = lab("optimize", str(conv_model), "--out", str(out), "--quantize", "dynamic")
    assert done.returncode == 0, done.stderr
    assert out.exists() and json.loads(done.stdout)["size_bytes"] == out.stat().st_size
    assert [p.name for p in out.parent.iterdir()] == ["dyn.onnx"]


@pytest.mark.parametrize(("args", "message"), [
    (("bench", "missing.onnx"), "no such model file"),
    (("bench", "{bad}"), "not an ONNX model"),
    (("bench", "{model}", "--batch", "0"), "batch size must be at least 1"),
    (("bench", "{model}", "--threads", "many"), "invalid int value"),
    (("optimize", "{model}", "--out", "{tmp}/x.onnx"), "nothing to do"),
    (("optimize", "{model}", "--out", "{tmp}/x.onnx", "--quantize", "dynamic", "--fp16"), "alternatives"),
    (("frobnicate",), "invalid choice"),
    (("compare", "{model}", "missing.onnx"), "no such model file"),
    (("compare", "{model}", "{model}", "--rounds", "2"), "at least 3 rounds"),
])
def test_bad_input_is_one_line_and_status_1(args, message, conv_model, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"nope")
    args = [a.format(model=conv_model, bad=bad, tmp=tmp_path) for a in args]
    done = lab(*args)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def _demo_model() -> Path | None:
    from lab.dataset import MANIFEST_PATH, baseline_model_path

    return baseline_model_path() if MANIFEST_PATH.exists() and baseline_model_path().exists() else None


@pytest.mark.slow
@pytest.mark.skipif(_demo_model() is None, reason="no trained demo model yet")
def test_evaluate_json_has_the_promised_keys():
    done = lab("evaluate", str(_demo_model()), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"precision", "recall", "f1", "map50", "mean_iou"} <= report.keys()
    assert 0.0 <= report["map50"] <= 1.0


def test_compare_json_has_the_promised_keys(conv_model, make_conv_model, tmp_path):
    wide = make_conv_model(tmp_path / "wide.onnx", channels=(32, 64))
    done = lab("compare", str(wide), str(conv_model), "--size", "32", "--threads", "1", "--rounds", "4",
               "--block", "0.02", "--no-accuracy", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"speedup", "ci_low", "ci_high", "baseline_p50_ms", "variant_p50_ms", "verdict", "load_avg",
            "cpu_features", "baseline_accuracy", "variant_accuracy", "noise", "threads"} <= report.keys()
    assert report["verdict"] in ("faster", "slower", "no difference", "too noisy")
    assert report["ci_low"] <= report["speedup"] <= report["ci_high"] and report["rounds"] == 4
    assert report["baseline_accuracy"] is None and "not evaluated" in report["accuracy_notes"]["variant"]


def test_compare_text_says_the_verdict_and_the_load(conv_model):
    done = lab("compare", str(conv_model), str(conv_model), "--size", "32", "--rounds", "3", "--block", "0.02",
               "--no-accuracy")
    assert done.returncode == 0, done.stderr
    assert "verdict" in done.stdout and "load average" in done.stdout and "95% CI" in done.stdout


def test_commands_are_found_in_their_modules():
    from lab.commands import discover

    assert {"bench", "evaluate", "optimize", "compare", "stress"} <= discover().keys()


def test_stress_refuses_silly_counts():
    done = lab("stress", "--procs", "0", "--seconds", "1")
    assert done.returncode == 1 and "--procs" in done.stderr and "Traceback" not in done.stderr
