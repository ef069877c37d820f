"""The job queue on both backends: the embedded SQLite one and Redis (a redis-server this test starts and stops).

Real workers (``python -m lab worker`` subprocesses) take the jobs; one of them is killed mid-job to prove that the
lease queues the job again and that a job lost twice ends failed with the reason, never stuck.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab import jobs

REPO = Path(__file__).resolve().parents[2]
LEASE_S = 5  # short for the test, long enough that a loaded machine does not starve a live heartbeat
HANDLERS = "tests.lab.queue_handlers"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is missing: run `make system-deps` (make test does it)")
    port = _free_port()
    server = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(params=["sqlite", "redis"])
def queue_env(request, tmp_path, monkeypatch):
    """Settings pointing at a fresh queue on the backend; returns the environment a worker needs."""
    from settings import get_settings

    url = f"sqlite:///{tmp_path / 'queue.db'}" if request.param == "sqlite" else request.getfixturevalue("redis_url")
    if request.param == "redis":
        import redis

        redis.Redis.from_url(url).flushdb()
    env = {"VIS_DATA_DIR": str(tmp_path / "data"), "VIS_QUEUE_URL": url, "VIS_QUEUE_LEASE_S": str(LEASE_S)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    for name, target in (("t_answer", "answer"), ("t_fail", "fail"), ("t_slow", "slow")):
        monkeypatch.setitem(jobs.KINDS, name, f"{HANDLERS}:{target}")
    yield env
    get_settings.cache_clear()


class Workers:
    def __init__(self, env: dict) -> None:
        self.env, self.procs = {**os.environ, **env, "PYTHONPATH": str(REPO)}, []

    def start(self) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "lab", "worker"], cwd=REPO, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(proc)


@pytest.fixture
def workers(queue_env):
    pool = Workers(queue_env)
    yield pool
    pool.stop_all()


def wait_for(job_id: str, predicate, timeout: float = 90.0) -> jobs.JobStatus:
    deadline = time.monotonic() + timeout
    while True:
        current = jobs.status(job_id)
        if predicate(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"job never reached the expected state: {current}")
        time.sleep(0.1)


def test_a_job_runs_on_a_worker_that_reports_its_machine(workers):
    workers.start()
    job_id = jobs.submit("t_answer", {"x": 21}, owner="Ada")
    done = wait_for(job_id, lambda s: s.finished)
    assert done.state == "done" and done.result["answer"] == 42 and done.progress == 1.0
    assert done.owner == "Ada" and done.kind == "t_answer" and done.attempts == 1 and done.position is None
    assert done.result["pid"] != os.getpid() and done.worker["pid"] == done.result["pid"]
    assert done.worker["hostname"] == socket.gethostname() and done.worker["environment"]["cpu_model"]
    assert jobs.get_queue().last_worker_seen() is not None


def test_a_failing_job_ends_failed_with_its_reason_and_the_worker_carries_on(workers):
    workers.start()
    bad = jobs.submit("t_fail", {"why": "no labels"}, owner="Ada")
    good = jobs.submit("t_answer", {"x": 1}, owner="Ada")
    failed = wait_for(bad, lambda s: s.finished)
    assert failed.state == "failed" and "the input was bad: no labels" in failed.error
    assert wait_for(good, lambda s: s.finished).result["answer"] == 2


def test_waiting_jobs_show_their_place_in_the_queue(workers):
    ids = [jobs.submit("t_answer", {"x": i}, owner=f"user{i}") for i in range(3)]
    assert [jobs.status(i).position for i in ids] == [1, 2, 3]
    assert {jobs.status(i).state for i in ids} == {"queued"}
    assert [j.owner for j in jobs.get_queue().jobs(owner="user1")] == ["user1"]
    workers.start()
    assert [wait_for(i, lambda s: s.finished).result["answer"] for i in ids] == [0, 2, 4]


def test_a_worker_killed_mid_job_leaves_the_job_queued_again_and_a_new_worker_finishes_it(workers, tmp_path):
    first = workers.start()
    marker = tmp_path / "started"
    job_id = jobs.submit("t_slow", {"marker": str(marker), "steps": 4, "step_s": 0.3}, owner="Ada")
    running = wait_for(job_id, lambda s: s.state == "running" and s.progress > 0)
    assert running.message.startswith("step") and running.heartbeat_at is not None
    workers.kill(first)
    requeued = wait_for(job_id, lambda s: s.state != "running", timeout=LEASE_S * 10)
    assert requeued.state == "queued" and requeued.attempts == 2 and "stopped answering" in requeued.message
    workers.start()
    done = wait_for(job_id, lambda s: s.finished)
    assert done.state == "done" and done.attempts == 2 and done.result["finished_by"] != first.pid


def test_a_job_lost_twice_is_failed_with_the_reason(workers, tmp_path):
    job_id = jobs.submit("t_slow", {"marker": str(tmp_path / "m"), "steps": 100, "step_s": 0.2}, owner="Ada")
    for attempt in (1, 2):
        worker = workers.start()
        wait_for(job_id, lambda s, a=attempt: s.state == "running" and s.attempts == a)
        workers.kill(worker)
        wait_for(job_id, lambda s: s.state != "running", timeout=LEASE_S * 10)
    failed = jobs.status(job_id)
    assert failed.state == "failed" and "stopped answering" in failed.error and "attempt 2 of 2" in failed.error


def test_bad_submissions_are_refused_with_a_reason(queue_env):
    with pytest.raises(jobs.JobError, match="unknown job kind"):
        jobs.submit("frobnicate", {}, owner="Ada")
    with pytest.raises(jobs.JobError, match="owner is empty"):
        jobs.submit("t_answer", {"x": 1}, owner="  ")
    with pytest.raises(jobs.JobError, match="no such job"):
        jobs.status("0" * 32)
    with pytest.raises(jobs.JobError, match="VIS_QUEUE_URL"):
        jobs.make_huey("ftp://nowhere")
    with pytest.raises(jobs.JobError, match="module:function"):
        jobs.register_kind("x", "no_colon")


def test_the_immediate_queue_runs_a_job_inside_submit(monkeypatch):
    monkeypatch.setitem(jobs.KINDS, "t_answer", f"{HANDLERS}:answer")
    queue = jobs.JobQueue("immediate://", lease_s=LEASE_S)
    job_id = queue.submit("t_answer", {"x": 5}, owner="Ada")
    assert queue.status(job_id).result["answer"] == 10


def test_records_of_jobs_finished_long_ago_are_forgotten(monkeypatch):
    monkeypatch.setitem(jobs.KINDS, "t_answer", f"{HANDLERS}:answer")
    queue = jobs.JobQueue("immediate://", lease_s=LEASE_S)
    old, new = queue.submit("t_answer", {"x": 1}, owner="Ada"), queue.submit("t_answer", {"x": 2}, owner="Bo")
    assert [j.owner for j in queue.jobs()] == ["Bo", "Ada"] and [j.id for j in queue.jobs(owner="Ada")] == [old]
    state = queue._get(old, "state")
    queue._put(old, "state", {**state, "finished_at": state["finished_at"] - 8 * 86400})
    assert queue.forget_finished() == 1
    assert [j.id for j in queue.jobs()] == [new]
    with pytest.raises(jobs.JobError, match="no such job"):
        queue.status(old)


def test_an_unreachable_queue_is_a_clear_error_without_credentials():
    queue = jobs.JobQueue("redis://:secret@127.0.0.1:1/0", lease_s=LEASE_S)
    with pytest.raises(jobs.JobError, match="cannot be reached") as caught:
        queue.submit("lab_run", {}, owner="Ada")
    assert "secret" not in str(caught.value) and "redis://127.0.0.1:1/0" in str(caught.value)
    with pytest.raises(jobs.JobError, match="cannot be reached"):
        queue.jobs()


def test_a_worker_started_with_its_parent_pid_stops_when_the_parent_is_killed(queue_env, tmp_path):
    """A test run killed without its clean-up must not leave a worker polling forever."""
    env = {**os.environ, **queue_env, "PYTHONPATH": str(REPO)}
    script = (f"import os, subprocess, sys, time; p = subprocess.Popen([sys.executable, '-m', 'lab', 'worker', "
              f"'--parent-pid', str(os.getpid())], cwd={str(REPO)!r}); print(p.pid, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    worker_pid = int(parent.stdout.readline())
    parent.kill()  # at once: the worker may not even have started its watcher yet
    parent.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{worker_pid}/stat") as stat:
            if stat.read().split(")")[-1].split()[0] == "Z":
                return  # exited, waiting to be reaped by init
        time.sleep(0.5)
    os.kill(worker_pid, signal.SIGKILL)
    raise AssertionError("the worker outlived its parent")
