"""The cgroup layer of the sandbox: one group per job, a process cap and a memory cap, and a kill of every member.

It is an extra layer under the pid namespace and the rlimits (see :mod:`lab.sandbox`), used where the hierarchy is
writable, skipped silently where it is not:

- cgroup v1 (Debian without systemd, containers): a group in the ``pids`` hierarchy (``pids.max``) and one in the
  ``memory`` hierarchy (``memory.limit_in_bytes``, swap included when the kernel accounts it), each below the app's
  own group, so a container's limits still apply on top.
- cgroup v2 (a host with systemd): a group below the app's own (``memory.max``, ``pids.max`` when the parent
  delegates those controllers, e.g. a unit with ``Delegate=yes``) and ``cgroup.kill`` at the end. On a hybrid host
  (v1 controllers plus an empty v2 tree) the v2 group still gives ``cgroup.kill``.

A job joins its groups by pid before it drops privileges (the launcher writes ``$$`` into each ``cgroup.procs``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from lab.sandbox_procs import kill_pids

_CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class JobCgroups:
    """The groups one job was given; ``layers`` names what they enforce, for the report card."""

    procs_files: list[Path] = field(default_factory=list)
    groups: list[Path] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    memory_group: Path | None = None
    memory_bytes: int = 0
    kill_file: Path | None = None

    def memory_oom_kills(self) -> int:
        """How many processes the memory limit killed (0 when unknown)."""
        return max(self._counter("memory.oom_control", "oom_kill"), self._counter("memory.events", "oom_kill"))

    def memory_cap_reached(self) -> bool:
        """Whether the job's memory reached its cap (False when unknown): a charge refused at the limit (v1
        ``memory.failcnt``, v2 ``max`` events) or a peak within 2% of it. Where the kernel swaps or compresses memory,
        a job at its cap can thrash in reclaim instead of being killed, and then runs out of CPU time first."""
        if self._counter("memory.failcnt") > 0 or self._counter("memory.events", "max") > 0:
            return True
        peak = max(self._counter("memory.max_usage_in_bytes"), self._counter("memory.peak"))
        return bool(self.memory_bytes) and peak >= 0.98 * self.memory_bytes

    def _counter(self, name: str, key: str | None = None) -> int:
        """A number from the memory group: the file's only value, or the value on its ``key`` line (0 when unknown)."""
        if self.memory_group is None:
            return 0
        try:
            lines = (self.memory_group / name).read_text().splitlines()
        except OSError:
            return 0
        for line in lines:
            parts = line.split()
            value = parts[0] if key is None and len(parts) == 1 else \
                parts[1] if len(parts) == 2 and parts[0] == key else None
            if value is not None and value.isdigit():
                return int(value)
        return 0

    def member_pids(self) -> set[int]:
        pids: set[int] = set()
        for procs in self.procs_files:
            try:
                pids.update(int(p) for p in procs.read_text().split())
            except (OSError, ValueError):
                continue
        return pids

    def kill_all(self, timeout_s: float = 5.0) -> int:
        """SIGKILL every member (``cgroup.kill`` where there is one), until the groups are empty; return how many
        members had to be killed."""
        killed = self.member_pids()
        if self.kill_file is not None:
            try:
                self.kill_file.write_text("1")
            except OSError:
                pass
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            members = self.member_pids()
            if not members:
                break
            killed |= members
            kill_pids(members)
            time.sleep(0.02)
        return len(killed)

    def remove(self) -> None:
        for group in reversed(self.groups):
            for _ in range(50):  # a group is busy for a moment after its last member died
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _own_paths() -> dict[str, str]:
    """controller (or '' for v2) -> this process's path in that hierarchy, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _mounts() -> dict[str, Path]:
    """controller (or '' for the v2 tree) -> where its hierarchy is mounted."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        mount_point, fstype, options = Path(parts[1]), parts[2], parts[3].split(",")
        if fstype == "cgroup2":
            found.setdefault("", mount_point)
        elif fstype == "cgroup":
            for name in ("pids", "memory"):
                if name in options:
                    found.setdefault(name, mount_point)
    return found


def _remove_stale(parent: Path, max_age_s: float = 3600.0) -> None:
    """Groups left by a grader that was killed mid-run: empty by now (their pid namespaces died with the grader)."""
    for stale in parent.glob("vis-sandbox-*"):
        try:
            if time.time() - stale.stat().st_mtime > max_age_s:
                stale.rmdir()  # refused while anything is still in it
        except OSError:
            continue


def _make_group(mount: Path, own: str, name: str) -> Path | None:
    group = mount / own.lstrip("/") / name
    _remove_stale(group.parent)
    try:
        group.mkdir()
    except FileExistsError:
        pass
    except OSError:
        return None
    return group


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def create_job_cgroups(name: str, *, memory_bytes: int, max_pids: int) -> JobCgroups:
    """Make the job's groups wherever the hierarchy lets this process write; an empty result is fine."""
    job = JobCgroups()
    mounts, own = _mounts(), _own_paths()
    if "pids" in mounts and "pids" in own and (group := _make_group(mounts["pids"], own["pids"], name)):
        job.groups.append(group)
        job.procs_files.append(group / "cgroup.procs")
        if _write(group / "pids.max", str(max_pids)):
            job.layers.append(f"cgroup v1 pids.max={max_pids}")
    if "memory" in mounts and "memory" in own and (group := _make_group(mounts["memory"], own["memory"], name)):
        job.groups.append(group)
        job.procs_files.append(group / "cgroup.procs")
        if _write(group / "memory.limit_in_bytes", str(memory_bytes)):
            _write(group / "memory.memsw.limit_in_bytes", str(memory_bytes))
            _write(group / "memory.swappiness", "0")
            job.memory_group, job.memory_bytes = group, memory_bytes
            job.layers.append(f"cgroup v1 memory.limit_in_bytes={memory_bytes // 2**20} MB")
    if "" in mounts and "" in own and (group := _make_group(mounts[""], own[""], name)):
        job.groups.append(group)
        job.procs_files.append(group / "cgroup.procs")
        if (group / "cgroup.kill").exists():
            job.kill_file = group / "cgroup.kill"
            job.layers.append("cgroup v2 cgroup.kill")
        if _write(group / "pids.max", str(max_pids)):
            job.layers.append(f"cgroup v2 pids.max={max_pids}")
        if _write(group / "memory.max", str(memory_bytes)):
            _write(group / "memory.swap.max", "0")
            if job.memory_group is None:
                job.memory_group, job.memory_bytes = group, memory_bytes
            job.layers.append(f"cgroup v2 memory.max={memory_bytes // 2**20} MB")
    return job
