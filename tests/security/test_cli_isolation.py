"""The lab CLI measures through the same checks and isolation as the app, and the machine's measurement lock is
never held past the run's own time limit, even by a model that would run for days."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from lab.isolate import LabRunFailed, Limits, measurement_slot, run_job
from tests.security.budget import REPO
from tests.security.corpus import onnx_endless_loop


def lab_cli(*args: str, env_extra: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "HF_HUB_OFFLINE": "1", **env_extra}
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("command", ["bench", "evaluate"])
def test_cli_refuses_an_endless_loop_model_quickly_and_clearly(command, tmp_path):
    name, data = onnx_endless_loop()
    model = tmp_path / name
    model.write_bytes(data)
    started = time.monotonic()
    done = lab_cli(command, str(model), env_extra={"VIS_DATA_DIR": str(tmp_path / "data"),
                                                   "VIS_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Loop" in done.stderr and "allow-list" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 60


def test_the_lock_is_free_again_once_the_time_limit_passes(tmp_path):
    """The worst case behind the checks: an endless model measured directly. The child is killed at its limit,
    and another measurement waiting for the lock gets it right after, not minutes later."""
    name, data = onnx_endless_loop()
    model = tmp_path / name
    model.write_bytes(data)
    lock = tmp_path / "measure.lock"
    limits = Limits(timeout_s=3, memory_mb=2048)
    outcome: list[BaseException] = []

    def hog() -> None:
        import lab.isolate

        original = lab.isolate.measurement_slot
        try:
            lab.isolate.measurement_slot = lambda timeout_s: original(timeout_s, lock)
            run_job("bench", {"model": str(model), "end_to_end": False,
                              "policy": {"min_time_s": 0.0, "min_runs": 1}}, limits)
        except LabRunFailed as exc:
            outcome.append(exc)
        finally:
            lab.isolate.measurement_slot = original

    thread = threading.Thread(target=hog)
    started = time.monotonic()
    thread.start()
    time.sleep(1.0)
    with measurement_slot(timeout_s=30, lock_path=lock):
        waited = time.monotonic() - started
    thread.join(timeout=30)
    assert outcome and outcome[0].reason == "timeout", outcome
    assert waited > limits.timeout_s - 1.5, "the endless run really held the lock (else this proves nothing)"
    assert waited < limits.timeout_s + 6, f"the lock was held {waited:.1f} s for a {limits.timeout_s:g} s limit"


def test_a_measurement_child_ends_when_its_parent_is_killed(tmp_path):
    """A queue worker SIGKILLed mid-job leaves no orphan measuring on: the child notices and ends."""
    import os
    import signal

    import psutil

    name, data = onnx_endless_loop()
    model = tmp_path / name
    model.write_bytes(data)
    script = ("import sys; from lab.isolate import Limits, run_job; "
              f"run_job('bench', {{'model': {str(model)!r}, 'end_to_end': False, "
              "'policy': {'min_time_s': 0.0, 'min_runs': 1}}, Limits(timeout_s=600, memory_mb=2048))")
    env = {**os.environ, "PYTHONPATH": str(REPO), "VIS_CACHE_DIR": str(tmp_path / "cache")}
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 60
        children: list = []
        while time.monotonic() < deadline and not children:
            children = [c for c in psutil.Process(parent.pid).children(recursive=True) if "_worker" in c.cmdline()]
            time.sleep(0.2)
        assert children, "the measurement child never started"
        time.sleep(1.0)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"an orphaned measurement kept running: {alive}"
    finally:
        if parent.poll() is None:
            parent.kill()
