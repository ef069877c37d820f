"""What the take-home's sandbox and grading cost: prints figures, asserts nothing.

    nice -n 10 .venv/bin/python -m scripts.bench_takehome [--runs 10]

- sandbox overhead: `python -c pass` in the sandbox against the same command started plainly (median of N);
- the reference inference script run cold in the sandbox on one image (median of N);
- making a take-home (400 images, the kit zip) and grading the reference submission end to end (one run each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab.environment import collect_environment
from lab.grade import grade_submission
from lab.sandbox import SandboxLimits, run_sandboxed
from lab.takehome import create_takehome, write_reference_submission
from lab.takehome_store import folder


def median_s(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = collect_environment()
    print(f"cpu {env.cpu_model}, {env.logical_cpus} logical CPUs; load average before {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        job = tmp_path / "job"
        job.mkdir()
        limits = SandboxLimits()
        plain = median_s(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.runs)
        boxed = median_s(lambda: run_sandboxed(["python", "-c", "pass"], job, limits), args.runs)
        print(f"python -c pass: plain {plain * 1e3:.0f} ms, in the sandbox {boxed * 1e3:.0f} ms "
              f"(median of {args.runs})")

        start = time.perf_counter()
        made = create_takehome(candidate_name="Bench", seed=1, root=tmp_path / "takehomes")
        print(f"create a take-home (400 images + kit zip): {time.perf_counter() - start:.1f} s")

        private = folder(made.id, tmp_path / "takehomes") / "private"
        ref = write_reference_submission(job / "submission")
        image = sorted((private / "test" / "images").glob("*.png"))[0]
        (job / "images").mkdir()
        (job / "images" / image.name).write_bytes(image.read_bytes())
        cold = median_s(lambda: run_sandboxed(["python", "/job/submission/infer.py", f"/job/images/{image.name}"],
                                              job, limits, workdir="/job/submission"), args.runs)
        print(f"reference infer.py cold in the sandbox, one image: {cold * 1e3:.0f} ms (median of {args.runs})")

        start = time.perf_counter()
        card = grade_submission(ref, private)
        print(f"grade the reference submission end to end: {time.perf_counter() - start:.1f} s "
              f"(contract {card.contract_ok}, script ran {card.script_ran}, mAP@0.5 {card.map50:.3f}, "
              f"p50 {card.p50_ms:.2f} ms)")
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
