"""A candidate's practice at a glance: which questions to offer, progress per competency, weak areas, what next,
and the export of one's own history (CSV through question_bank.csv_safe, and JSON).

Pure functions over the rows :mod:`interviews.practice` returns; the planning itself is
:mod:`interviews.review` (FSRS due dates, weak areas, recommendations).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from interviews.practice import AttemptInfo, AttemptSummary
from interviews.review import AttemptFact, ReviewState, WeakArea, due_questions, recommend_next, weak_areas
from question_bank.csv_safe import write_csv
from question_bank.schema import Bank

PER_DAY_OVER = 300  # with more attempts than this, the chart shows one mean per competency and day
EXPORT_COLUMNS = ["attempt_id", "when_utc", "question_id", "question", "competency", "coverage_percent",
                  "suggested_rating", "your_rating", "time_used_s", "time_limit_s", "covered_points",
                  "total_points", "answer"]


@dataclass(frozen=True)
class HistoryOverview:
    attempts: int
    questions_tried: int
    latest_coverage: float  # mean over questions of the latest attempt's coverage
    points: tuple[tuple[datetime, str, float], ...]  # (when, competency, coverage) for the progress chart
    per_day: bool  # points are daily means per competency
    weak: tuple[WeakArea, ...]
    due: tuple[ReviewState, ...]
    next_due: datetime | None
    recommended: tuple[str, ...]


def question_pool(bank: Bank, readable: Iterable[str], *, competency: str | None = None, topic: str | None = None,
                  kit: str | None = None) -> list[str]:
    """The readable question ids (in bank order) of one competency, topic or kit; all of them with no filter."""
    allowed = set(readable)
    if kit:
        kit_obj = next((k for k in bank.kits if k.id == kit), None)
        allowed &= {qid for stage in (kit_obj.stages if kit_obj else ()) for qid in stage.questions}
    return [q.id for q in bank.questions if q.id in allowed
            and (not competency or q.competency == competency) and (not topic or topic in q.topics)]


def random_question(pool: Sequence[str], *, avoid: str | None = None, rng: random.Random | None = None) -> str | None:
    """A question id from ``pool`` at random, other than ``avoid`` when the pool has another."""
    choices = [qid for qid in pool if qid != avoid] or list(pool)
    return (rng or random).choice(choices) if choices else None


def _competency(attempt: AttemptSummary, competency_of: Mapping[str, str]) -> str:
    return attempt.competency or competency_of.get(attempt.question_id, "unknown")


def progress_points(attempts: Sequence[AttemptSummary], competency_of: Mapping[str, str],
                    per_day_over: int = PER_DAY_OVER) -> tuple[list[tuple[datetime, str, float]], bool]:
    """Chart points: one per attempt, or with many attempts one daily mean per competency; and which it is."""
    raw = [(a.created_at, _competency(a, competency_of), a.coverage) for a in attempts]
    if len(raw) <= per_day_over:
        return raw, False
    sums: dict[tuple[datetime, str], list[float]] = {}
    for when, comp, value in raw:
        day = datetime(when.year, when.month, when.day, tzinfo=timezone.utc)
        sums.setdefault((day, comp), []).append(value)
    return [(day, comp, sum(v) / len(v)) for (day, comp), v in sums.items()], True


def overview(attempts: Sequence[AttemptSummary], states: Sequence[ReviewState], competency_of: Mapping[str, str],
             *, now: datetime | None = None) -> HistoryOverview:
    """Everything the history screen shows above the list; ``competency_of`` maps the questions one may practise."""
    now = now or datetime.now(timezone.utc)
    facts = [AttemptFact(a.question_id, _competency(a, competency_of), a.coverage, a.created_at) for a in attempts]
    latest: dict[str, float] = {}
    for fact in sorted(facts, key=lambda f: f.at):
        latest[fact.question_id] = fact.coverage
    open_states = [s for s in states if s.question_id in competency_of]
    due = due_questions(open_states, now)
    upcoming = [s.due for s in open_states if s.due > now]
    points, per_day = progress_points(attempts, competency_of)
    recommended = recommend_next(states=open_states, attempts=facts, competency_of=competency_of, now=now)
    return HistoryOverview(
        attempts=len(attempts), questions_tried=len(latest),
        latest_coverage=sum(latest.values()) / len(latest) if latest else 0.0,
        points=tuple(points), per_day=per_day, weak=tuple(weak_areas(facts)), due=tuple(due),
        next_due=min(upcoming) if upcoming else None, recommended=tuple(recommended))


def _export_row(attempt: AttemptInfo, prompt_of: Mapping[str, str]) -> dict:
    s = attempt.summary
    return {"attempt_id": s.id, "when_utc": s.created_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "question_id": s.question_id, "question": prompt_of.get(s.question_id, ""), "competency": s.competency,
            "coverage_percent": round(s.coverage * 100, 1), "suggested_rating": s.suggested_rating,
            "your_rating": s.rating, "time_used_s": None if s.time_used_s is None else round(s.time_used_s, 1),
            "time_limit_s": s.time_limit_s, "covered_points": list(attempt.covered_points),
            "total_points": attempt.total_points, "answer": attempt.answer}


def export_history(attempts: Sequence[AttemptInfo], prompt_of: Mapping[str, str], fmt: str) -> str:
    """One's own history as CSV (formula-safe, empty cells empty) or JSON (with each attempt's analysis)."""
    rows = [_export_row(a, prompt_of) for a in attempts]
    if fmt == "json":
        for row, attempt in zip(rows, attempts, strict=True):
            row["analysis"] = list(attempt.analysis)
        return json.dumps({"attempts": rows}, ensure_ascii=False, indent=1)
    if fmt != "csv":
        raise ValueError(f"export format is csv or json, not {fmt!r}")
    return write_csv(EXPORT_COLUMNS, [{**row, "covered_points": " ".join(row["covered_points"])} for row in rows])
