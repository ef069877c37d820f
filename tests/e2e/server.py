"""Start the real app on a free local port, and a Debian chromium driven by Playwright (used by tests and benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


_DATA_DIRS: dict[str, Path] = {}


def data_dir_of(url: str) -> Path:
    """The data folder of an app started by :func:`running_app` (tests seed its database directly)."""
    return _DATA_DIRS[url]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app at {url} did not become healthy within {timeout:.0f} s")


@contextmanager
def running_app(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a freshly started app whose data lives in ``data_dir``."""
    port = free_port()
    env = {**os.environ, "VIS_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    env.pop("VIS_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # one lab queue worker beside the app, as `make run` starts it (lab runs and take-home grading are jobs)
    worker = subprocess.Popen([sys.executable, "-m", "lab", "worker", "--parent-pid", str(os.getpid())], cwd=REPO,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _DATA_DIRS[url] = Path(data_dir)
    try:
        wait_healthy(url)
        yield url
    finally:
        _DATA_DIRS.pop(url, None)
        worker.terminate()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
