"""Interviews: one candidate, one kit (or one stage of it), a panel of interviewers, a time and a status.

Status goes planned -> in_progress (the first note or draft) -> submitted (every panel member submitted their
scorecard). Interviewers see the interviews they sit on; hiring managers and admins see all; candidates none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interviews import candidates
from interviews.base import as_utc
from interviews.errors import Invalid, NotAllowed, NotFound
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import Account, Candidate, Interview, PanelSeat, Scorecard

STATUSES = ("planned", "in_progress", "submitted")
STATUS_LABELS = {"planned": "Planned", "in_progress": "In progress", "submitted": "Submitted"}
PANEL_ROLES = ("admin", "manager", "interviewer")


@dataclass(frozen=True)
class PanelMember:
    account_id: int
    name: str
    submitted: bool


@dataclass(frozen=True)
class InterviewInfo:
    id: int
    candidate_id: int
    candidate_name: str
    kit_id: str
    stage: str
    kit_stage: str | None
    scheduled_at: datetime | None
    status: str
    legacy: bool
    panel: tuple[PanelMember, ...]

    def on_panel(self, account_id: int) -> bool:
        return any(m.account_id == account_id for m in self.panel)


def _panel(session: Session, interview_id: int) -> tuple[PanelMember, ...]:
    rows = session.execute(
        select(Account.id, Account.name, Scorecard.status)
        .join(PanelSeat, PanelSeat.account_id == Account.id)
        .outerjoin(Scorecard, (Scorecard.interview_id == PanelSeat.interview_id)
                   & (Scorecard.interviewer_id == Account.id))
        .where(PanelSeat.interview_id == interview_id).order_by(Account.name_key))
    return tuple(PanelMember(account_id, name, status == "submitted") for account_id, name, status in rows)


def info(session: Session, row: Interview) -> InterviewInfo:
    candidate = session.get(Candidate, row.candidate_id)
    return InterviewInfo(row.id, row.candidate_id, candidate.name if candidate else "", row.kit_id, row.stage,
                         row.kit_stage, as_utc(row.scheduled_at), row.status, row.legacy, _panel(session, row.id))


def _check_kit(bank, kit_id: str, kit_stage: str | None) -> None:
    if bank is None:
        return
    kit = next((k for k in bank.kits if k.id == kit_id), None)
    if kit is None:
        raise Invalid("There is no such interview kit: choose one from the list.")
    if kit_stage is not None and kit_stage not in [s.name for s in kit.stages]:
        raise Invalid(f"The kit {kit.title!r} has no stage {kit_stage!r}.")


def _check_panelist(session: Session, account_id: int) -> None:
    account = session.get(Account, account_id)
    if account is None or account.disabled or account.role not in PANEL_ROLES or not account.confirmed:
        raise Invalid("Only confirmed staff accounts can sit on an interview panel.")


def create_interview(session: Session, *, actor: Identity, candidate_id: int, kit_id: str, stage: str | None = None,
                     interviewer_ids: Sequence[int] = (), scheduled_at: datetime | None = None,
                     kit_stage: str | None = None, bank=None) -> InterviewInfo:
    """Schedule (or start) an interview. An interviewer may start one only with themselves on the panel; with no
    panel given, the actor sits on it. ``bank`` (the question bank) is used to check the kit when given."""
    require_role(actor, *PANEL_ROLES)
    candidate = candidates.load(session, candidate_id)
    panel = list(dict.fromkeys(interviewer_ids or [actor.account_id]))
    if actor.active_role == "interviewer" and actor.account_id not in panel:
        raise NotAllowed("Interviewers can start interviews they sit on themselves.")
    _check_kit(bank, kit_id, kit_stage)
    stage = stage or (candidate.stage if candidate.stage in ("screen", "onsite", "take-home") else "screen")
    if stage not in candidates.STAGES:
        raise Invalid(f"Unknown stage {stage!r}.")
    row = Interview(candidate_id=candidate.id, kit_id=kit_id, stage=stage, kit_stage=kit_stage,
                    scheduled_at=scheduled_at, status="planned", legacy=False)
    session.add(row)
    session.flush()
    for account_id in panel:
        _check_panelist(session, account_id)
        session.add(PanelSeat(interview_id=row.id, account_id=account_id))
    session.flush()
    return info(session, row)


def add_interviewer(session: Session, *, actor: Identity, interview_id: int, account_id: int) -> InterviewInfo:
    require_role(actor, "admin", "manager")
    row = load(session, interview_id)
    _check_panelist(session, account_id)
    if session.get(PanelSeat, (interview_id, account_id)) is None:
        session.add(PanelSeat(interview_id=interview_id, account_id=account_id))
        if row.status == "submitted":
            row.status = "in_progress"
        session.flush()
    return info(session, row)


def load(session: Session, interview_id: int) -> Interview:
    row = session.get(Interview, interview_id)
    if row is None:
        raise NotFound("There is no such interview.")
    return row


def is_on_panel(session: Session, interview_id: int, account_id: int) -> bool:
    return session.get(PanelSeat, (interview_id, account_id)) is not None


def get_interview(session: Session, *, viewer: Identity, interview_id: int) -> InterviewInfo:
    require_role(viewer, *STAFF_ROLES)
    row = load(session, interview_id)
    if viewer.active_role == "interviewer" and not is_on_panel(session, interview_id, viewer.account_id):
        raise NotAllowed("You are not on this interview's panel.")
    return info(session, row)


def list_interviews(session: Session, *, viewer: Identity, candidate_id: int | None = None,
                    status: str | None = None) -> list[InterviewInfo]:
    """Newest first: an interviewer's own panels; every interview for hiring managers and admins."""
    require_role(viewer, *STAFF_ROLES)
    query = select(Interview).order_by(Interview.scheduled_at.desc(), Interview.id.desc())
    if viewer.active_role == "interviewer":
        query = query.join(PanelSeat, PanelSeat.interview_id == Interview.id).where(
            PanelSeat.account_id == viewer.account_id)
    if candidate_id is not None:
        query = query.where(Interview.candidate_id == candidate_id)
    if status is not None:
        query = query.where(Interview.status == status)
    return [info(session, row) for row in session.scalars(query)]


def mark_in_progress(session: Session, interview_id: int) -> None:
    session.execute(update(Interview).where(Interview.id == interview_id, Interview.status == "planned")
                    .values(status="in_progress"))


def refresh_status(session: Session, interview_id: int) -> None:
    """Submitted once every panel member has submitted a scorecard for it."""
    panel = _panel(session, interview_id)
    done = bool(panel) and all(m.submitted for m in panel)
    session.execute(update(Interview).where(Interview.id == interview_id)
                    .values(status="submitted" if done else "in_progress"))


def interview_questions(bank, interview: InterviewInfo) -> list[str]:
    """The question ids this interview asks: its kit stage's, or the whole kit's."""
    kit = next((k for k in bank.kits if k.id == interview.kit_id), None)
    if kit is None:
        return []
    if interview.kit_stage:
        return [q for s in kit.stages if s.name == interview.kit_stage for q in s.questions]
    return kit.question_ids
