"""Process and file helpers of the sandbox: per-job uids, finding and killing a job's processes, the job folder's
ownership and size, and whether a uid can reach a path."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

BASE_UID = 1_600_000  # far above login users and systemd's dynamic range; one uid per concurrent job
UID_SLOTS = 256


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or a tool it needs) is missing, cannot create namespaces on this host, or every slot is busy."""


def kill_pids(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def tree_usage(root: Path, max_entries: int) -> tuple[int, int]:
    """(bytes on disk, entries) under ``root``; the walk stops once it has seen more than ``max_entries``."""
    total = entries = 0
    for dirpath, dirs, files in os.walk(root):
        entries += len(dirs) + len(files)
        if entries > max_entries:
            break
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                continue
    return total, entries


def chown_tree(root: Path, uid: int) -> None:
    os.lchown(root, uid, uid)
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            try:
                os.lchown(os.path.join(dirpath, name), uid, uid)
            except OSError:
                continue


def reachable(path: Path, uid: int) -> bool:
    """Whether ``uid`` (with no groups) can walk down to ``path`` and read it."""
    for part in [*reversed(path.parents), path]:
        try:
            st = os.stat(part)
        except OSError:
            return False
        bits = (stat.S_IXUSR | stat.S_IRUSR) if st.st_uid == uid else (stat.S_IXOTH | stat.S_IROTH)
        if part == path and not st.st_mode & bits == bits:
            return False
        if part != path and not st.st_mode & (stat.S_IXUSR if st.st_uid == uid else stat.S_IXOTH):
            return False
    return True


def uid_pids(uid: int | None) -> set[int]:
    if uid is None:
        return set()
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        zombie = fields.get("State", "").strip().startswith("Z")  # already dead, waiting for its parent to reap it
        if not zombie and int(fields.get("Uid", "-1 ").split()[0]) == uid:
            pids.add(int(entry.name))
    return pids


def outliving(members: Callable[[], set[int]], uid: int | None, grace_s: float = 1.0) -> set[int]:
    """Processes of the job (``members()`` plus those of ``uid``) still alive ``grace_s`` after it ended: the pid
    namespace's teardown is asynchronous."""
    deadline = time.monotonic() + grace_s
    while True:
        alive = members() | uid_pids(uid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.02)


def kill_uid(uid: int | None) -> None:
    for _ in range(50):
        pids = uid_pids(uid)
        if not pids:
            return
        kill_pids(pids)
        time.sleep(0.02)


def count_own_processes() -> int:
    return len(uid_pids(os.getuid()))


class uid_slot:
    """A per-job uid for root: one of UID_SLOTS uids, held by a file lock for the run's duration."""

    def __enter__(self) -> int | None:
        self._handle = None
        if os.geteuid() != 0:
            return None
        lock_dir = Path(tempfile.gettempdir()) / "vis-sandbox-uids"
        lock_dir.mkdir(mode=0o700, exist_ok=True)
        for slot in range(UID_SLOTS):
            handle = open(lock_dir / f"slot-{slot}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self._handle = handle
            return BASE_UID + slot
        raise SandboxUnavailable(f"all {UID_SLOTS} sandbox slots are busy")

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()
