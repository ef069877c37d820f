"""Run untrusted code (a candidate's inference script) in a bubblewrap sandbox, in layers.

What each layer does (outermost first):

1. cgroup (:mod:`lab.sandbox_cgroup`), where writable: a process cap and a memory cap on the whole job, and a kill
   of every member at the end (v1 ``pids``/``memory`` here, v2 with ``cgroup.kill`` on a systemd host).
2. An unprivileged, per-job uid (root only): ``setpriv --reuid --regid --clear-groups --no-new-privs``, so that the
   rlimits count, nothing root-only is readable, and every process of the job can be found and killed by its uid.
   Paths the job uid cannot reach (a Python under ``/root``) are bind-mounted first into a private mount namespace
   (``unshare --mount``) at a reachable place; the host never sees those mounts.
3. rlimits (``prlimit``): NPROC (fork bomb), AS (memory bomb), CPU (endless loop), FSIZE (a 2 GB file), NOFILE, CORE.
4. bubblewrap: ``--unshare-all`` (network: only a dead loopback, so TCP and DNS fail; pid namespace), ``--disable-
   userns``, ``--die-with-parent``, ``--new-session``, ``--clearenv``; read-only binds of /usr and the Python
   environment only (no /etc, no home, no project folder, no database), a sized tmpfs /tmp, one writable job folder
   at ``/job``, and ``--remount-ro /`` last.
5. The parent: a wall-clock limit (SIGKILL to bubblewrap; the pid namespace takes every process with it, daemons
   included), a disk quota on the job folder (polled), output kept in files outside the sandbox and read capped, and a
   final sweep (cgroup members and processes of the job uid) so that no process outlives the job.

Not root (a developer's laptop): layers 1 and 2 are skipped; NPROC then counts the user's own processes too.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lab.sandbox_cgroup import JobCgroups, create_job_cgroups
from lab.sandbox_procs import (
    SandboxUnavailable,
    chown_tree,
    count_own_processes,
    kill_uid,
    outliving,
    reachable,
    tree_usage,
    uid_pids,
    uid_slot,
)

JOB_MOUNT = "/job"
_OUTPUT_CAP = 1_000_000
STARTED = "vis-sandbox: started\n"
# Inside the sandbox: announce the start, run the job, then count what it left running (daemons, stray children)
# before the namespace is torn down with everything in it.
_ANNOUNCE = """printf 'vis-sandbox: started\\n' >&2
"$@"
rc=$?
n=0
for p in /proc/[0-9]*; do case "${p#/proc/}" in 1|$$) ;; *) n=$((n+1)) ;; esac; done
printf 'vis-sandbox: left %s\\n' "$n" >&2
exit $rc
"""
_LEFT = re.compile(r"^vis-sandbox: left (\d+)\n", re.MULTILINE)
_LAUNCHER_NOTE = "vis-sandbox: cgroup not joined"
_LAUNCHER = """n=$1; shift
while [ "$n" -gt 0 ]; do
  echo $$ 2>/dev/null > "$1" || echo "vis-sandbox: cgroup not joined: $1" >&2; shift; n=$((n-1))
done
n=$1; shift
while [ "$n" -gt 0 ]; do mount --bind "$1" "$2" || exit 125; shift 2; n=$((n-1)); done
exec "$@"
"""


@dataclass(frozen=True)
class SandboxLimits:
    wall_s: float = 60.0
    cpu_s: int = 30
    memory_mb: int = 2048  # RLIMIT_AS (address space: onnxruntime alone maps ~1 GB) and the cgroup memory cap
    nproc: int = 128  # processes and threads (onnxruntime starts one thread per core)
    fsize_mb: int = 64  # largest file the job may write
    disk_mb: int = 256  # what the job may add to its folder
    max_files: int = 5000  # files and folders the job may add to its folder (inodes)
    tmp_mb: int = 64  # the tmpfs at /tmp
    nofile: int = 256

    @classmethod
    def quick(cls) -> SandboxLimits:
        """Tight limits for tests of hostile code."""
        return cls(wall_s=15.0, cpu_s=8, memory_mb=1024, nproc=64, fsize_mb=16, disk_mb=64, tmp_mb=16)


@dataclass(frozen=True)
class SandboxResult:
    returncode: int | None  # None when the parent killed it (wall clock, disk quota)
    stdout: str
    stderr: str
    wall_s: float
    stopped_by: str | None  # None, "wall-clock limit", "cpu limit", "memory limit", "file size limit", "disk quota",
    #                         "process limit", "signal N"
    layers: tuple[str, ...]
    leftover_processes: int  # processes of the job still alive after it ended (killed by the final sweep)
    survivors: int  # processes of the job still alive after the sweep: must be 0
    outlived_command: int = 0  # processes still running inside when the command itself ended (daemons, strays)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.stopped_by is None


def check_available() -> None:
    for tool in ("bwrap", "prlimit") + (("setpriv", "unshare") if os.geteuid() == 0 else ()):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"{tool} is not installed (Debian: bubblewrap, util-linux); "
                                     "run scripts/install_system_deps.sh")


def python_paths() -> list[Path]:
    """Folders the sandbox needs read-only to run this environment's Python and its installed packages."""
    candidates = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent]
    kept: list[Path] = []
    for path in candidates:
        path = Path(os.path.realpath(path))
        if path.is_relative_to("/usr") or any(path.is_relative_to(k) for k in kept):
            continue
        kept = [k for k in kept if not k.is_relative_to(path)] + [path]
    return kept


def run_sandboxed(argv: Sequence[str], job_dir: Path, limits: SandboxLimits | None = None, *,
                  extra_ro: Sequence[Path] = (), env: dict[str, str] | None = None,
                  workdir: str = JOB_MOUNT) -> SandboxResult:
    """Run ``argv`` (paths as the sandbox sees them: the job folder is ``/job``) and return what happened. Raises
    :class:`SandboxUnavailable` only when no sandbox could be built at all; whatever the code does is a result."""
    check_available()
    limits = limits or SandboxLimits()
    job_dir = Path(job_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="vis-sandbox-") as private, uid_slot() as uid:
        run = _Run(argv=list(argv), job_dir=job_dir, limits=limits, uid=uid, private=Path(private),
                   ro_paths=python_paths() + [Path(p).resolve() for p in extra_ro], env=env or {},
                   workdir=workdir)
        return run.execute()


@dataclass
class _Run:
    argv: list[str]
    job_dir: Path
    limits: SandboxLimits
    uid: int | None
    private: Path
    ro_paths: list[Path]
    env: dict[str, str]
    workdir: str = JOB_MOUNT
    staged: list[tuple[Path, Path]] = field(default_factory=list)
    stage_dir: Path | None = None

    def execute(self) -> SandboxResult:
        cgroups = JobCgroups()
        if self.uid is not None:
            chown_tree(self.job_dir, self.uid)
            cgroups = create_job_cgroups(f"vis-sandbox-{uuid.uuid4().hex[:12]}",
                                         memory_bytes=self.limits.memory_mb * 2**20, max_pids=self.limits.nproc)
        try:
            return self._launch_and_watch(cgroups)
        finally:
            cgroups.kill_all()
            cgroups.remove()
            if self.uid is not None:
                chown_tree(self.job_dir, os.getuid())
            if self.stage_dir is not None:
                shutil.rmtree(self.stage_dir, ignore_errors=True)

    def _launch_and_watch(self, cgroups: JobCgroups) -> SandboxResult:
        command = self._command(cgroups)
        out_path, err_path = self.private / "stdout", self.private / "stderr"
        started = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                     start_new_session=True)
        stopped_by = self._watch(child, started)
        wall = time.monotonic() - started
        launcher_notes, job_started, stderr = _split_stderr(_read_capped(err_path))
        outlived_command, stderr = _left_running(stderr)
        if not job_started and stopped_by is None:
            last = stderr.strip().splitlines()[-1][:300] if stderr.strip() else f"exit status {child.returncode}"
            raise SandboxUnavailable(f"the sandbox could not start: {last}")
        leftovers = len(outliving(cgroups.member_pids, self.uid))
        kill_uid(self.uid)
        cgroups.kill_all()
        survivors = len(cgroups.member_pids() | uid_pids(self.uid))
        returncode = None if stopped_by else child.returncode
        stopped_by = stopped_by or _classify(child.returncode, stderr, cgroups)
        layers = self._layers(cgroups)
        if launcher_notes:  # the hierarchy let us make a group but not join it
            layers = [layer for layer in layers if not layer.startswith("cgroup")] + ["cgroup layer skipped"]
        return SandboxResult(returncode=returncode, stdout=_read_capped(out_path), stderr=stderr, wall_s=wall,
                             stopped_by=stopped_by, layers=tuple(layers),
                             leftover_processes=leftovers, survivors=survivors, outlived_command=outlived_command)

    def _watch(self, child: subprocess.Popen, started: float) -> str | None:
        next_disk_check = 0.0
        used, entries = tree_usage(self.job_dir, 10**9)
        quota, max_entries = used + self.limits.disk_mb * 2**20, entries + self.limits.max_files  # what it may add
        while child.poll() is None:
            now = time.monotonic()
            if now - started > self.limits.wall_s:
                _kill_now(child)
                return "wall-clock limit"
            if now >= next_disk_check:
                next_disk_check = now + 0.25
                used, entries = tree_usage(self.job_dir, max_entries)
                if used > quota or entries > max_entries:
                    _kill_now(child)
                    return "disk quota"
            time.sleep(0.02)
        return None

    def _layers(self, cgroups: JobCgroups) -> list[str]:
        lim = self.limits
        layers = list(cgroups.layers)
        if self.uid is not None:
            layers.append(f"unprivileged uid {self.uid}")
        layers += [f"rlimits nproc={lim.nproc} as={lim.memory_mb} MB cpu={lim.cpu_s} s fsize={lim.fsize_mb} MB",
                   "bubblewrap: no network, own pid namespace, read-only root, /job writable",
                   f"wall clock {lim.wall_s:g} s, job folder quota {lim.disk_mb} MB and {lim.max_files} files"]
        return layers

    def _command(self, cgroups: JobCgroups) -> list[str]:
        binds = self._binds()
        inner = self._prlimit() + ["bwrap", *self._bwrap_args(binds), "--", "/bin/sh", "-c", _ANNOUNCE, "sh",
                                   *self.argv]
        if self.uid is None:
            return inner
        dropped = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--no-new-privs",
                   "--", *inner]
        launcher = ["sh", "-c", _LAUNCHER, "sh", str(len(cgroups.procs_files)), *map(str, cgroups.procs_files),
                    str(len(self.staged)), *[str(p) for pair in self.staged for p in pair], *dropped]
        return (["unshare", "--mount", "--propagation", "private", *launcher] if self.staged else launcher)

    def _prlimit(self) -> list[str]:
        lim = self.limits
        nproc = lim.nproc if self.uid is not None else lim.nproc + count_own_processes()
        return ["prlimit", f"--nproc={nproc}:{nproc}", f"--as={lim.memory_mb * 2**20}",
                f"--cpu={lim.cpu_s}:{lim.cpu_s + 1}", f"--fsize={lim.fsize_mb * 2**20}",
                f"--nofile={lim.nofile}", "--core=0", "--"]

    def _binds(self) -> list[tuple[Path, str, bool]]:
        """(source as bubblewrap sees it, destination, writable); sources the job uid cannot reach are staged."""
        wanted = [(p, str(p), False) for p in self.ro_paths] + [(self.job_dir, JOB_MOUNT, True)]
        binds = []
        for source, dest, writable in wanted:
            if self.uid is not None and not reachable(source, self.uid):
                source = self._stage(source)
            binds.append((source, dest, writable))
        return binds

    def _stage(self, source: Path) -> Path:
        if self.stage_dir is None:
            self.stage_dir = Path(tempfile.mkdtemp(prefix="vis-sandbox-stage-"))
            self.stage_dir.chmod(0o755)
        target = self.stage_dir / str(len(self.staged))
        target.mkdir(mode=0o755)
        self.staged.append((source, target))
        return target

    def _bwrap_args(self, binds: list[tuple[Path, str, bool]]) -> list[str]:
        args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                "--clearenv", "--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        tmp_size = str(self.limits.tmp_mb * 2**20)
        args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache", "--proc", "/proc", "--dev", "/dev",
                 "--size", tmp_size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",  # /dev's own tmpfs is unsized
                 "--size", tmp_size, "--tmpfs", "/tmp"]
        for source, dest, writable in binds:
            args += ["--bind" if writable else "--ro-bind", str(source), dest]
        env = {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp",
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1",
               **self.env}
        for key, value in env.items():
            args += ["--setenv", key, value]
        return args + ["--chdir", self.workdir, "--remount-ro", "/"]


def _classify(returncode: int, stderr: str, cgroups: JobCgroups) -> str | None:
    if returncode == 0:
        return None
    signum = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    text = stderr.lower()
    if cgroups.memory_oom_kills() > 0 or "memoryerror" in text or "cannot allocate memory" in text \
            or "bad_alloc" in text:
        return "memory limit"
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and "cpu" in text):
        # out of CPU time while at the memory cap: thrashing in reclaim (swap, compressed memory) burnt it
        return "memory limit" if cgroups.memory_cap_reached() else "cpu limit"
    if signum == signal.SIGXFSZ or "file too large" in text:
        return "file size limit"
    if "resource temporarily unavailable" in text or "blockingioerror" in text:
        return "process limit"
    if signum:
        return f"signal {signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else signum}"
    return None


def _split_stderr(raw: str) -> tuple[list[str], bool, str]:
    """(the launcher's notes, whether the job's command started, the job's own stderr). Inside the sandbox a shell
    writes STARTED to stderr before it execs the job, so bubblewrap's own set-up errors (which come before it) are
    told apart from anything the job prints (which comes after it)."""
    lines = raw.splitlines(keepends=True)
    notes = []
    while lines and lines[0].startswith(_LAUNCHER_NOTE):
        notes.append(lines.pop(0).strip())
    rest = "".join(lines)
    if rest.startswith(STARTED):
        return notes, True, rest[len(STARTED):]
    return notes, False, rest


def _left_running(stderr: str) -> tuple[int, str]:
    """How many processes the job's command left running when it ended (the shell's last report), and the stderr
    without that report."""
    found = list(_LEFT.finditer(stderr))
    if not found:
        return 0, stderr
    last = found[-1]
    return int(last.group(1)), stderr[: last.start()] + stderr[last.end():]


def _kill_now(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


def _read_capped(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read(_OUTPUT_CAP)
    return data.decode("utf-8", errors="replace")
