"""Hostile code in the sandbox: each attack is stopped, says by what, and leaves no process behind."""

from __future__ import annotations

import os
import socket
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from lab.sandbox import SandboxLimits, SandboxResult, run_sandboxed

QUICK = SandboxLimits.quick()


def run_script(tmp_path: Path, source: str, limits: SandboxLimits = QUICK, *args: str) -> SandboxResult:
    job = tmp_path / "job"
    job.mkdir(exist_ok=True)
    (job / "attack.py").write_text(textwrap.dedent(source))
    result = run_sandboxed(["python", "attack.py", *args], job, limits)
    assert result.survivors == 0, "a process of the job outlived it"
    return result


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_plain_python_runs_with_the_environment_packages(tmp_path):
    result = run_script(tmp_path, """
        import numpy, onnxruntime, os
        print("ok", os.getcwd(), len(os.environ.get("PATH", "")) > 0, "VIS_DATA_DIR" in os.environ)
    """)
    assert result.ok, result.stderr
    assert result.stdout.split() == ["ok", "/job", "True", "False"]  # the app's environment is not passed in
    assert result.stderr == "" and result.outlived_command == 0  # the sandbox's own notes are taken out
    assert any("bubblewrap" in layer for layer in result.layers)


def test_network_tcp_and_dns_fail(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    accepted: list[object] = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    result = run_script(tmp_path, f"""
        import socket
        for host in ("127.0.0.1", "1.1.1.1"):
            s = socket.socket(); s.settimeout(2)
            print(host, s.connect_ex((host, {port})))
        try:
            socket.getaddrinfo("pypi.org", 443); print("dns resolved")
        except OSError as exc:
            print("dns failed", exc)
    """)
    server.close()
    lines = result.stdout.splitlines()
    assert lines[0].split()[1] != "0" and lines[1].split()[1] != "0"
    assert lines[2].startswith("dns failed")
    assert accepted == []  # the app's own loopback server never saw a connection


def test_files_outside_the_job_cannot_be_read(tmp_path):
    secret = tmp_path / "data" / "studio.db"
    secret.parent.mkdir()
    secret.write_text("SQLite format 3 candidate secrets")
    secret.chmod(0o644)
    result = run_script(tmp_path, f"""
        for path in ({str(secret)!r}, "/etc/shadow", "/etc/passwd", {str(Path.cwd() / "settings.py")!r}):
            try:
                print(path, open(path).read()[:20])
            except OSError as exc:
                print(path, "refused", type(exc).__name__)
    """)
    assert result.stdout.count("refused") == 4, result.stdout
    assert "candidate secrets" not in result.stdout


def test_writes_land_only_in_the_job_folder(tmp_path):
    outside = tmp_path / "outside.txt"
    result = run_script(tmp_path, f"""
        for path in ({str(outside)!r}, "/usr/evil", "/evil", "/dev/evil", "/job/inside.txt", "/tmp/scratch"):
            try:
                open(path, "w").write("x"); print(path, "written")
            except OSError as exc:
                print(path, "refused", type(exc).__name__)
    """)
    assert not outside.exists()
    assert (tmp_path / "job" / "inside.txt").read_text() == "x"
    assert f"{outside} refused" in result.stdout and "/usr/evil refused" in result.stdout
    assert "/evil refused" in result.stdout and "/dev/evil refused" in result.stdout


def test_the_scratch_tmpfs_are_sized(tmp_path):
    result = run_script(tmp_path, """
        for folder in ("/tmp", "/dev/shm"):
            try:
                with open(folder + "/fill", "wb") as f:
                    f.write(bytes(12 * 2**20))
                print(folder, "took 12 MB")
            except OSError as exc:
                print(folder, "full", exc.errno)
    """, replace(QUICK, tmp_mb=8))
    assert result.stdout.split("\n")[:2] == ["/tmp full 28", "/dev/shm full 28"]  # ENOSPC


def test_a_fork_bomb_hits_the_process_limit(tmp_path):
    result = run_script(tmp_path, """
        import os, time
        while True:
            os.fork()
    """)
    assert result.stopped_by == "process limit", (result.stopped_by, result.stderr[-300:])


def test_a_memory_bomb_hits_the_memory_limit(tmp_path):
    result = run_script(tmp_path, """
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))
    """)
    assert result.stopped_by == "memory limit"
    assert not result.ok


def test_an_endless_loop_hits_the_cpu_limit(tmp_path):
    result = run_script(tmp_path, "while True:\n    pass\n", replace(QUICK, cpu_s=2))
    assert result.stopped_by == "cpu limit"


def test_a_sleeping_script_hits_the_wall_clock(tmp_path):
    result = run_script(tmp_path, "import time\nwhile True:\n    time.sleep(1)\n", replace(QUICK, wall_s=2))
    assert result.stopped_by == "wall-clock limit" and result.returncode is None


def test_a_daemon_does_not_outlive_the_job(tmp_path):
    marker = f"vis-daemon-{os.getpid()}-{id(tmp_path)}"
    result = run_script(tmp_path, """
        import os, sys, time
        if os.fork():
            sys.exit(0)
        os.setsid()
        if os.fork():
            os._exit(0)
        open("/job/daemon-started", "w").write("yes")
        while True:
            time.sleep(0.1)
    """, QUICK, marker)
    assert result.returncode == 0
    assert result.outlived_command >= 1  # seen running when the command ended, then killed with the namespace
    assert _processes_with(marker) == []


def test_a_2gb_file_stops_at_the_file_size_limit(tmp_path):
    result = run_script(tmp_path, """
        with open("/job/big.bin", "wb") as f:
            for _ in range(2048):
                f.write(bytes(2**20))
    """)
    assert result.stopped_by == "file size limit"
    assert (tmp_path / "job" / "big.bin").stat().st_size <= QUICK.fsize_mb * 2**20


def test_many_files_stop_at_the_job_folder_quota(tmp_path):
    result = run_script(tmp_path, """
        import time
        for i in range(1000):
            with open(f"/job/part{i}.bin", "wb") as f:
                f.write(bytes(8 * 2**20))
            time.sleep(0.01)
    """)
    assert result.stopped_by == "disk quota"


def test_output_is_kept_capped(tmp_path):
    result = run_script(tmp_path, "import sys\nsys.stdout.write('x' * 5_000_000)\n")
    assert 0 < len(result.stdout) <= 1_000_000


def test_a_sandbox_that_cannot_start_says_so(tmp_path):
    from lab.sandbox import SandboxUnavailable

    job = tmp_path / "job"
    job.mkdir()
    with pytest.raises(SandboxUnavailable, match="could not start"):
        run_sandboxed(["python", "-c", "print(1)"], job, QUICK, extra_ro=[tmp_path / "no-such-folder"])


def test_a_flood_of_empty_files_stops_at_the_file_count_quota(tmp_path):
    result = run_script(tmp_path, """
        import os
        os.makedirs("/job/flood")
        for i in range(10**6):
            open(f"/job/flood/{i}", "w").close()
    """, replace(QUICK, max_files=2000))
    assert result.stopped_by == "disk quota"
    assert len(os.listdir(tmp_path / "job" / "flood")) < 200_000


def test_stale_empty_job_groups_are_removed_and_busy_ones_kept(tmp_path):
    from lab.sandbox_cgroup import _remove_stale

    old, busy, fresh = (tmp_path / f"vis-sandbox-{n}" for n in ("old", "busy", "fresh"))
    for group in (old, busy, fresh):
        group.mkdir()
    (busy / "cgroup.procs").write_text("1234")  # stands for a member: a real group with members refuses rmdir
    for group in (old, busy):
        os.utime(group, (0, 0))
    _remove_stale(tmp_path)
    assert not old.exists() and busy.exists() and fresh.exists()


NON_ROOT = """
import json, sys
from pathlib import Path
from lab.sandbox import SandboxLimits, SandboxUnavailable, run_sandboxed
try:
    run_sandboxed(["python3", "-c", "print(1)"], Path(sys.argv[2]), SandboxLimits.quick())
    unreachable = "ran"
except SandboxUnavailable as exc:
    unreachable = str(exc)
code = "import os\\nprint(os.getuid())\\nwhile True:\\n    os.fork()"
r = run_sandboxed(["python3", "-c", code], Path(sys.argv[1]), SandboxLimits.quick())
print(json.dumps({"stdout": r.stdout, "stopped_by": r.stopped_by, "survivors": r.survivors, "layers": r.layers,
                  "unreachable": unreachable}))
"""


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(), reason="needs root to become a user")
def test_without_root_the_sandbox_still_holds(tmp_path):
    """The app run by an ordinary user (a laptop): no uid switch and no cgroups, and still a fork bomb is stopped;
    a job folder bubblewrap cannot reach is a clear SandboxUnavailable, not a result."""
    import json
    import shutil
    import subprocess
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="vis-nonroot-"))
    try:
        base.chmod(0o755)
        (base / "job").mkdir(mode=0o777)
        (base / "job").chmod(0o777)
        repo = Path(__file__).resolve().parents[2]
        done = subprocess.run(["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "--", "env", "-i",
                               "PATH=/usr/bin:/bin", "HOME=/tmp", f"PYTHONPATH={repo}", "/usr/bin/python3", "-c",
                               NON_ROOT, str(base / "job"), str(tmp_path)], capture_output=True, text=True,
                              timeout=120)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-500:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["stdout"].split()[0] == "4242" and result["stopped_by"] == "process limit"
    assert result["survivors"] == 0 and not any("uid" in layer or "cgroup" in layer for layer in result["layers"])
    assert "could not start" in result["unreachable"] and "Permission denied" in result["unreachable"]


@pytest.mark.parametrize("files, reached", [
    ({"memory.failcnt": "0\n", "memory.max_usage_in_bytes": "1048576\n"}, False),  # v1, far below the cap
    ({"memory.failcnt": "17\n", "memory.max_usage_in_bytes": "1048576\n"}, True),  # v1, charges refused at the cap
    ({"memory.failcnt": "0\n", "memory.max_usage_in_bytes": str(100 * 2**20)}, True),  # v1, peak at the cap
    ({"memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", "memory.peak": "4096\n"}, False),  # v2
    ({"memory.events": "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n", "memory.peak": "4096\n"}, True),  # v2
    ({}, False),  # nothing readable: unknown is not evidence
])
def test_a_job_out_of_cpu_time_at_its_memory_cap_is_told_memory(tmp_path, files, reached):
    """Where the kernel swaps or compresses memory, an allocating job at its cap can thrash in reclaim until its CPU
    time runs out: the cgroup's counters say the cause was memory, and the report says so."""
    import signal

    from lab.sandbox import _classify
    from lab.sandbox_cgroup import JobCgroups

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    job = JobCgroups(memory_group=tmp_path, memory_bytes=100 * 2**20)
    assert job.memory_cap_reached() is reached
    assert _classify(-signal.SIGXCPU, "", job) == ("memory limit" if reached else "cpu limit")
    assert _classify(-signal.SIGXCPU, "", JobCgroups()) == "cpu limit"
    assert _classify(1, "Traceback ...\nMemoryError\n", JobCgroups()) == "memory limit"
