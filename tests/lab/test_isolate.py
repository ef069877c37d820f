"""Each lab job runs in a child process: results come back as JSON, and a timeout, OOM or crash is a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from lab.isolate import LabRunFailed, Limits, _read_result, run_job
from lab.measure import LatencyReport

GENEROUS = Limits(timeout_s=120, memory_mb=4096)


def slow_model(path: Path, size: int = 1536, layers: int = 24) -> Path:
    """A chain of large MatMuls: seconds per run on two cores, so a short time limit must stop it."""
    weight = numpy_helper.from_array(np.full((size, size), 1e-4, np.float32), "w")
    nodes = [helper.make_node("MatMul", ["x" if i == 0 else f"m{i - 1}", "w"], [f"m{i}"]) for i in range(layers)]
    nodes.append(helper.make_node("Identity", [f"m{layers - 1}"], ["y"]))
    io = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 3, size, size]) for name in "xy"]
    graph = helper.make_graph(nodes, "slow", io[:1], io[1:], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_bench_job_returns_a_latency_report(conv_model):
    data = run_job("bench", {"model": str(conv_model), "config": {"input_size": 32, "intra_op_threads": 1},
                             "policy": {"min_time_s": 0.05, "min_runs": 10, "warmup_min_s": 0.01,
                                        "warmup_min_runs": 3}, "end_to_end": False}, GENEROUS)
    report = LatencyReport.from_dict(data)
    assert report.model_only.n >= 10 and report.providers == ("CPUExecutionProvider",)


def test_a_run_past_the_time_limit_is_stopped(tmp_path):
    model = slow_model(tmp_path / "slow.onnx")
    with pytest.raises(LabRunFailed, match="longer than the 3 s limit") as info:
        run_job("bench", {"model": str(model), "policy": {"min_time_s": 30}, "end_to_end": False},
                Limits(timeout_s=3, memory_mb=4096))
    assert info.value.reason == "timeout"


def test_a_run_past_the_memory_limit_is_stopped():
    with pytest.raises(LabRunFailed, match="memory") as info:
        run_job("allocate", {"mb": 3000}, Limits(timeout_s=60, memory_mb=1024))
    assert info.value.reason == "memory"
    assert run_job("allocate", {"mb": 10}, Limits(timeout_s=60, memory_mb=1024)) == {"allocated": 10 * 1024 * 1024}


def test_an_error_in_the_child_comes_back_as_its_message(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(LabRunFailed, match="could not load the model") as info:
        run_job("bench", {"model": str(bad), "end_to_end": False}, GENEROUS)
    assert info.value.reason == "error"


def test_a_crash_or_kill_is_named(tmp_path):
    log = tmp_path / "log"
    log.write_text("Segmentation fault\n")
    with pytest.raises(LabRunFailed, match="crashed \\(SIGSEGV\\)") as info:
        _read_result(tmp_path / "missing.json", -11, log, "bench")
    assert info.value.reason == "crash"
    with pytest.raises(LabRunFailed, match="SIGKILL") as info:
        _read_result(tmp_path / "missing.json", -9, log, "bench")
    assert info.value.reason == "memory"


def test_measurements_take_turns(tmp_path):
    """While one measurement holds the slot, another waits, and gives up with reason busy after its timeout."""
    from lab.isolate import measurement_slot

    lock = tmp_path / "measure.lock"
    with measurement_slot(1, lock), pytest.raises(LabRunFailed, match="busy for longer than 0.3 s") as info, \
            measurement_slot(0.3, lock):
        pass
    assert info.value.reason == "busy"
    with measurement_slot(0.3, lock):  # free again
        pass
