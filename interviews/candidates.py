"""Candidates: who is being hired, for which role, at which stage, with every stage change kept.

Candidates are records chosen from a list (never a typed name); staff create and move them. A candidate account
may be linked to its record; a candidate sees only their own record, and never a stage note about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from interviews.base import as_utc
from interviews.errors import Conflict, Invalid, NotFound
from interviews.identity import STAFF_ROLES, Identity, clean_name, name_key, require_role
from interviews.tables import Account, Candidate, StageEvent

STAGES = ("applied", "screen", "onsite", "take-home", "offer", "hired", "rejected")
STAGE_LABELS = {"applied": "Applied", "screen": "Screen", "onsite": "Onsite", "take-home": "Take-home",
                "offer": "Offer", "hired": "Hired", "rejected": "Rejected"}
MANAGING_ROLES = ("admin", "manager")


@dataclass(frozen=True)
class CandidateInfo:
    id: int
    name: str
    email: str
    role_applied: str
    stage: str
    account_id: int | None
    created_at: datetime
    demo: bool

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


@dataclass(frozen=True)
class StageEventInfo:
    from_stage: str | None
    to_stage: str
    actor_name: str
    at: datetime
    reason: str


def info(row: Candidate, viewer: Identity | None = None) -> CandidateInfo:
    """The record as ``viewer`` may see it: an email address only for managers, admins and the candidate
    themselves (interviewers get an empty one); no viewer means a trusted caller."""
    email = row.email if viewer is None or _may_read_contact(viewer, row) else ""
    return CandidateInfo(row.id, row.name, email, row.role_applied, row.stage, row.account_id,
                         as_utc(row.created_at), row.demo)


def _may_read_contact(viewer: Identity, row: Candidate) -> bool:
    if viewer.active_role in MANAGING_ROLES:
        return True
    return viewer.active_role == "candidate" and row.account_id == viewer.account_id


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise Invalid(f"Unknown stage {stage!r}: choose one of {', '.join(STAGES)}.")
    return stage


def load(session: Session, candidate_id: int) -> Candidate:
    row = session.get(Candidate, candidate_id)
    if row is None:
        raise NotFound("There is no such candidate: choose one from the list.")
    return row


def create_candidate(session: Session, *, actor: Identity, name: str, email: str = "", role_applied: str = "",
                     stage: str = "applied", account_id: int | None = None, demo: bool = False) -> CandidateInfo:
    require_role(actor, *MANAGING_ROLES)
    name = clean_name(name, what="candidate's name")
    email = " ".join(email.split())[:200]
    if email and ("@" not in email or " " in email):
        raise Invalid("That email address does not look right (it needs an @ and no spaces).")
    row = Candidate(name=name, name_key=name_key(name)[:120], email=email, role_applied=" ".join(role_applied.split())
                    [:200], stage=_check_stage(stage), account_id=None, demo=demo)
    session.add(row)
    session.flush()
    session.add(StageEvent(candidate_id=row.id, from_stage=None, to_stage=stage, actor_id=actor.account_id or None,
                           actor_name=actor.name, reason="Added to the pipeline."))
    if account_id is not None:
        _link(session, row, account_id)
    session.flush()
    return info(row)


def _link(session: Session, row: Candidate, account_id: int) -> None:
    account = session.get(Account, account_id)
    if account is None or account.role != "candidate":
        raise Invalid("Only a candidate account can be linked to a candidate.")
    taken = session.scalar(select(Candidate.id).where(Candidate.account_id == account_id, Candidate.id != row.id))
    if taken is not None:
        raise Conflict("That account is already linked to another candidate.")
    row.account_id = account_id
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("That account was linked to another candidate a moment ago.") from None


def link_account(session: Session, *, actor: Identity, candidate_id: int, account_id: int | None) -> CandidateInfo:
    require_role(actor, *MANAGING_ROLES)
    row = load(session, candidate_id)
    if account_id is None:
        row.account_id = None
    else:
        _link(session, row, account_id)
    session.flush()
    return info(row)


def list_candidates(session: Session, *, viewer: Identity, stage: str | None = None) -> list[CandidateInfo]:
    """Staff see every candidate (by name); a candidate sees only the record linked to their account."""
    query = select(Candidate).order_by(Candidate.name_key, Candidate.id)
    if stage is not None:
        query = query.where(Candidate.stage == _check_stage(stage))
    if viewer.active_role == "candidate":
        query = query.where(Candidate.account_id == viewer.account_id)
    else:
        require_role(viewer, *STAFF_ROLES)
    return [info(row, viewer) for row in session.scalars(query)]


def get_candidate(session: Session, *, viewer: Identity, candidate_id: int) -> CandidateInfo:
    row = load(session, candidate_id)
    if viewer.active_role == "candidate" and row.account_id == viewer.account_id:
        return info(row, viewer)
    require_role(viewer, *STAFF_ROLES)
    return info(row, viewer)


def find_candidate_by_name(session: Session, name: str) -> CandidateInfo | None:
    """The one candidate whose name matches ``name`` after NFKC normalisation and case folding; None when no record
    or more than one has that name (a command line must not guess between namesakes)."""
    rows = session.scalars(select(Candidate).where(Candidate.name_key == name_key(name)[:120]).limit(2)).all()
    return info(rows[0]) if len(rows) == 1 else None


def candidate_for_account(session: Session, account_id: int) -> CandidateInfo | None:
    row = session.scalar(select(Candidate).where(Candidate.account_id == account_id))
    return info(row) if row else None


def move_stage(session: Session, *, actor: Identity | None, candidate_id: int, stage: str,
               reason: str = "") -> CandidateInfo:
    """Move a candidate to ``stage`` and record who, when and why. ``actor=None`` is the system itself (for
    example a take-home invitation moving the candidate to take-home)."""
    if actor is not None:
        require_role(actor, *MANAGING_ROLES)
    row = load(session, candidate_id)
    _check_stage(stage)
    if row.stage == stage:
        return info(row)
    session.add(StageEvent(candidate_id=row.id, from_stage=row.stage, to_stage=stage,
                           actor_id=(actor.account_id or None) if actor else None,
                           actor_name=actor.name if actor else "system", reason=reason.strip()[:2000]))
    row.stage = stage
    session.flush()
    return info(row)


def stage_history(session: Session, *, viewer: Identity, candidate_id: int) -> list[StageEventInfo]:
    """Oldest first. Staff only. Who moved the candidate and why (a hiring decision's outcome and reason) is for
    managers and admins: interviewers see the stages and dates with the actor and reason left empty, so nothing
    of a decision reaches someone who may still owe an independent scorecard."""
    require_role(viewer, *STAFF_ROLES)
    load(session, candidate_id)
    rows = session.scalars(select(StageEvent).where(StageEvent.candidate_id == candidate_id)
                           .order_by(StageEvent.at, StageEvent.id))
    managing = viewer.active_role in MANAGING_ROLES
    return [StageEventInfo(r.from_stage, r.to_stage, r.actor_name if managing else "", as_utc(r.at),
                           r.reason if managing else "") for r in rows]
