"""``python -m lab stress --procs N --seconds S``: N busy processes for S seconds, the noise a shared machine makes
(used to show that paired speed-ups hold under load; see BENCHMARKS.md)."""

from __future__ import annotations

import argparse
import multiprocessing
import time

HELP = "keep N processes busy for S seconds (a load generator for benchmarks)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0)


def busy_loop(seconds: float) -> int:
    """Integer arithmetic until ``seconds`` have passed; returns the number of iterations."""
    deadline, count, x = time.monotonic() + seconds, 0, 1
    while time.monotonic() < deadline:
        for _ in range(10_000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        count += 1
    return count


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.procs <= 64:
        raise ValueError(f"--procs must be between 1 and 64, not {args.procs}")
    if not 0 < args.seconds <= 3600:
        raise ValueError(f"--seconds must be above 0 and at most 3600, not {args.seconds}")
    print(f"stress: {args.procs} busy processes for {args.seconds:g} s", flush=True)
    workers = [multiprocessing.Process(target=busy_loop, args=(args.seconds,), daemon=True) for _ in range(args.procs)]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    print("stress: done", flush=True)
    return 0
