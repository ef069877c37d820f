"""AppTest for the lab page: knobs, one Run, the stored runs, the leaderboard, and failures shown as messages.

The expensive part (building, measuring and evaluating a variant in child processes) is patched at its one seam,
``lab.variants.run_variant``; the fake still measures a tiny real model in-process so the report is a real one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from streamlit.testing.v1 import AppTest

from ui.auth import User
from ui.state import USER

TIMEOUT = 60
PAGE = str(Path(__file__).resolve().parents[2] / "views" / "lab.py")


def tiny_model(path: Path) -> Path:
    w = numpy_helper.from_array(np.full((4, 3, 3, 3), 0.1, np.float32), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["images", "w"], ["y"], pads=[1, 1, 1, 1])], "t",
                              [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["b", 3, "h", "w"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4, "h", "w"])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def lab_page(isolated_settings, monkeypatch, tmp_path):
    """The page with the demo model replaced by a tiny one and run_variant replaced by an in-process fake."""
    import lab.dataset
    import lab.variants
    from lab.measure import MeasurePolicy, measure_latency
    from ui.services import get_services

    model = tiny_model(tmp_path / "demo.onnx")
    monkeypatch.setattr(lab.dataset, "baseline_model_path", lambda: model)
    monkeypatch.setattr(lab.dataset, "load_manifest", lambda: {"input": {"default_size": 32}})
    calls = []

    def fake_run_variant(baseline, spec, *, out_dir, limits=None, policy=None, evaluate=True):
        calls.append(spec)
        if spec.quantize == "dynamic":
            from lab.isolate import LabRunFailed
            raise LabRunFailed("timeout", "The run took longer than the 120 s limit and was stopped.")
        report = measure_latency(baseline, spec.session, policy=MeasurePolicy.quick())
        map50 = {"none": 0.85, "static": 0.845}[spec.quantize]
        return lab.variants.VariantRun(spec=spec, model_path=str(baseline), size_bytes=1000, latency=report,
                                       accuracy={"map50": map50, "map50_95": 0.5, "f1": 0.8, "precision": 0.8,
                                                 "recall": 0.8, "mean_iou": 0.7,
                                                 "per_class": {"scratch": {"ap50": map50 - 0.01},
                                                               "spot": {"ap50": map50 + 0.01}}})

    monkeypatch.setattr(lab.variants, "run_variant", fake_run_variant)
    get_services.clear()
    yield calls
    get_services.clear()


def open_page(user: User) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[USER] = user
    return at.run()


def click_run(at: AppTest) -> AppTest:
    return at.button(key="lab.run").click().run()


def test_signed_out_users_are_sent_to_sign_in(lab_page):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception and "Sign in" in at.info[0].value


def test_first_visit_says_no_gpu_and_asks_for_a_baseline(lab_page):
    at = open_page(User("Cat", "candidate"))
    assert not at.exception, at.exception
    infos = " ".join(i.value for i in at.info)
    assert "No NVIDIA GPU" in infos and "Start with the baseline" in infos
    assert not at.button(key="lab.run").disabled


def test_baseline_then_static_int8_fill_the_table_and_the_leaderboard(lab_page):
    at = open_page(User("Cat", "candidate"))
    at = click_run(at)
    assert not at.exception, at.exception
    assert len(lab_page) == 1 and lab_page[0].name == "fp32"
    at.selectbox(key="lab.quantize").set_value("static")
    at = click_run(at)
    assert not at.exception, at.exception
    assert [s.quantize for s in lab_page] == ["none", "static"]
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["fp32", "int8-QDQ-MinMax-pc"]
    assert table["Δ mAP@0.5 (points)"].iloc[1] == pytest.approx(-0.5)
    drift = at.dataframe[1].value
    assert list(drift.columns) == ["variant", "scratch", "spot"] and drift["scratch"].iloc[0] == pytest.approx(-0.5)
    board = at.dataframe[2].value
    assert set(board["counts"]) == {"yes"}
    assert not at.button(key="lab.run").disabled and at.session_state["lab.running"] is False


def test_a_click_while_a_run_is_pending_starts_no_second_run(lab_page):
    at = open_page(User("Cat", "candidate"))
    at.session_state["lab.running"] = True  # a run was requested and has not started yet
    at = click_run(at)  # the second click: its callback sees the pending run and does nothing
    assert not at.exception and len(lab_page) == 1
    at = at.run()
    assert len(lab_page) == 1 and len(at.dataframe[0].value) == 1


def test_a_failed_run_is_a_message_and_the_page_stays_up(lab_page):
    at = open_page(User("Cat", "candidate"))
    at.selectbox(key="lab.quantize").set_value("dynamic")
    at = click_run(at)
    assert not at.exception
    assert any("longer than the 120 s limit" in e.value for e in at.error)
    assert at.session_state["lab.running"] is False


def test_gpu_request_without_a_gpu_is_flagged(lab_page):
    at = open_page(User("Cat", "candidate"))
    at.selectbox(key="lab.provider").set_value("cuda")
    at = click_run(at)
    assert not at.exception
    assert any("GPU provider was requested" in w.value for w in at.warning)
    assert "GPU fell back" in at.dataframe[0].value["providers"].iloc[0]


def test_candidates_see_only_their_own_runs_and_interviewers_see_all(lab_page):
    at = click_run(open_page(User("Cat", "candidate")))
    at = click_run(open_page(User("Dan", "candidate")))
    assert list(at.dataframe[0].value["candidate"]) == ["Dan"]
    at = open_page(User("Ivy", "interviewer"))
    assert sorted(at.dataframe[0].value["candidate"]) == ["Cat", "Dan"]
