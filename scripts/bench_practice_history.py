"""Server-side cost of a candidate's practice history with thousands of attempts.

    .venv/bin/python -m scripts.bench_practice_history [--attempts 5000] [--runs 5]

Seeds a scratch SQLite database (a temporary data folder) with one candidate and ``--attempts`` checked answers
spread over the practice questions and half a year (answers of ~700 characters with their per-point analysis,
ratings recorded through FSRS), then times, as medians over ``--runs``:

* ``compute``: load the history (summaries, review cards), the overview (weak areas, due, recommended) and the
  progress figure, serialised to JSON as Streamlit sends it;
* ``history_page``: one run of the whole practice page script in History view by Streamlit's AppTest on a warm
  session (every widget, the chart and the first page of attempts: what the server does on each visit or click);
* ``reopen_page``: the same with one attempt opened (feedback rebuilt from its analysis, answer highlighted);
* ``export_csv`` / ``export_json``: the full history export (made only when the download is clicked).

Each figure is the median wall-clock time and the median CPU time of this process (``wall_ms``, ``cpu_ms``).

Prints one JSON object with the figures, the load average and the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cpu() -> dict:
    model, flags = platform.processor(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {"model": model, "cores": os.cpu_count(),
            "features": sorted(flags & {"avx", "avx2", "avx512f", "avx512_vnni", "fma", "sse4_2"})}


def seed(sessions, bank, n: int):
    """One candidate with ``n`` attempts (and their FSRS cards); returns the candidate's session user."""
    from sqlalchemy import insert

    from interviews.accounts_admin import add_user
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE
    from interviews.review import review
    from interviews.tables import PracticeAttempt, PracticeReview
    from ui.auth import User

    rng = random.Random(9)
    questions = [q for q in bank.questions if q.visibility.value == "practice"]
    start = datetime.now(timezone.utc) - timedelta(days=180)
    rows, cards = [], {}
    for i in range(n):
        q = rng.choice(questions)
        when = start + timedelta(minutes=i * 180 * 24 * 60 / n)
        covered = [p for p in q.rubric if rng.random() < 0.3 + 0.5 * i / n]
        answer = (q.model_answer * 2)[:700]
        analysis = [{"index": j, "point_id": p.id, "covered": p in covered, "probability": 0.8 if p in covered else 0.2,
                     "span": [j * 60, j * 60 + 50] if p in covered else None, "reason": None}
                    for j, p in enumerate(q.rubric)]
        rating = 1 + min(3, int(4 * len(covered) / len(q.rubric)))
        rows.append({"created_at": when, "candidate": "Bench Candidate", "question_id": q.id,
                     "competency": q.competency, "answer": answer, "covered_points": [p.id for p in covered],
                     "total_points": len(q.rubric), "suggested_rating": rating, "rating": rating,
                     "coverage": len(covered) / len(q.rubric), "analysis": analysis, "time_used_s": 120.0})
        cards[q.id] = review(cards.get(q.id), q.id, rating, when)
    with session_scope(sessions) as s:
        who = add_user(s, actor=COMMAND_LINE, name="Bench Candidate", password="a long bench password 42",
                       role="candidate")
        for row in rows:
            row["account_id"] = who.account_id
        s.execute(insert(PracticeAttempt), rows)
        s.execute(insert(PracticeReview), [{"account_id": who.account_id, "question_id": st.question_id,
                                            "card": st.card, "due": st.due, "reviews": st.reviews,
                                            "updated_at": st.due} for st in cards.values()])
    return User(name=who.name, role="candidate", id=who.account_id)


def timed(fn, runs: int) -> dict:
    """Median wall-clock and CPU milliseconds of ``fn`` (CPU: this process, all threads: it barely moves when
    other programs load the machine, the wall clock does)."""
    wall, cpu_ms = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
    return {"wall_ms": round(statistics.median(wall), 1), "cpu_ms": round(statistics.median(cpu_ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        os.environ.update({"VIS_DATA_DIR": data, "HF_HUB_OFFLINE": "1"})
        os.environ.pop("VIS_DATABASE_URL", None)
        print(json.dumps(measure(args.attempts, args.runs)))


def measure(n: int, runs: int) -> dict:
    from streamlit.testing.v1 import AppTest

    from interviews.charts import progress_figure
    from interviews.db import session_scope
    from interviews.practice import full_history, list_attempts, review_states
    from interviews.practice_history import export_history, overview
    from ui.services import get_services
    from ui.state import USER

    svc = get_services()
    user = seed(svc.sessions, svc.bank, n)
    comp = {q.id: q.competency for q in svc.bank.questions if q.visibility.value == "practice"}

    def compute():
        with session_scope(svc.sessions) as s:
            view = overview(list_attempts(s, viewer=user.identity), review_states(s, viewer=user.identity), comp)
        progress_figure(list(view.points)).to_json()

    at = AppTest.from_file(str(REPO / "views" / "practice.py"), default_timeout=120)
    at.session_state[USER] = user
    at.session_state["practice.view"] = "History"

    def rerun():  # one script run on a warm session, as the server runs it on every interaction
        at.run()
        assert not at.exception, at.exception
        assert any(m.label == "Attempts" and m.value == f"{n:,}" for m in at.metric)

    def export(fmt: str):
        with session_scope(svc.sessions) as s:
            export_history(full_history(s, viewer=user.identity), {}, fmt)

    rerun()  # warm: imports, bank, services, Streamlit's component discovery (once per server)
    history = timed(rerun, runs)
    with session_scope(svc.sessions) as s:
        at.session_state["practice.opened"] = list_attempts(s, viewer=user.identity)[0].id
    rerun()
    return {"attempts": n, "runs": runs, "compute": timed(compute, runs), "history_page": history,
            "reopen_page": timed(rerun, runs), "export_csv": timed(lambda: export("csv"), runs),
            "export_json": timed(lambda: export("json"), runs),
            "load_average": [round(x, 2) for x in os.getloadavg()], "cpu": cpu()}


if __name__ == "__main__":
    main()
