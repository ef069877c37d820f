"""Background jobs on workers: lab runs and take-home grading, one job at a time per worker, never stuck.

Built on Huey. The embedded default keeps the queue in a SQLite file beside the app's data (no extra server; `make run`
starts one worker); a team sets ``VIS_QUEUE_URL=redis://host:6379/0`` and starts workers on other machines (a GPU
machine serves the ``gpu`` queue with ``python -m lab worker --queue gpu``).

    job_id = submit("lab_run", payload, owner="Ada")   # returns at once
    status(job_id)  -> JobStatus: state, position in the queue, progress, result or error, the worker's machine

A handler is ``handler(payload: dict, progress: Callable[[float, str], None]) -> dict`` named by ``"module:function"``
(:data:`KINDS`, :func:`register_kind`); it runs in the worker process. The worker beats a heartbeat every few seconds
while a job runs; a job whose heartbeat is older than the lease (``VIS_QUEUE_LEASE_S``) was lost with its worker
(killed, machine gone): it is queued again once, then failed with that reason. Anyone who asks for the status, and
every live worker, checks for such jobs.

Job records live in Huey's key-value store (the same SQLite file or Redis), one key per concern, so the heartbeat,
the progress and the state never overwrite each other.
"""

from __future__ import annotations

import importlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lab.queue_backend import JobError, _reachable, make_huey, queue_settings

STATES = ("queued", "running", "done", "failed")
MAX_ATTEMPTS = 2  # a job lost with its worker is run once more, then failed
KINDS: dict[str, str] = {
    "lab_run": "lab.lab_jobs:run_lab_job",
    "takehome_grade": "lab.grade:run_grade_job",
}
QUEUES = ("default", "gpu")
_TASK_NAME = "vis.execute_job"
__all__ = ["JobError", "JobQueue", "JobStatus", "KINDS", "QUEUES", "get_queue", "make_huey", "queue_settings",
           "register_kind", "status", "submit"]


@dataclass(frozen=True)
class JobStatus:
    id: str
    kind: str
    owner: str
    queue: str
    state: str  # queued | running | done | failed
    position: int | None  # 1 = the next to start; None unless queued
    progress: float  # 0..1
    message: str
    result: dict | None
    error: str
    attempts: int
    worker: dict = field(default_factory=dict)  # hostname, pid, environment of the machine that ran it
    submitted_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def register_kind(kind: str, target: str) -> None:
    """Add a job kind: ``target`` is ``"package.module:function"``, importable by the worker."""
    if ":" not in target:
        raise JobError(f"a job target is 'module:function', not {target!r}")
    KINDS[kind] = target


class JobQueue:
    """One named queue on one backend, with the job records beside it."""

    def __init__(self, url: str, queue: str = "default", *, lease_s: float = 60.0) -> None:
        if queue not in QUEUES:
            raise JobError(f"queue must be one of {', '.join(QUEUES)}, not {queue!r}")
        self.url, self.queue, self.lease_s = url, queue, lease_s
        self.huey = make_huey(url, queue)
        self._execute_task = self.huey.task(name=_TASK_NAME)(self._execute)

    # ---- the app's side -----------------------------------------------------------------------------------------

    @_reachable
    def submit(self, kind: str, payload: dict, owner: str) -> str:
        if kind not in KINDS:
            raise JobError(f"unknown job kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        if not owner.strip():
            raise JobError("a job belongs to someone: the owner is empty")
        job_id = uuid.uuid4().hex
        self._put(job_id, "spec", {"kind": kind, "owner": owner, "payload": payload, "target": KINDS[kind],
                                   "queue": self.queue, "submitted_at": time.time()})
        self._put(job_id, "state", {"state": "queued", "attempt": 1, "message": "waiting for a worker"})
        self._execute_task(job_id, 1)
        return job_id

    @_reachable
    def status(self, job_id: str) -> JobStatus:
        self.reap_stale(only=job_id)
        spec = self._get(job_id, "spec")
        if spec is None:
            raise JobError(f"no such job: {job_id}")
        state = self._get(job_id, "state") or {}
        progress = self._get(job_id, "progress") or {}
        beat = self._get(job_id, "beat") or {}
        return JobStatus(
            id=job_id, kind=spec["kind"], owner=spec["owner"], queue=spec["queue"], state=state["state"],
            position=self.position(job_id) if state["state"] == "queued" else None,
            progress=1.0 if state["state"] == "done" else float(progress.get("fraction", 0.0)),
            message=progress.get("message", "") if state["state"] == "running" else state.get("message", ""),
            result=state.get("result"), error=state.get("error", ""), attempts=state.get("attempt", 1),
            worker=state.get("worker", {}), submitted_at=spec["submitted_at"], started_at=state.get("started_at"),
            finished_at=state.get("finished_at"), heartbeat_at=beat.get("at"))

    def position(self, job_id: str) -> int | None:
        """1-based place among the jobs still waiting, in the order the workers take them."""
        for index, task in enumerate(self.huey.pending(), start=1):
            if task.args and task.args[0] == job_id:
                return index
        return None

    @_reachable
    def jobs(self, *, owner: str | None = None) -> list[JobStatus]:
        """Every job on this queue (newest first), only ``owner``'s when given."""
        ids = [job_id for job_id, spec in self._records("spec").items() if owner is None or spec["owner"] == owner]
        return sorted((self.status(job_id) for job_id in ids), key=lambda j: -j.submitted_at)

    def forget_finished(self, older_than_s: float = 7 * 86400) -> int:
        """Delete the records of jobs finished more than ``older_than_s`` ago; return how many."""
        cutoff, gone = time.time() - older_than_s, 0
        for job_id, state in self._records("state").items():
            if state["state"] in ("done", "failed") and state.get("finished_at", time.time()) < cutoff:
                for key in [k for k in self.huey.storage.result_items() if k.startswith(f"job:{job_id}:")]:
                    self.huey.delete(key)
                gone += 1
        return gone

    def _records(self, part: str) -> dict[str, dict]:
        """``{job_id: record}`` of one part (spec, state, ...) of every job, read in one pass."""
        found = {}
        for key, raw in self.huey.storage.result_items().items():
            name = key.decode() if isinstance(key, bytes) else key
            if name.startswith("job:") and name.endswith(f":{part}"):
                found[name.split(":")[1]] = self.huey.serializer.deserialize(raw)
        return found

    @_reachable
    def claim(self, job_id: str) -> bool:
        """True once per job, for whoever stores a finished job's result (two tabs never store it twice)."""
        return bool(self.huey.put_if_empty(f"job:{job_id}:claimed", {"at": time.time()}))

    @_reachable
    def release(self, job_id: str) -> None:
        """Undo :meth:`claim` (storing the result failed): the next look at the job tries again."""
        self.huey.delete(f"job:{job_id}:claimed")

    @_reachable
    def last_worker_seen(self) -> float | None:
        """Seconds since a worker of this queue last said it was alive; None when none ever did."""
        seen = self.huey.get("workers:last_seen", peek=True)
        return None if seen is None else max(0.0, time.time() - seen["at"])

    # ---- leases -------------------------------------------------------------------------------------------------

    def reap_stale(self, *, only: str | None = None) -> list[str]:
        """Requeue (once) or fail every running job whose heartbeat is older than the lease; return their ids."""
        states = {only: self._get(only, "state")} if only else self._records("state")
        reaped = []
        for job_id, state in states.items():
            if not state or state["state"] != "running":
                continue
            beat = (self._get(job_id, "beat") or {}).get("at", state.get("started_at", 0.0))
            silent = time.time() - beat
            if silent <= self.lease_s:
                continue
            attempt = state.get("attempt", 1)
            if not self.huey.put_if_empty(f"job:{job_id}:reaped:{attempt}", True):
                continue  # another reaper took it
            reason = f"the worker stopped answering (no heartbeat for {silent:.0f} s)"
            if attempt < MAX_ATTEMPTS:
                self._put(job_id, "state", {"state": "queued", "attempt": attempt + 1,
                                            "message": f"{reason}; queued again (attempt {attempt + 1} of "
                                                       f"{MAX_ATTEMPTS})"})
                self._execute_task(job_id, attempt + 1)
            else:
                self._put(job_id, "state", {**state, "state": "failed", "finished_at": time.time(),
                                            "error": f"{reason}, on attempt {attempt} of {MAX_ATTEMPTS}"})
            reaped.append(job_id)
        return reaped

    # ---- the worker's side --------------------------------------------------------------------------------------

    def _execute(self, job_id: str, attempt: int) -> None:
        spec, state = self._get(job_id, "spec"), self._get(job_id, "state")
        if spec is None or state is None or state["state"] != "queued" or state.get("attempt") != attempt:
            return  # a stale copy of a job that was reaped and queued again, or already finished
        started = time.time()
        self._put(job_id, "beat", {"at": started, "attempt": attempt})
        self._put(job_id, "state", {"state": "running", "attempt": attempt, "started_at": started,
                                    "worker": worker_identity()})
        self._put(job_id, "progress", {"fraction": 0.0, "message": "started"})
        stop = threading.Event()
        beater = threading.Thread(target=self._beat, args=(job_id, attempt, stop), daemon=True)
        beater.start()
        try:
            handler = resolve_target(spec["target"])
            outcome = {"state": "done", "result": handler(spec["payload"], self._progress_writer(job_id))}
        except Exception as exc:  # noqa: BLE001 - a failed job is data for its owner, never a dead worker
            outcome = {"state": "failed", "error": str(exc) or type(exc).__name__}
        finally:
            stop.set()
            beater.join()
        current = self._get(job_id, "state") or {}
        if current.get("attempt") == attempt and current.get("state") == "running":
            self._put(job_id, "state", {**current, **outcome, "finished_at": time.time()})

    def _beat(self, job_id: str, attempt: int, stop: threading.Event) -> None:
        while not stop.wait(max(0.2, self.lease_s / 6)):
            self._put(job_id, "beat", {"at": time.time(), "attempt": attempt})

    def _progress_writer(self, job_id: str) -> Callable[[float, str], None]:
        def progress(fraction: float, message: str = "") -> None:
            self._put(job_id, "progress", {"fraction": min(1.0, max(0.0, float(fraction))), "message": message})

        return progress

    def announce_worker(self) -> None:
        self.huey.put("workers:last_seen", {"at": time.time(), "hostname": socket.gethostname()})

    # ---- storage ------------------------------------------------------------------------------------------------

    def _put(self, job_id: str, part: str, value: dict) -> None:
        self.huey.put(f"job:{job_id}:{part}", value)

    def _get(self, job_id: str, part: str) -> dict | None:
        return self.huey.get(f"job:{job_id}:{part}", peek=True)


def resolve_target(target: str) -> Callable[[dict, Callable[[float, str], None]], dict]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


_IDENTITY: dict = {}


def worker_identity() -> dict:
    """This worker's machine: host name, process id and the measurement environment (computed once)."""
    if not _IDENTITY:
        from lab.environment import collect_environment

        _IDENTITY.update(hostname=socket.gethostname(), pid=os.getpid(),
                         environment=collect_environment().to_dict())
    return dict(_IDENTITY)


_QUEUES: dict[tuple[str, str, float], JobQueue] = {}
_QUEUES_LOCK = threading.Lock()


def get_queue(queue: str = "default") -> JobQueue:
    """The queue named ``queue`` on the configured backend (one object per URL and name in this process)."""
    url, lease = queue_settings()
    with _QUEUES_LOCK:
        if (url, queue, lease) not in _QUEUES:
            _QUEUES[(url, queue, lease)] = JobQueue(url, queue, lease_s=lease)
        return _QUEUES[(url, queue, lease)]


def submit(kind: str, payload: dict, owner: str, *, queue: str = "default") -> str:
    return get_queue(queue).submit(kind, payload, owner)


def status(job_id: str) -> JobStatus:
    """The status of ``job_id`` on whichever queue holds it."""
    for name in QUEUES:
        q = get_queue(name)
        if q._get(job_id, "spec") is not None:
            return q.status(job_id)
    raise JobError(f"no such job: {job_id}")
