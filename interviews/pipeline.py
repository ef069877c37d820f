"""The hiring manager's queries: the pipeline by stage, and the rows the comparison and calibration analytics read.

Everything here reads storage in a few set-based queries (never one query per candidate), so the pipeline of a
thousand candidates and the calibration over ten thousand scorecards stay well under a second; the analytics
themselves are the pure functions in :mod:`interviews.comparison` and :mod:`interviews.calibration`. Only hiring
managers and admins may call these: interviewers read cards through the debrief's independence rule, candidates
never read any of this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from interviews.base import as_utc
from interviews.calibration import RatingRecord
from interviews.comparison import CardSummary, Comparison, compare_candidates
from interviews.decisions import DECIDERS, DecisionInfo, latest_decisions
from interviews.identity import Identity, require_role
from interviews.tables import (Account, Candidate, CompetencyRating, Interview, LabRun, PanelSeat, QuestionRating,
                               Scorecard)

if TYPE_CHECKING:
    from interviews.reports import CandidateFacts

STAGE_ORDER = ("applied", "screen", "onsite", "take-home", "offer", "hired", "rejected")


@dataclass(frozen=True)
class Verdict:
    """One panel seat: who, their recommendation (None until submitted) and which kit."""

    interviewer: str
    recommendation: str | None
    submitted: bool
    kit_id: str


@dataclass(frozen=True)
class LabSummary:
    runs: int
    fastest_p50_ms: float | None
    best_map50: float | None


@dataclass(frozen=True)
class PipelineRow:
    candidate_id: int
    name: str
    role_applied: str
    stage: str
    verdicts: tuple[Verdict, ...]
    lab: LabSummary
    decision: DecisionInfo | None
    extras: tuple[str, ...] = field(default_factory=tuple)  # e.g. take-home results, one line each

    @property
    def submitted(self) -> int:
        return sum(v.submitted for v in self.verdicts)

    @property
    def missing(self) -> int:
        """Scorecards still owed: panel seats without a submitted card."""
        return sum(not v.submitted for v in self.verdicts)


@dataclass(frozen=True)
class PipelineOptions:
    roles: tuple[str, ...]
    stages: tuple[str, ...]
    kits: tuple[str, ...]
    interviewers: tuple[tuple[int, str], ...]  # (account id, name) of everyone who sat on a panel


def pipeline_options(session: Session, *, viewer: Identity) -> PipelineOptions:
    """The values the pipeline's filters offer."""
    require_role(viewer, *DECIDERS)
    roles = sorted(r for r in session.scalars(select(Candidate.role_applied).distinct()) if r)
    kits = sorted(session.scalars(select(Interview.kit_id).distinct()))
    people = session.execute(select(Account.id, Account.name, Account.name_key)  # PostgreSQL: ORDER BY in DISTINCT
                             .join(PanelSeat, PanelSeat.account_id == Account.id).distinct()
                             .order_by(Account.name_key)).all()
    return PipelineOptions(tuple(roles), STAGE_ORDER, tuple(kits), tuple((i, n) for i, n, _ in people))


def pipeline_rows(session: Session, *, viewer: Identity, role: str | None = None, stage: str | None = None,
                  kit: str | None = None, interviewer_id: int | None = None,
                  extras: Mapping[int, Sequence[str]] | None = None,
                  candidate_ids: Sequence[int] | None = None) -> list[PipelineRow]:
    """Candidates in stage order (then by name) with every panel seat's recommendation, the cards still missing,
    their lab runs and the latest decision. Filters: role applied for, stage, a kit they were interviewed with,
    an interviewer on one of their panels. ``extras`` adds lines per candidate id (the take-home results,
    which live outside this package)."""
    require_role(viewer, *DECIDERS)
    query = select(Candidate.id, Candidate.name, Candidate.role_applied, Candidate.stage)
    if role:
        query = query.where(Candidate.role_applied == role)
    if candidate_ids is not None:
        query = query.where(Candidate.id.in_(list(candidate_ids)))
    if stage:
        query = query.where(Candidate.stage == stage)
    if kit:
        query = query.where(Candidate.id.in_(select(Interview.candidate_id).where(Interview.kit_id == kit)))
    if interviewer_id is not None:
        query = query.where(Candidate.id.in_(select(Interview.candidate_id).join(
            PanelSeat, PanelSeat.interview_id == Interview.id).where(PanelSeat.account_id == interviewer_id)))
    people = session.execute(query.order_by(Candidate.name_key, Candidate.id)).all()
    ids = [p.id for p in people]
    verdicts = _verdicts(session, ids)
    labs = _lab_summaries(session, ids)
    decided = latest_decisions(session, viewer=viewer, candidate_ids=ids)
    rows = [PipelineRow(p.id, p.name, p.role_applied, p.stage, tuple(verdicts.get(p.id, ())),
                        labs.get(p.id, LabSummary(0, None, None)), decided.get(p.id),
                        tuple((extras or {}).get(p.id, ()))) for p in people]
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    return sorted(rows, key=lambda r: order.get(r.stage, len(order)))


def _chunks(ids: Sequence[int], size: int = 900):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _verdicts(session: Session, ids: Sequence[int]) -> dict[int, list[Verdict]]:
    found: dict[int, list[Verdict]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Interview.candidate_id, Interview.kit_id, Account.name, Scorecard.status, Scorecard.recommendation)
            .join(PanelSeat, PanelSeat.interview_id == Interview.id).join(Account, Account.id == PanelSeat.account_id)
            .outerjoin(Scorecard, and_(Scorecard.interview_id == Interview.id,
                                       Scorecard.interviewer_id == PanelSeat.account_id))
            .where(Interview.candidate_id.in_(chunk)).order_by(Interview.id, Account.name_key))
        for cid, kit_id, name, status, recommendation in rows:
            submitted = status == "submitted"
            found[cid].append(Verdict(name, recommendation if submitted else None, submitted, kit_id))
    return found


def _lab_summaries(session: Session, ids: Sequence[int]) -> dict[int, LabSummary]:
    runs: dict[int, list[LabRun]] = defaultdict(list)
    for chunk in _chunks(ids):
        for run in session.scalars(select(LabRun).where(LabRun.candidate_id.in_(chunk))):
            runs[run.candidate_id].append(run)
    summaries = {}
    for cid, own in runs.items():
        p50 = [r.p50_ms for r in own if r.p50_ms is not None]
        acc = [r.map50 for r in own if r.map50 is not None]
        summaries[cid] = LabSummary(len(own), min(p50) if p50 else None, max(acc) if acc else None)
    return summaries


def candidate_labels(session: Session, candidate_ids: Sequence[int]) -> dict[int, str]:
    """A display label per candidate id: the name, with ``#id`` added where two chosen candidates share it."""
    names = dict(session.execute(select(Candidate.id, Candidate.name).where(Candidate.id.in_(list(candidate_ids)))
                                 ).all())
    seen: dict[str, int] = defaultdict(int)
    for name in names.values():
        seen[name] += 1
    return {cid: (name if seen[name] == 1 else f"{name} (#{cid})") for cid, name in names.items()}


def card_summaries(session: Session, *, viewer: Identity, candidate_ids: Sequence[int],
                   labels: Mapping[int, str] | None = None) -> list[CardSummary]:
    """Every submitted scorecard of these candidates as the comparison reads it (per-competency and per-question
    ratings, recommendation), labelled with ``labels`` (default: :func:`candidate_labels`)."""
    require_role(viewer, *DECIDERS)
    ids = list(dict.fromkeys(candidate_ids))
    labels = labels or candidate_labels(session, ids)
    cards = session.execute(
        select(Scorecard.id, Interview.candidate_id, Account.name, Scorecard.recommendation, Scorecard.submitted_at)
        .join(Interview, Interview.id == Scorecard.interview_id).join(Account, Account.id == Scorecard.interviewer_id)
        .where(Interview.candidate_id.in_(ids), Scorecard.status == "submitted")
        .order_by(Scorecard.submitted_at, Scorecard.id)).all()
    card_ids = [c.id for c in cards]
    comps: dict[int, dict[str, float]] = defaultdict(dict)
    questions: dict[int, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(card_ids):
        for sid, comp, rating in session.execute(select(CompetencyRating.scorecard_id, CompetencyRating.competency,
                                                        CompetencyRating.rating)
                                                 .where(CompetencyRating.scorecard_id.in_(chunk))):
            comps[sid][comp] = float(rating)
        for sid, qid, rating in session.execute(select(QuestionRating.scorecard_id, QuestionRating.question_id,
                                                       QuestionRating.rating)
                                                .where(QuestionRating.scorecard_id.in_(chunk))):
            questions[sid][qid] = rating
    return [CardSummary(labels.get(c.candidate_id, str(c.candidate_id)), c.name, c.recommendation or "",
                        comps[c.id], as_utc(c.submitted_at), questions[c.id]) for c in cards]


def compare(session: Session, *, viewer: Identity, candidate_ids: Sequence[int],
            competencies: Sequence[str] | None = None) -> tuple[Comparison, dict[int, str]]:
    """The side-by-side comparison of these candidates and the label each carries in it. Refusals (one
    candidate, more than five, nobody with a card) are :class:`~interviews.comparison.ComparisonError`."""
    ids = list(dict.fromkeys(candidate_ids))
    labels = candidate_labels(session, ids)
    cards = card_summaries(session, viewer=viewer, candidate_ids=ids, labels=labels) if len(ids) >= 2 else []
    chosen = [labels.get(cid, f"#{cid}") for cid in ids]
    return compare_candidates(chosen, cards, competencies), labels


def rating_records(session: Session, *, viewer: Identity, kit: str | None = None,
                   role: str | None = None) -> list[RatingRecord]:
    """Every competency rating of every submitted card (optionally one kit's interviews, or candidates for one
    role) as calibration records. Candidates are keyed by id, interviewers by account name (unique)."""
    require_role(viewer, *DECIDERS)
    cards = (select(Scorecard.id, Account.name, Interview.candidate_id, Scorecard.submitted_at)
             .join(Interview, Interview.id == Scorecard.interview_id).join(Account, Account.id == Scorecard.interviewer_id)
             .where(Scorecard.status == "submitted"))
    if kit:
        cards = cards.where(Interview.kit_id == kit)
    if role:
        cards = cards.join(Candidate, Candidate.id == Interview.candidate_id).where(Candidate.role_applied == role)
    # One row per card (its date parsed once), then the bare competency rows: far fewer values to convert.
    read = session.connection().execute  # Core rows: no ORM bookkeeping for tens of thousands of plain tuples
    by_card = {cid: (name, str(candidate), as_utc(at)) for cid, name, candidate, at in read(cards)}
    ids = select(cards.subquery().c.id)
    rows = read(select(CompetencyRating.scorecard_id, CompetencyRating.competency, CompetencyRating.rating)
                .where(CompetencyRating.scorecard_id.in_(ids)))
    records = []
    for card_id, competency, rating in rows:
        name, candidate, at = by_card[card_id]
        records.append(RatingRecord(name, candidate, competency, rating, at))
    return records


def report_facts(session: Session, *, viewer: Identity, candidate_ids: Sequence[int], labels: Mapping[int, str],
                 extras: Mapping[int, Sequence[str]] | None = None) -> dict[str, CandidateFacts]:
    """What the committee report prints beside each candidate's ratings: role, stage, the latest decision, lab
    figures and any ``extras`` (take-home results)."""
    from interviews.reports import CandidateFacts

    rows = {r.candidate_id: r for r in pipeline_rows(session, viewer=viewer, extras=extras,
                                                     candidate_ids=candidate_ids)}
    facts = {}
    for cid, row in rows.items():
        lab = []
        if row.lab.runs:
            parts = [f"{row.lab.runs} lab run(s)"]
            if row.lab.fastest_p50_ms is not None:
                parts.append(f"fastest p50 {row.lab.fastest_p50_ms:.2f} ms")
            if row.lab.best_map50 is not None:
                parts.append(f"best mAP@50 {row.lab.best_map50:.3f}")
            lab.append("Lab: " + ", ".join(parts))
        facts[labels.get(cid, row.name)] = CandidateFacts(
            stage=row.stage, role=row.role_applied, decision=row.decision.summary if row.decision else "",
            extra=tuple(lab) + row.extras)
    return facts


def committee_pdf(session: Session, *, viewer: Identity, candidate_ids: Sequence[int],
                  competency_titles: Mapping[str, str] | None = None, extras: Mapping[int, Sequence[str]] | None = None,
                  charts: bool = True) -> bytes:
    """The hiring committee's PDF for these candidates (the same comparison as the screen)."""
    from interviews.reports import committee_report

    comparison, labels = compare(session, viewer=viewer, candidate_ids=candidate_ids)
    facts = report_facts(session, viewer=viewer, candidate_ids=candidate_ids, labels=labels, extras=extras)
    return committee_report(comparison, facts=facts, competency_titles=competency_titles, generated_by=viewer.name,
                            charts=charts)
