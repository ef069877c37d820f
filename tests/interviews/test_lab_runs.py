"""Lab runs are stored per candidate and listed back, oldest first."""

from __future__ import annotations

import pytest

from interviews.db import create_schema, make_engine, session_factory, session_scope
from interviews.lab_runs import get_lab_run, list_lab_runs, save_lab_run


@pytest.fixture
def sessions():
    engine = make_engine("sqlite:///:memory:")
    create_schema(engine)
    return session_factory(engine)


def store(s, candidate: str, variant: str, p50: float = 2.0, map50: float | None = 0.9):
    return save_lab_run(s, candidate=candidate, variant=variant, model_sha256="ab" * 32,
                        settings={"provider": "cpu", "batch_size": 1}, latency={"p50_ms": p50, "n": 200},
                        accuracy=None if map50 is None else {"map50": map50}, environment={"cpu_model": "x"},
                        size_bytes=1234)


def test_runs_are_saved_and_listed_per_candidate(sessions):
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
