"""What each hostile file of the security corpus costs the server: prints one line per file.

    .venv/bin/python -m scripts.bench_hostile

Each file is handed to the real entry point (the bank page's import, the lab page's upload handler) in a fresh
child process that stands for the server; the figures are that process's wall clock, CPU time and peak resident
size (the lab's isolated checker is a grandchild and is not counted: that is the point). The corpus is generated
by tests/security/corpus.py; the budgets the tests hold are 5 s CPU and 300 MB for an import, 1 s CPU and 100 MB of
growth for an upload.
"""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

from tests.security.budget import measure
from tests.security.corpus import IMPORT_BOMBS, ONNX_BOMBS


def main() -> None:
    print(f"# load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"{'file':34} {'bytes':>10} {'wall s':>7} {'cpu s':>6} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for target, corpus in (("import_questions", IMPORT_BOMBS), ("upload_model", ONNX_BOMBS)):
            for case, build in corpus.items():
                filename, data = build()
                cost = measure(target, filename, data, Path(tmp))
                outcome = "refused" if cost.refused else f"NOT REFUSED {cost.error}"
                print(f"{case:34} {len(data):>10,} {cost.wall_s:>7.2f} {cost.cpu_s:>6.2f} {cost.peak_mb:>8.0f}  {outcome}")


if __name__ == "__main__":
    main()
