"""One candidate as the hiring manager reads them: every submitted card in full, the notes' evidence behind each
rating, lab runs with their figures, the stage history and the decisions.

Evidence per rating is what the interviewer stored while interviewing: their note for that question and, where
they reviewed the matcher's rubric ticks, which points they marked covered or missed (the latest set they saved).
Hiring managers and admins only (notes are read by their author and by hiring managers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews import candidates, lab_runs
from interviews.base import as_utc
from interviews.cards import ScorecardInfo
from interviews.decisions import DECIDERS, DecisionInfo, list_decisions
from interviews.identity import Identity, require_role
from interviews.tables import LabRun, Note, RubricDecision
from interviews.visibility import DebriefSeat, debrief


@dataclass(frozen=True)
class Evidence:
    """What backs one question's rating: the note, and the rubric points the interviewer ticked or not."""

    note: str = ""
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.note.strip() or self.covered or self.missed)


@dataclass(frozen=True)
class CardDetail:
    card: ScorecardInfo
    evidence: dict[str, Evidence]  # question id -> evidence (questions without any are absent)


@dataclass(frozen=True)
class LabRunFacts:
    id: int
    variant: str
    created_at: datetime
    p50_ms: float | None
    p90_ms: float | None
    map50: float | None
    map50_95: float | None
    size_bytes: int
    run_by: str
    attached_to_cards: tuple[int, ...]


@dataclass(frozen=True)
class Dossier:
    candidate: candidates.CandidateInfo
    panel: tuple[DebriefSeat, ...]
    cards: tuple[CardDetail, ...]
    lab_runs: tuple[LabRunFacts, ...]
    history: tuple[candidates.StageEventInfo, ...]
    decisions: tuple[DecisionInfo, ...]
    extras: tuple[str, ...] = field(default_factory=tuple)

    @property
    def missing(self) -> tuple[DebriefSeat, ...]:
        return tuple(seat for seat in self.panel if not seat.submitted)


def candidate_dossier(session: Session, *, viewer: Identity, candidate_id: int,
                      extras: Sequence[str] = ()) -> Dossier:
    require_role(viewer, *DECIDERS)
    report = debrief(session, viewer=viewer, candidate_id=candidate_id)
    cards = report.cards
    evidence = _evidence(session, cards)
    details = tuple(CardDetail(card, evidence.get(card.id, {})) for card in cards)
    return Dossier(report.candidate, report.panel, details, tuple(_lab_facts(session, viewer, candidate_id, cards)),
                   tuple(candidates.stage_history(session, viewer=viewer, candidate_id=candidate_id)),
                   tuple(list_decisions(session, viewer=viewer, candidate_id=candidate_id)), tuple(extras))


def _evidence(session: Session, cards: Sequence[ScorecardInfo]) -> dict[int, dict[str, Evidence]]:
    by_seat = {(c.interview_id, c.interviewer_id): c.id for c in cards}
    interview_ids = sorted({c.interview_id for c in cards})
    if not interview_ids:
        return {}
    notes: dict[tuple[int, str], str] = {}
    for row in session.scalars(select(Note).where(Note.interview_id.in_(interview_ids))):
        card_id = by_seat.get((row.interview_id, row.author_id))
        if card_id is not None:
            notes[(card_id, row.question_id)] = row.text
    ticks = _latest_ticks(session, interview_ids, by_seat)
    keys = set(notes) | set(ticks)
    found: dict[int, dict[str, Evidence]] = {}
    for card_id, qid in keys:
        covered, missed = ticks.get((card_id, qid), ((), ()))
        found.setdefault(card_id, {})[qid] = Evidence(notes.get((card_id, qid), ""), covered, missed)
    return found


def _latest_ticks(session: Session, interview_ids: Sequence[int],
                  by_seat: dict[tuple[int, int], int]) -> dict[tuple[int, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per (card, question): the point texts ticked covered and missed in the interviewer's latest saved set."""
    latest: dict[tuple[int, str], list[RubricDecision]] = {}
    rows = session.scalars(select(RubricDecision).where(RubricDecision.interview_id.in_(interview_ids))
                           .order_by(RubricDecision.id))
    for row in rows:
        card_id = by_seat.get((row.interview_id, row.reviewer_id))
        if card_id is None:
            continue
        key = (card_id, row.question_id)
        current = latest.get(key)
        if current and (current[0].created_at, current[0].text) == (row.created_at, row.text):
            current.append(row)
        else:
            latest[key] = [row]  # rows come oldest first: a later save replaces the earlier set
    return {key: (tuple(r.point_text for r in rows if r.human_covered),
                  tuple(r.point_text for r in rows if not r.human_covered)) for key, rows in latest.items()}


def _lab_facts(session: Session, viewer: Identity, candidate_id: int,
               cards: Sequence[ScorecardInfo]) -> list[LabRunFacts]:
    attached: dict[int, list[int]] = {}
    for card in cards:
        for run_id in card.lab_run_ids:
            attached.setdefault(run_id, []).append(card.id)
    runs = {run.id: run for run in lab_runs.list_lab_runs(session, viewer=viewer, candidate_id=candidate_id)}
    extra_ids = [i for i in attached if i not in runs]
    if extra_ids:
        runs.update({run.id: run for run in session.scalars(select(LabRun).where(LabRun.id.in_(extra_ids)))})
    facts = []
    for run in sorted(runs.values(), key=lambda r: (as_utc(r.created_at), r.id)):
        latency, accuracy = run.latency or {}, run.accuracy or {}
        facts.append(LabRunFacts(run.id, run.variant, as_utc(run.created_at), run.p50_ms, _num(latency.get("p90_ms")),
                                 run.map50, _num(accuracy.get("map50_95")), run.size_bytes or 0,
                                 run.owner_name or ("staff" if run.run_by_staff else "unknown"),
                                 tuple(attached.get(run.id, ()))))
    return facts


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None
