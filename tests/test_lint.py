"""Static checks that catch real bugs: undefined names, unused imports, syntax errors (ruff's F and E9 rules)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_no_pyflakes_errors():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is pinned in requirements.txt; run make test to install it"
    result = subprocess.run([ruff, "check", "--select", "F,E9", "--no-cache", "."], cwd=REPO, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
