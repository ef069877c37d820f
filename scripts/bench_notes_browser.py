"""How long typed notes stay only in the browser: from the last keystroke of a burst to the text being in the database.

Starts the real app and Debian's chromium, opens an interview, then types ``--bursts`` short bursts into the notes box
(a pause after each) and polls the database until the burst is stored. Prints the percentiles of that window and of a
long unbroken burst's oldest unsaved keystroke, with the load average (the machine may be shared).

    python -m scripts.bench_notes_browser --bursts 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stored_text(sessions, viewer, interview_id: int, question_id: str) -> str:
    from interviews.db import session_scope
    from interviews.notes import load_note

    with session_scope(sessions) as session:
        return load_note(session, viewer=viewer, interview_id=interview_id, question_id=question_id).text


def _wait_stored(sessions, viewer, interview_id: int, question_id: str, expected: str, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _stored_text(sessions, viewer, interview_id, question_id) == expected:
            return time.monotonic()
        time.sleep(0.02)
    raise TimeoutError("the notes did not reach the database in time")


def _setup(url: str):
    from interviews.identity import Identity
    from tests.e2e.helpers import _sessions, ensure_account, ensure_candidate

    account_id = ensure_account(url, "Bench Interviewer", "interviewer")
    candidate_id = ensure_candidate(url, "Bench Candidate")
    viewer = Identity(name="Bench Interviewer", role="interviewer", account_id=account_id)
    from interviews.db import session_scope
    from interviews.schedule import create_interview

    sessions = _sessions(url)
    with session_scope(sessions) as session:
        interview_id = create_interview(session, actor=viewer, candidate_id=candidate_id, kit_id="edge-embedded-cv").id
    return sessions, viewer, interview_id


def run(bursts: int) -> dict[str, float]:
    from playwright.sync_api import expect

    from tests.e2e.helpers import sign_in
    from tests.e2e.server import chromium, running_app

    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp)) as url, chromium() as browser:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        sign_in(page, url, "Bench Interviewer", "Interviewer")
        sessions, viewer, interview_id = _setup(url)
        page.goto(f"{url}/interview?interview={interview_id}")
        box = page.get_by_test_id("visNotes")
        expect(box).to_be_visible()
        question_id = page.url.split("question=")[1].split("&")[0]
        box.click()
        windows, text = [], ""
        for i in range(bursts):
            burst = f"burst {i}: TRT fp16, p95 12 ms on Orin. "
            box.press_sequentially(burst, delay=25)
            last_key = time.monotonic()
            text += burst
            windows.append(_wait_stored(sessions, viewer, interview_id, question_id, text) - last_key)
        lags = _unbroken_typing(box, sessions, viewer, interview_id, question_id, text)
    return {"bursts": bursts, "p50_s": statistics.median(windows), "p95_s": _percentile(windows, 0.95),
            "max_s": max(windows), "typing_p50_s": statistics.median(lags), "typing_max_s": max(lags)}


def _unbroken_typing(box, sessions, viewer, interview_id: int, question_id: str, before: str) -> list[float]:
    """Type for about 10 s without a pause while a thread polls the database; for each keystroke, how long until the
    database held it (the window a crash at that moment would lose)."""
    import threading

    stored: list[tuple[float, int]] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            stored.append((time.monotonic(), len(_stored_text(sessions, viewer, interview_id, question_id))))
            time.sleep(0.02)

    typed: list[tuple[float, int]] = []
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    length = len(before)
    for _ in range(40):
        chunk = "unbroken "
        box.press_sequentially(chunk, delay=25)
        length += len(chunk)
        typed.append((time.monotonic(), length))
    _wait_stored(sessions, viewer, interview_id, question_id, before + "unbroken " * 40)
    time.sleep(0.1)
    stop.set()
    poller.join()
    return [next(t for t, n in stored if n >= want and t >= at) - at for at, want in typed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bursts", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()
    figures = run(args.bursts)
    print(f"last keystroke -> stored, {figures['bursts']} bursts: p50 {figures['p50_s']:.2f} s, "
          f"p95 {figures['p95_s']:.2f} s, max {figures['max_s']:.2f} s "
          f"(debounce 1.0 s, at most 1.5 s between sends while typing)")
    print(f"unbroken typing (~10 s, no pause): keystroke -> stored p50 {figures['typing_p50_s']:.2f} s, "
          f"max {figures['typing_max_s']:.2f} s")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
