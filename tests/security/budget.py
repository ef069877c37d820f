"""Run one hostile input against a real entry point in a fresh child process and measure what it cost.

The child is the "server" for the length of one call: it loads what the page would have loaded, then times the call
(wall clock and CPU) and reads its own peak resident size (``VmHWM``, which excludes grandchildren such as the
lab's isolated checker). An address-space cap makes a regression fail fast instead of swapping the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, resource, sys, time, tempfile
from pathlib import Path
cap = int(sys.argv[3]) * 1024 * 1024
# soft limit only: the lab worker (a grandchild) sets its own
resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
target, data_path = sys.argv[1], Path(sys.argv[2])
from tests.security import targets
prepare, call = getattr(targets, target)
state = prepare()
data = data_path.read_bytes()
name = data_path.name
def peak_kb():
    # VmHWM: this process's own peak resident size. ru_maxrss would carry the forking parent's peak across exec
    # (a pytest process that loaded models made every child look 700 MB big).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before_kb = peak_kb()
cpu0, t0 = time.process_time(), time.perf_counter()
outcome = {"refused": False, "message": "", "error": ""}
try:
    outcome["message"] = str(call(state, data, name))
except MemoryError:
    outcome["error"] = "MemoryError"
except Exception as exc:
    kind = type(exc).__name__
    outcome["refused"] = kind in targets.REFUSALS
    outcome["message"] = str(exc)[:40000]
    outcome["error"] = "" if outcome["refused"] else kind
outcome.update(wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - cpu0,
               baseline_mb=before_kb / 1024, peak_mb=peak_kb() / 1024)
print("RESULT " + json.dumps(outcome))
"""


@dataclass(frozen=True)
class Cost:
    refused: bool
    message: str
    error: str
    wall_s: float
    cpu_s: float
    baseline_mb: float
    peak_mb: float

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.baseline_mb


def measure(target: str, filename: str, data: bytes, tmp_path: Path, *, cap_mb: int = 3000,
            timeout_s: float = 120) -> Cost:
    """Run ``tests.security.targets.<target>`` on ``data`` (saved as ``filename``) in a child; return its cost."""
    path = tmp_path / filename
    path.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, target, str(path), str(cap_mb)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout_s)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line, f"the child died (status {done.returncode}): {done.stderr[-2000:]}"
    return Cost(**json.loads(line[len("RESULT "):]))
