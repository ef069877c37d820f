"""Time from launching the server to the first page rendered in a real browser.

    .venv/bin/python -m scripts.bench_startup [--runs N]

Each run starts `streamlit run app.py` on a free port with a fresh data folder, polls until the server accepts a
connection, opens the home page in Debian's chromium and stops the clock when the page's title heading is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from tests.e2e.server import REPO, chromium, free_port


def one_run(browser) -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "VIS_DATA_DIR": data, "HF_HUB_OFFLINE": "1"}
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                    break
                except OSError:
                    if time.perf_counter() - t0 > 60:
                        raise RuntimeError("server did not start") from None
                    time.sleep(0.02)
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("heading", name="Vision Interview Studio").wait_for(timeout=60_000)
            elapsed = time.perf_counter() - t0
            page.close()
            return elapsed
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with chromium() as browser:
        times = [one_run(browser) for _ in range(args.runs)]
    print(json.dumps({"runs": len(times), "median_s": round(statistics.median(times), 2),
                      "max_s": round(max(times), 2), "all_s": [round(t, 2) for t in times]}))


if __name__ == "__main__":
    main()
