"""``python -m interviews bench`` and ``python -m interviews report``: the manager analytics measured at scale,
and the committee PDF from the command line.

    python -m interviews bench --scorecards 10000 --json
        seeds a scratch SQLite database (a temporary folder, deleted afterwards) with that many submitted
        scorecards across at least 500 candidates and 30 interviewers (simulated panels with known leniency), then
        prints the server-side medians of the manager's screens: the 5-candidate comparison, the calibration
        analytics, the pipeline, one candidate's dossier and the per-question CSV of 5 candidates.
    python -m interviews report CANDIDATE... --pdf OUT.pdf
        the hiring committee's PDF for 2-5 candidates (ids, or exact names) of the configured database.

The scratch seed writes rows in bulk (it measures reading, not the scorecard form); every figure is the median of
``--repeats`` runs, each in a new database session. A benchmark prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from interviews.base import utcnow
from interviews.errors import Invalid
from interviews.identity import COMMAND_LINE, Identity, name_key
from interviews.tables import (Account, Candidate, CompetencyRating, Interview, PanelSeat, QuestionRating,
                               Scorecard)

MANAGER = Identity(name="bench manager", role="manager", account_id=1)
INTERVIEWERS = 30
KIT = "edge-embedded-cv"
RECOMMENDATION_FOR = {1: "strong_no", 2: "no", 3: "yes", 4: "strong_yes"}


def _kit_questions() -> list[tuple[str, str]]:
    """(question id, competency) pairs of the demo kit, or a made-up set when the bank cannot be read."""
    try:
        from question_bank.loader import load_bank
        from settings import get_settings

        bank = load_bank(get_settings().bank_dir)
        kit = next(k for k in bank.kits if k.id == KIT)
        ids = [qid for stage in kit.stages for qid in stage.questions]
        return [(qid, bank.question(qid).competency) for qid in dict.fromkeys(ids)]
    except Exception:  # the bench still runs on a broken checkout's bank
        return [(f"q{i}", f"competency_{i % 6}") for i in range(24)]


def _bulk(session: Session, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start:start + 5000])


def _people(n_candidates: int, now) -> tuple[list[dict], list[dict]]:
    accounts = [{"id": 1, "name": MANAGER.name, "name_key": name_key(MANAGER.name), "role": "manager",
                 "password_hash": "!", "created_at": now}]
    accounts += [{"id": 2 + i, "name": f"Interviewer {i + 1:02d}", "name_key": f"interviewer {i + 1:02d}",
                  "role": "interviewer", "password_hash": "!", "created_at": now} for i in range(INTERVIEWERS)]
    stages = ["screen", "onsite", "take-home", "offer", "applied"]
    people = [{"id": 1 + c, "name": f"Candidate {c + 1:04d}", "name_key": f"candidate {c + 1:04d}", "email": "",
               "role_applied": ["Edge CV engineer", "ML platform engineer"][c % 2], "stage": stages[c % len(stages)],
               "created_at": now, "demo": False} for c in range(n_candidates)]
    return accounts, people


def _card_rows(card_id: int, interviewer: int, at, ratings: dict[str, tuple[str, int]],
               rows: dict[str, list[dict]]) -> None:
    """One submitted card's rows (card, question ratings, competency ratings) appended to ``rows``."""
    rows["q"] += [{"scorecard_id": card_id, "question_id": qid, "competency": comp, "rating": r, "suggested": None}
                  for qid, (comp, r) in ratings.items()]
    by_comp: dict[str, list[int]] = {}
    for comp, r in ratings.values():
        by_comp.setdefault(comp, []).append(r)
    rows["c"] += [{"scorecard_id": card_id, "competency": comp, "derived": statistics.mean(v),
                   "rating": min(4, max(1, int(statistics.mean(v) + 0.5))), "reason": ""}
                  for comp, v in by_comp.items()]
    mean_rating = round(statistics.mean(r for _, r in ratings.values()))
    rows["cards"].append({"id": card_id, "interview_id": card_id, "interviewer_id": interviewer, "status": "submitted",
                          "recommendation": RECOMMENDATION_FOR[mean_rating], "rationale": "bench card",
                          "lab_run_ids": [], "created_at": at, "submitted_at": at, "version": 2})


def seed_scratch(sessions: sessionmaker[Session], *, scorecards: int, seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated database with ``scorecards`` submitted cards; returns the counts. Each candidate
    is seen by up to 6 of the 30 interviewers; a rating is the candidate's level plus the interviewer's leniency
    plus noise, rounded into 1-4."""
    rng = random.Random(seed)
    questions = _kit_questions()
    n_candidates = max(500, scorecards // 20)
    now = utcnow()
    offsets = [rng.gauss(0, 0.4) for _ in range(INTERVIEWERS)]
    pools = [rng.sample(range(INTERVIEWERS), 6) for _ in range(n_candidates)]
    levels = [rng.uniform(1.3, 3.7) for _ in range(n_candidates)]
    rows: dict[str, list[dict]] = {"interviews": [], "seats": [], "cards": [], "q": [], "c": []}
    for card_id in range(1, scorecards + 1):
        cand = (card_id - 1) % n_candidates
        who = pools[cand][(card_id - 1) // n_candidates % 6] + 2
        at = now - timedelta(days=rng.uniform(0, 180))
        rows["interviews"].append({"id": card_id, "candidate_id": cand + 1, "kit_id": KIT, "stage": "onsite",
                                   "status": "submitted", "created_at": at, "legacy": False})
        rows["seats"].append({"interview_id": card_id, "account_id": who})
        ratings = {qid: (comp, min(4, max(1, round(levels[cand] + offsets[who - 2] + rng.gauss(0, 0.5)))))
                   for qid, comp in rng.sample(questions, min(5, len(questions)))}
        _card_rows(card_id, who, at, ratings, rows)
    accounts, people = _people(n_candidates, now)
    with sessions() as s:
        for table, key in ((Account, None), (Candidate, None), (Interview, "interviews"), (PanelSeat, "seats"),
                           (Scorecard, "cards"), (QuestionRating, "q"), (CompetencyRating, "c")):
            _bulk(s, table, accounts if table is Account else people if table is Candidate else rows[key])
        s.commit()
    return {"scorecards": scorecards, "candidates": n_candidates, "interviewers": INTERVIEWERS,
            "question_ratings": len(rows["q"]), "competency_ratings": len(rows["c"])}


def _medians(sessions: sessionmaker[Session], name: str, work: Callable[[Session, int], object],
             repeats: int) -> dict[str, float]:
    """``name_ms``: median wall-clock milliseconds; ``name_cpu_ms``: median CPU milliseconds of this process (on a
    shared machine the wall clock also counts the time other processes held the cores)."""
    wall, cpu = [], []
    for run in range(repeats):
        with sessions() as s:
            start, start_cpu = time.perf_counter(), time.process_time()
            work(s, run)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return {f"{name}_ms": round(statistics.median(wall), 1), f"{name}_cpu_ms": round(statistics.median(cpu), 1)}


def measure(sessions: sessionmaker[Session], *, candidates: int, repeats: int) -> dict[str, float]:
    """Median milliseconds of each manager screen's server-side work."""
    from interviews.calibration import calibrate
    from interviews.dossier import candidate_dossier
    from interviews.pipeline import compare, pipeline_rows, rating_records
    from interviews.rating_csv import question_csv
    from interviews.visibility import visible_scorecards

    rng = random.Random(11)
    picks = [rng.sample(range(1, candidates + 1), 5) for _ in range(repeats)]

    def csv_of_five(s: Session, run: int) -> str:
        cards = [c for cid in picks[run] for c in visible_scorecards(s, viewer=MANAGER, candidate_id=cid,
                                                                      submitted_only=True)]
        return question_csv(cards)

    work: dict[str, Callable[[Session, int], object]] = {
        "compare": lambda s, run: compare(s, viewer=MANAGER, candidate_ids=picks[run]),
        "calibration": lambda s, _run: calibrate(rating_records(s, viewer=MANAGER)),
        "pipeline": lambda s, _run: pipeline_rows(s, viewer=MANAGER),
        "candidate": lambda s, run: candidate_dossier(s, viewer=MANAGER, candidate_id=picks[run][0]),
        "csv": csv_of_five,
    }
    figures: dict[str, float] = {}
    for name, job in work.items():
        figures.update(_medians(sessions, name, job, repeats))
    return figures


def _machine_facts() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "cpu": model, "cpu_count": os.cpu_count()}


def run_bench(*, scorecards: int, repeats: int = 5) -> dict[str, object]:
    from interviews.db import make_engine, migrate, session_factory

    if scorecards < 1:
        raise Invalid("--scorecards must be at least 1.")
    with tempfile.TemporaryDirectory(prefix="vis-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        sessions = session_factory(engine)
        started = time.perf_counter()
        counts = seed_scratch(sessions, scorecards=scorecards)
        seeded_s = round(time.perf_counter() - started, 1)
        figures = measure(sessions, candidates=counts["candidates"], repeats=repeats)
        engine.dispose()
    return {**figures, **counts, "repeats": repeats, "seed_s": seeded_s, "database": "sqlite (temporary file)",
            **_machine_facts()}


def _resolve(session: Session, wanted: list[str]) -> list[int]:
    """Candidate ids from ids (``12`` or ``#12``) or exact names; an unknown or ambiguous name is refused."""
    ids = []
    for raw in wanted:
        text = raw.strip().removeprefix("#")
        if text.isdigit():
            if session.get(Candidate, int(text)) is None:
                raise Invalid(f"There is no candidate #{text}.")
            ids.append(int(text))
            continue
        found = list(session.scalars(select(Candidate.id).where(Candidate.name_key == name_key(raw))))
        if not found:
            raise Invalid(f"No candidate is named {raw!r}.")
        if len(found) > 1:
            raise Invalid(f"{len(found)} candidates are named {raw!r}: name them by id ({', '.join(map(str, found))}).")
        ids.append(found[0])
    return ids


def cmd_bench(args) -> str:
    result = run_bench(scorecards=args.scorecards, repeats=args.repeats)
    if args.json:
        return json.dumps(result)
    return "\n".join(f"{key:20} {value}" for key, value in result.items())


def cmd_report(args) -> str:
    from interviews.comparison import ComparisonError
    from interviews.db import make_engine, migrate, session_factory, session_scope
    from interviews.pipeline import committee_pdf
    from settings import get_settings

    settings = get_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    with session_scope(session_factory(engine)) as s:
        ids = _resolve(s, args.candidates)
        try:
            pdf = committee_pdf(s, viewer=COMMAND_LINE, candidate_ids=ids, competency_titles=_competency_titles(),
                                charts=not args.no_charts)
        except ComparisonError as exc:
            raise Invalid(str(exc)) from None
    Path(args.pdf).write_bytes(pdf)
    return f"Wrote {args.pdf} ({len(pdf):,} bytes, {len(ids)} candidates)."


def _competency_titles() -> dict[str, str]:
    try:
        from question_bank.loader import load_bank
        from settings import get_settings

        return {c.id: c.name for c in load_bank(get_settings().bank_dir).competencies}
    except Exception:  # titles are a nicety: the report prints ids when the bank cannot be read
        return {}


def add_commands(sub) -> None:
    """Register ``bench`` and ``report`` on ``python -m interviews``'s sub-command parser."""
    bench = sub.add_parser("bench", help="measure the manager's comparison, calibration and pipeline at scale")
    bench.add_argument("--scorecards", type=int, default=10_000, help="submitted scorecards to seed (default 10000)")
    bench.add_argument("--repeats", type=int, default=5, help="runs per figure; the median is printed")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(run=cmd_bench)
    report = sub.add_parser("report", help="the hiring committee PDF for 2-5 candidates")
    report.add_argument("candidates", nargs="+", metavar="CANDIDATE", help="candidate id (12 or #12) or exact name")
    report.add_argument("--pdf", required=True, metavar="OUT.pdf", help="where to write the PDF")
    report.add_argument("--no-charts", action="store_true", help="tables only (no browser needed)")
    report.set_defaults(run=cmd_report)
