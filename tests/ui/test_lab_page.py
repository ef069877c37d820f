"""AppTest for the lab page: knobs, Run (a job on the queue), the stored runs, the leaderboard, failures as messages.

The queue is Huey's immediate mode (a job runs inside ``submit``) so the page's whole path runs in one AppTest step;
the real queue with real workers is tested in tests/lab/test_jobs.py. The expensive part of a job (building,
measuring and evaluating a variant in child processes) is patched at its one seam, ``lab.variants.run_variant``;
the fake still measures a tiny real model in-process, alone and paired, so the reports are real ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import make_user
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
    """The page with the demo model replaced by a tiny one, an immediate queue, and run_variant replaced by an
    in-process fake that measures for real (alone, and paired against the baseline when asked)."""
    import lab.dataset
    import lab.variants
    from lab import jobs
    from lab.measure import MeasurePolicy, measure_latency
    from lab.paired import PairedPolicy, measure_paired
    from ui.services import get_services

    model = tiny_model(tmp_path / "demo.onnx")
    monkeypatch.setattr(lab.dataset, "baseline_model_path", lambda: model)
    monkeypatch.setattr(lab.dataset, "load_manifest", lambda: {"input": {"default_size": 32}})
    monkeypatch.setenv("VIS_QUEUE_URL", "immediate://")
    monkeypatch.setattr(jobs, "_QUEUES", {})
    isolated_settings.raw["VIS_QUEUE_URL"] = "immediate://"
    calls = []

    def fake_run_variant(baseline, spec, *, out_dir, limits=None, policy=None, evaluate=True, paired_with=None,
                         paired_policy=None, progress=None):
        calls.append((spec, paired_with))
        if spec.quantize == "dynamic":
            from lab.isolate import LabRunFailed
            raise LabRunFailed("timeout", "The run took longer than the 120 s limit and was stopped.")
        progress(0.5, "measuring")
        report = measure_latency(baseline, spec.session, policy=MeasurePolicy.quick())
        paired = (measure_paired(baseline, paired_with, baseline, spec.session,
                                 policy=PairedPolicy.quick(rounds=3)).to_dict() if paired_with else None)
        map50 = {"none": 0.85, "static": 0.845}[spec.quantize]
        return lab.variants.VariantRun(spec=spec, model_path=str(baseline), size_bytes=1000, latency=report,
                                       accuracy={"map50": map50, "map50_95": 0.5, "f1": 0.8, "precision": 0.8,
                                                 "recall": 0.8, "mean_iou": 0.7,
                                                 "per_class": {"scratch": {"ap50": map50 - 0.01},
                                                               "spot": {"ap50": map50 + 0.01}}},
                                       paired=paired)

    monkeypatch.setattr(lab.variants, "run_variant", fake_run_variant)
    get_services.clear()
    yield calls
    get_services.clear()


def open_page(user) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[USER] = user
    return at.run()


def click_run(at: AppTest) -> AppTest:
    return at.button(key="lab.run").click().run()


def test_signed_out_users_are_sent_to_sign_in(lab_page):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception and "Sign in" in at.info[0].value


def test_first_visit_says_no_gpu_and_asks_for_a_baseline(lab_page):
    at = open_page(make_user("Cat", "candidate"))
    assert not at.exception, at.exception
    infos = " ".join(i.value for i in at.info)
    assert "No NVIDIA GPU" in infos and "Start with the baseline" in infos
    assert not at.button(key="lab.run").disabled


def test_only_a_baseline_says_what_to_do_next_instead_of_empty_charts(lab_page):
    at = click_run(open_page(make_user("Cat", "candidate")))
    assert not at.exception, at.exception
    (spec, paired_with), = lab_page
    assert spec.name == "fp32" and paired_with is None  # the baseline is not paired with itself
    assert any("Only the baseline so far" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the Pareto chart only: no empty drift axes
    table = at.dataframe[0].value
    assert list(table.columns) == ["variant", "run by", "p50 ms/image", "speed-up (95% CI)", "mAP@0.5", "Δ points",
                                   "size MB"]
    assert table["speed-up (95% CI)"].iloc[0] == "baseline" and table["run by"].iloc[0] == "Cat"


def test_baseline_then_static_int8_fill_the_table_the_drift_and_the_leaderboard(lab_page):
    at = click_run(open_page(make_user("Cat", "candidate")))
    at.selectbox(key="lab.quantize").set_value("static")
    at = click_run(at)
    assert not at.exception, at.exception
    assert [s.quantize for s, _ in lab_page] == ["none", "static"] and lab_page[1][1] is not None
    table = at.dataframe[0].value
    assert [v.split(" ", 1)[1] for v in table["variant"]] == ["fp32", "int8-QDQ-MinMax-pc"]
    assert table["Δ points"].iloc[1] == pytest.approx(-0.5)
    assert "x (" in table["speed-up (95% CI)"].iloc[1]  # a paired speed-up with its interval
    drift = at.dataframe[1].value
    assert list(drift.columns) == ["variant", "scratch", "spot"] and drift["scratch"].iloc[0] == pytest.approx(-0.5)
    board = at.dataframe[2].value
    assert list(board["run by"]) == ["Cat", "Cat"]
    int8 = board[board["variant"].str.contains("int8")].iloc[0]
    assert int8["standing"] == "rank 1" or int8["standing"].startswith(("too noisy", "not ranked"))
    assert "Paired against the baseline" in " ".join(m.value for m in at.markdown)


def test_the_details_toggle_shows_the_other_columns(lab_page):
    at = click_run(open_page(make_user("Cat", "candidate")))
    assert len(at.dataframe) == 1 + 2  # variants table and the two leaderboard views
    at = at.toggle(key="lab.details").set_value(True).run()
    details = at.dataframe[1].value
    assert {"providers", "p90 ms", "p99 ms", "cv %", "images/s", "when"} <= set(details.columns)


def test_a_failed_run_is_a_message_and_the_page_stays_up(lab_page):
    at = open_page(make_user("Cat", "candidate"))
    at.selectbox(key="lab.quantize").set_value("dynamic")
    at = click_run(at)
    assert not at.exception
    assert any("longer than the 120 s limit" in e.value for e in at.error)
    at = at.run()
    assert not any("longer than the 120 s limit" in e.value for e in at.error)  # told once, not on every visit


def test_gpu_request_without_a_gpu_is_flagged(lab_page):
    at = open_page(make_user("Cat", "candidate"))
    at.selectbox(key="lab.provider").set_value("cuda")
    at = click_run(at)
    assert not at.exception
    assert any("GPU provider was requested" in w.value for w in at.warning)
    at = at.toggle(key="lab.details").set_value(True).run()
    assert "GPU fell back" in at.dataframe[1].value["providers"].iloc[0]


def test_runs_belong_to_whoever_ran_them_and_staff_see_whose_each_is(lab_page):
    cat, dan = make_user("Cat", "candidate"), make_user("Dan", "candidate")
    click_run(open_page(cat))
    at = click_run(open_page(dan))
    assert list(at.dataframe[0].value["run by"]) == ["Dan"]
    at = open_page(make_user("Ivy", "interviewer"))
    assert not [w for w in at.text_input if w.key == "lab.candidate"]  # no field to file runs under another name
    assert sorted(at.dataframe[0].value["run by"]) == ["Cat", "Dan"]


def test_without_a_worker_a_run_waits_in_the_queue_with_its_place_and_the_page_does_not_block(lab_page, monkeypatch,
                                                                                                tmp_path):
    from lab import jobs

    url = f"sqlite:///{tmp_path / 'queue.db'}"
    monkeypatch.setenv("VIS_QUEUE_URL", url)
    from settings import get_settings

    get_settings.cache_clear()
    get_settings().raw["VIS_QUEUE_URL"] = url
    monkeypatch.setattr(jobs, "_QUEUES", {})
    at = click_run(open_page(make_user("Cat", "candidate")))
    assert not at.exception, at.exception
    assert lab_page == []  # nothing ran: no worker took it
    (bar,) = at.get("progress")
    text = bar.proto.text.replace("\\", "")  # shown inert: punctuation arrives escaped
    assert "Queued: position 1 on the default queue." in text and "python -m lab worker" in text
    (job,) = jobs.get_queue().jobs()
    assert job.state == "queued" and job.kind == "lab_run" and job.owner.endswith(":Cat")


def test_an_unreachable_queue_is_a_message_and_the_stored_runs_still_show(lab_page, monkeypatch):
    from lab import jobs
    from settings import get_settings

    cat = make_user("Cat", "candidate")
    click_run(open_page(cat))  # one stored run, through the immediate queue
    get_settings().raw["VIS_QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setattr(jobs, "_QUEUES", {})
    at = click_run(open_page(cat))
    assert not at.exception, at.exception
    assert any("cannot be queued or followed right now" in e.value for e in at.error)
    assert len(at.dataframe[0].value) == 1 and len(lab_page) == 1


def test_a_run_that_cannot_be_stored_is_kept_on_the_queue_and_stored_on_the_next_look(lab_page, monkeypatch):
    import interviews.lab_runs
    import ui.lab_view
    from lab import jobs

    real_save = interviews.lab_runs.save_lab_run

    def failing_save(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(ui.lab_view, "save_lab_run", failing_save)
    cat = make_user("Cat", "candidate")
    at = click_run(open_page(cat))
    assert not at.exception, at.exception
    assert any("could not be stored yet" in e.value.replace("\\", "") for e in at.error)
    (job,) = jobs.get_queue().jobs()
    assert job.state == "done"  # the figures wait on the queue
    monkeypatch.setattr(ui.lab_view, "save_lab_run", real_save)
    at = open_page(cat)
    assert not at.exception and len(at.dataframe[0].value) == 1


def test_a_stored_run_missing_some_figures_shows_what_it_has_and_the_page_stays_up(lab_page):
    """A run stored in an older shape (the first demo seed kept only p50/p90/p99) once crashed the page."""
    from interviews.db import session_scope
    from interviews.lab_runs import save_lab_run
    from ui.services import get_services

    cat = make_user("Cat", "candidate")
    with session_scope(get_services().sessions) as session:
        save_lab_run(session, owner=cat.identity, variant="fp32 baseline (old record)", model_sha256="0" * 64,
                     settings={}, latency={"p50_ms": 5.2, "p90_ms": 5.9, "p99_ms": 7.0, "n": 200,
                                           "throughput_ips": 190.0, "input_shape": [1, 3, 160, 160],
                                           "providers": ["CPUExecutionProvider"], "model_only": {"cv": 0.05}},
                     accuracy={"map50": 0.975}, environment={"cpu_model": "test CPU"}, size_bytes=1000)
    at = open_page(cat)
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    text = shown.replace("\\", "").replace("\u2060", "")  # inert's escapes are invisible on the page
    assert "Some figures of this run were not recorded" in text
    assert "mAP@0.5 0.9750" in text
