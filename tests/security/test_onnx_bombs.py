"""Hostile ONNX uploads against the Lab page's upload handler, with the server's own cost measured in a child:
parsing, the checker and the trial run happen in the isolated grandchild, so the server spends almost nothing.
Also: one user's uploads are checked one at a time, and the stored ones are pruned oldest first to a quota."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab.uploads import stored_uploads, upload_slot
from lab.validate import ModelRejected, ValidationLimits, save_upload
from tests.security.budget import measure
from tests.security.corpus import ONNX_BOMBS, onnx_relu_model

SERVER_CPU_BUDGET_S = 1.0  # size check, one file write, starting and watching the child
SERVER_GROWTH_BUDGET_MB = 100.0
EXPECTED = {
    "a million-node graph": "1,000,001 nodes; the lab accepts at most 50,000",
    "20k nested subgraphs": "could not be parsed",
    "a length field of 2 GB": "could not be parsed",
    "5 MB of garbage": "could not be parsed",
}


@pytest.mark.parametrize("case", sorted(ONNX_BOMBS))
def test_hostile_model_is_refused_without_costing_the_server(case, tmp_path):
    filename, data = ONNX_BOMBS[case]()
    cost = measure("upload_model", filename, data, tmp_path, timeout_s=180)
    assert cost.refused and not cost.error, cost
    assert EXPECTED[case] in cost.message, cost.message
    assert cost.cpu_s < SERVER_CPU_BUDGET_S, cost
    assert cost.growth_mb < SERVER_GROWTH_BUDGET_MB, cost
    assert cost.wall_s < 60, cost


def test_every_onnx_bomb_has_an_expected_message():
    assert set(EXPECTED) == set(ONNX_BOMBS)


LIMITS = ValidationLimits(max_bytes=5 * 1024 * 1024)


def test_a_second_upload_while_one_is_being_checked_is_refused_at_once(tmp_path):
    folder = tmp_path / "alice"
    with upload_slot(folder, 1):
        started = time.monotonic()
        with pytest.raises(ModelRejected, match="already have 1 upload"):
            save_upload(onnx_relu_model(), "m.onnx", folder, limits=LIMITS, trial_run=False, at_once=1,
                        quota_bytes=10**9)
        assert time.monotonic() - started < 1.0
        assert not stored_uploads(folder), "the refused upload was not stored"
        other = save_upload(onnx_relu_model(), "m.onnx", tmp_path / "bob", limits=LIMITS, trial_run=False,
                            at_once=1, quota_bytes=10**9)
        assert other.path.exists(), "another user is not blocked"


def test_concurrent_duplicate_uploads_one_accepted_one_told_to_wait(tmp_path):
    folder, barrier = tmp_path / "carol", threading.Barrier(2)

    def upload(_):
        barrier.wait()
        try:
            return save_upload(onnx_relu_model(), "m.onnx", folder, limits=LIMITS, trial_run=False, at_once=1,
                               quota_bytes=10**9)
        except ModelRejected as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(upload, range(2)))
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, ModelRejected)]
    assert len(accepted) + len(refused) == 2 and accepted, outcomes
    assert all("being checked" in str(r) for r in refused)
    assert stored_uploads(folder) == [accepted[0].path]


def test_stored_uploads_are_pruned_oldest_first_to_the_quota(tmp_path):
    import onnx

    folder, paths = tmp_path / "dave", []
    for n in range(3):
        model = onnx.load_model_from_string(onnx_relu_model())
        model.doc_string = f"variant {n}" + " " * 4000
        data = model.SerializeToString()
        checked = save_upload(data, f"m{n}.onnx", folder, limits=LIMITS, trial_run=False, at_once=1,
                              quota_bytes=int(len(data) * 2.5))
        paths.append(checked.path)
        time.sleep(0.02)  # distinct modification times
    assert stored_uploads(folder) == paths[1:], "the oldest went first"
    assert checked.pruned == (paths[0].name,)
    alone = save_upload(onnx_relu_model() + b"", "big.onnx", tmp_path / "erin", limits=LIMITS, trial_run=False,
                        at_once=1, quota_bytes=1)
    assert alone.path.exists(), "the upload just accepted is kept even over the quota"
