"""Lab runs are stored and listed back oldest first; a run belongs to whoever ran it."""

from __future__ import annotations

import pytest

from interviews.db import session_scope
from interviews.lab_runs import get_lab_run, list_lab_runs, save_lab_run
from tests.interviews.workspace import build_workspace


def store(s, candidate: str = "", variant: str = "fp32", p50: float = 2.0, map50: float | None = 0.9, **who):
    return save_lab_run(s, candidate=candidate, variant=variant, model_sha256="ab" * 32,
                        settings={"provider": "cpu", "batch_size": 1}, latency={"p50_ms": p50, "n": 200},
                        accuracy=None if map50 is None else {"map50": map50}, environment={"cpu_model": "x"},
                        size_bytes=1234, **who)


def test_runs_are_saved_and_listed_by_label_in_the_first_versions_call_shape(sessions):
    with session_scope(sessions) as s:
        first = store(s, "Ann", "fp32").id
        store(s, "Bob", "int8")
        store(s, "Ann", "int8-qdq", p50=1.2, map50=None)
    with session_scope(sessions) as s:
        ann = list_lab_runs(s, candidate="Ann")
        assert [r.variant for r in ann] == ["fp32", "int8-qdq"]
        assert ann[0].p50_ms == 2.0 and ann[0].map50 == 0.9 and ann[1].map50 is None
        assert ann[0].settings == {"provider": "cpu", "batch_size": 1} and ann[0].size_bytes == 1234
        assert len(list_lab_runs(s)) == 3
        assert get_lab_run(s, first).variant == "fp32" and get_lab_run(s, 999) is None


def test_a_run_needs_a_candidate(sessions):
    with pytest.raises(ValueError, match="belongs to a candidate"), session_scope(sessions) as s:
        store(s, "  ", "fp32")


def test_staff_runs_for_a_candidate_are_never_listed_as_the_candidates_own(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        own = store(s, variant="mine", owner=ws.candidate_user).id
        for_her = store(s, variant="staff-for-ada", owner=ws.ivy, candidate_id=ws.ada).id
        store(s, variant="ivy-scratch", owner=ws.ivy)
    with session_scope(sessions) as s:
        mine = list_lab_runs(s, viewer=ws.candidate_user)
        assert [r.variant for r in mine] == ["mine"] and mine[0].candidate_id == ws.ada and not mine[0].run_by_staff
        staff_view = list_lab_runs(s, viewer=ws.manager, candidate_id=ws.ada)
        assert [(r.variant, r.run_by_staff, r.owner_name) for r in staff_view] == [
            ("mine", False, "Ada Lovelace"), ("staff-for-ada", True, "Ivy")]
        assert len(list_lab_runs(s, viewer=ws.zoe)) == 3
        assert get_lab_run(s, for_her, viewer=ws.candidate_user) is None
        assert get_lab_run(s, own, viewer=ws.candidate_user).variant == "mine"
