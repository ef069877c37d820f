"""Run one lab job (measure, evaluate, optimise, validate an upload) in a separate process with a wall-clock and a
memory limit.

The parent writes the job as JSON, starts ``python -m lab _worker JOB RESULT --memory-mb N``, and watches it: past the
time limit, or past the memory limit (resident size, polled with psutil), the child is killed. The child caps its own
address space (``RLIMIT_AS``) before importing onnxruntime, unless the job asks for a GPU provider (CUDA reserves a
huge virtual range, so there only the resident-size watch applies). Whatever goes wrong in the child (a crash, a
timeout, running out of memory, an exception) comes back as :class:`LabRunFailed` with the reason; the app stays up.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_MEMORY_MARKERS = ("bad_alloc", "failed to allocate", "out of memory", "memoryerror", "cannot allocate")


class LabRunFailed(RuntimeError):
    """A lab job did not finish. ``reason`` is one of: timeout, memory, crash, error, busy, rejected (a ``validate``
    job refused the model; the message says why)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    memory_mb: int

    @classmethod
    def from_settings(cls) -> Limits:
        from settings import get_settings

        settings = get_settings()
        return cls(timeout_s=settings.lab_timeout_s, memory_mb=settings.lab_memory_mb)


@contextmanager
def measurement_slot(timeout_s: float, lock_path: Path | None = None) -> Iterator[None]:
    """One latency measurement at a time on this machine, across processes: two at once would share the cores and
    spoil both sets of figures. Waits up to ``timeout_s`` for the slot, then gives up with reason ``busy``."""
    if lock_path is None:
        from settings import get_settings

        lock_path = get_settings().cache_dir / "lab-measure.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with open(lock_path, "w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabRunFailed("busy", "Another measurement kept the machine busy for longer than "
                                               f"{timeout_s:g} s; try again in a minute.") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_job(kind: str, payload: dict, limits: Limits | None = None, *, gpu: bool = False) -> dict:
    """Run job ``kind`` with ``payload`` in a child process; return its JSON result or raise :class:`LabRunFailed`.
    Measurements (``bench``) wait for the machine's one measurement slot first."""
    limits = limits or Limits.from_settings()
    with measurement_slot(limits.timeout_s) if kind in ("bench", "compare") else nullcontext():
        return _run_child(kind, payload, limits, gpu=gpu)


def _run_child(kind: str, payload: dict, limits: Limits, *, gpu: bool) -> dict:
    import psutil

    with tempfile.TemporaryDirectory(prefix="lab-job-") as tmp:
        job, result, log = Path(tmp, "job.json"), Path(tmp, "result.json"), Path(tmp, "stderr.txt")
        job.write_text(json.dumps({"kind": kind, "payload": payload}), encoding="utf-8")
        memory = 0 if gpu else limits.memory_mb
        cpu_s = int(limits.timeout_s * max(2, os.cpu_count() or 1)) + 10  # every core busy for the whole limit
        command = [sys.executable, "-m", "lab", "_worker", str(job), str(result), "--memory-mb", str(memory),
                   "--cpu-s", str(cpu_s)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                                          os.environ.get("PYTHONPATH")]))}
        with open(log, "wb") as err:
            child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            failure = _watch(child, psutil.Process(child.pid), limits)
        if failure is not None:
            raise failure
        return _read_result(result, child.returncode, log, kind)


def _watch(child: subprocess.Popen, proc, limits: Limits) -> LabRunFailed | None:
    import psutil

    deadline = time.monotonic() + limits.timeout_s
    limit_bytes = limits.memory_mb * 1024 * 1024
    while child.poll() is None:
        try:
            rss = proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # the child may exit between poll() and here
            rss = 0
        if rss > limit_bytes:
            _kill(child)
            return LabRunFailed("memory", f"The run used more than the {limits.memory_mb} MB memory limit "
                                          "and was stopped.")
        if time.monotonic() > deadline:
            _kill(child)
            return LabRunFailed("timeout", f"The run took longer than the {limits.timeout_s:g} s limit and was "
                                           "stopped.")
        time.sleep(0.05)
    return None


def _kill(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


def _read_result(result: Path, returncode: int, log: Path, kind: str) -> dict:
    tail = _read_tail(log, 600)
    if result.exists():
        data = json.loads(result.read_text(encoding="utf-8"))
        if data.get("ok"):
            return data["result"]
        raise LabRunFailed(data.get("reason", "error"), data.get("message", "the job failed"))
    if returncode < 0:
        name = signal.Signals(-returncode).name
        if -returncode == signal.SIGXCPU:
            return _raise("timeout", f"The {kind} run used up its CPU time limit and was stopped.")
        if -returncode == signal.SIGKILL:
            return _raise("memory", f"The {kind} run was killed ({name}), most likely for running out of memory.")
        return _raise("crash", f"The {kind} run crashed ({name}).{_tail(tail)}")
    if any(marker in tail.lower() for marker in _MEMORY_MARKERS):
        return _raise("memory", f"The {kind} run ran out of memory.{_tail(tail)}")
    return _raise("crash", f"The {kind} run exited with status {returncode} and no result.{_tail(tail)}")


def _read_tail(path: Path, chars: int) -> str:
    """The end of the child's stderr, read from the end: a model can make onnxruntime log megabytes."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 4 * chars))
        return handle.read().decode("utf-8", errors="replace")[-chars:].strip()


def looks_like_memory_error(text: str) -> bool:
    """Whether an error text (onnxruntime's, the allocator's) says that memory ran out."""
    return any(marker in text.lower() for marker in _MEMORY_MARKERS)


def _tail(text: str) -> str:
    return f" Last output: {text.splitlines()[-1][:300]}" if text else ""


def _raise(reason: str, message: str) -> dict:
    raise LabRunFailed(reason, message)


# ---- the child side ----------------------------------------------------------------------------------------------

def _job_bench(payload: dict) -> dict:
    from lab.measure import MeasurePolicy, demo_pipeline, measure_latency
    from lab.optimize import SessionConfig

    pipeline = demo_pipeline() if payload.get("end_to_end", True) else None
    report = measure_latency(payload["model"], SessionConfig.from_dict(payload.get("config", {})),
                             policy=MeasurePolicy(**payload.get("policy", {})), pipeline=pipeline)
    return report.to_dict()


def _job_evaluate(payload: dict) -> dict:
    from dataclasses import asdict

    from lab.evaluate import evaluate_onnx

    return asdict(evaluate_onnx(payload["model"], **payload.get("options", {})))


def _job_validate(payload: dict) -> dict:
    """Every check of an untrusted upload (parse, operators, shapes, onnx.checker, a trial run): here, not in the
    server. A refusal comes back with reason ``rejected`` and its message."""
    from lab.validate import ValidationLimits, check_model

    limits = ValidationLimits(**payload["limits"])
    return check_model(Path(payload["model"]), limits, trial_run=bool(payload.get("trial_run", True)))


def _job_variant(payload: dict) -> dict:
    from lab.variants import VariantSpec, build_variant

    path = build_variant(payload["baseline"], VariantSpec.from_dict(payload["spec"]), Path(payload["out_dir"]))
    return {"model": str(path)}


def _job_allocate(payload: dict) -> dict:
    """Allocate ``mb`` megabytes (used by the tests to prove the memory limit)."""
    block = bytearray(int(payload["mb"]) * 1024 * 1024)
    return {"allocated": len(block)}


JOBS: dict[str, Callable[[dict], dict]] = {"bench": _job_bench, "evaluate": _job_evaluate, "variant": _job_variant,
                                           "allocate": _job_allocate, "validate": _job_validate}
JOBS["compare"] = lambda payload: importlib.import_module("lab.paired").compare_job(payload)  # paired A/B latency


def _rejection_type() -> type[Exception]:
    from lab.validate import ModelRejected

    return ModelRejected


def _exit_when_orphaned() -> None:
    """The parent watches the wall clock; if it dies (a queue worker killed mid-job), nobody would: end with it."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def worker_main(argv: list[str]) -> int:
    """Entry of the child: ``_worker JOB RESULT --memory-mb N --cpu-s N``. Limits first, imports after."""
    import resource

    job_path, result_path = Path(argv[0]), Path(argv[1])
    memory_mb = int(argv[argv.index("--memory-mb") + 1]) if "--memory-mb" in argv else 0
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if "--cpu-s" in argv:  # an orphan (its parent killed) can burn no more than this, even before the watchdog sees it
        cpu_s = int(argv[argv.index("--cpu-s") + 1])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    _exit_when_orphaned()
    if memory_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, memory_mb * 1024 * 1024))
    job = json.loads(job_path.read_text(encoding="utf-8"))
    try:
        outcome = {"ok": True, "result": JOBS[job["kind"]](job["payload"])}
    except _rejection_type() as exc:
        outcome = {"ok": False, "reason": "rejected", "message": str(exc)}
    except MemoryError:
        outcome = {"ok": False, "reason": "memory", "message": f"The run needed more than the {memory_mb} MB "
                                                                "memory limit."}
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as data
        text = f"{type(exc).__name__}: {exc}"
        is_memory = any(marker in text.lower() for marker in _MEMORY_MARKERS)
        outcome = {"ok": False, "reason": "memory" if is_memory else "error",
                   "message": (f"The run ran out of memory (limit {memory_mb} MB): {exc}" if is_memory else str(exc)),
                   "error_type": type(exc).__name__}
    result_path.write_text(json.dumps(outcome), encoding="utf-8")
    return 0
