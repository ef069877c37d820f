"""The demo workspace's lab runs: staff runs made for Casey's record (never listed as Casey's own), each with the
input shape its variant says and a latency report in the same shape a real measurement stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviews.db import session_scope
from interviews.lab_runs import get_lab_run, list_lab_runs
from interviews.seed import LAB_OWNER, seed_demo
from interviews.tables import Account
from interviews.users import find_account, identity_of
from lab.measure import LatencyReport
from question_bank.loader import load_bank

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(sessions):
    with session_scope(sessions) as s:
        seed_demo(s, load_bank(REPO / "question_bank" / "data"))
    return sessions


def _who(session, name: str):
    account: Account = find_account(session, name)
    return identity_of(account)


def test_demo_runs_are_staff_runs_for_casey_never_casey_s_own(seeded):
    with session_scope(seeded) as s:
        casey, manager = _who(s, "demo-casey"), _who(s, "demo-manager")
        staff_view = list_lab_runs(s, viewer=manager)
        assert len(staff_view) == 4
        assert all(r.run_by_staff and r.owner_name == LAB_OWNER and r.candidate == "Casey Quinn (demo)"
                   for r in staff_view)
        assert all(r.variant.endswith("(demo)") and r.settings["demo"] is True for r in staff_view)
        assert list_lab_runs(s, viewer=casey) == []
        assert all(get_lab_run(s, r.id, viewer=casey) is None for r in staff_view)


def test_demo_runs_have_consistent_shapes_and_complete_latency_reports(seeded):
    with session_scope(seeded) as s:
        runs = {r.variant: r for r in list_lab_runs(s, viewer=_who(s, "demo-admin"))}
    assert runs["fp32 input 128 (demo)"].latency["input_shape"] == [1, 3, 128, 128]
    assert runs["fp32 baseline (demo)"].latency["input_shape"] == [1, 3, 160, 160]
    for run in runs.values():
        pixels = run.settings["input_size"]
        assert run.latency["input_shape"][2:] == [pixels, pixels] == [run.latency["config"]["input_size"]] * 2
        report = LatencyReport.from_dict(run.latency)  # every field a real report has, with its type
        real_shape = report.to_dict()
        assert set(run.latency) == set(real_shape)
        assert set(run.latency["model_only"]) == set(real_shape["model_only"])
        assert report.p50_ms == run.latency["p50_ms"] and report.config.input_size == pixels
