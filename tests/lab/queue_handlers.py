"""Job handlers the queue tests submit (the worker imports them by name, as it would a real handler)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def answer(payload: dict, progress) -> dict:
    progress(0.5, "half way")
    return {"answer": payload["x"] * 2, "pid": os.getpid()}


def fail(payload: dict, progress) -> dict:
    raise ValueError("the input was bad: " + payload.get("why", "no reason"))


def slow(payload: dict, progress) -> dict:
    """Mark that it started (a file), report progress, then sleep: the test kills the worker meanwhile."""
    Path(payload["marker"]).write_text(str(os.getpid()))
    for step in range(int(payload.get("steps", 10))):
        progress(step / 10, f"step {step}")
        time.sleep(float(payload.get("step_s", 0.5)))
    return {"finished_by": os.getpid()}
