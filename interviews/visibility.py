"""Who may read what: the one place the independent-scoring rule and question visibility live.

Scorecards (as Greenhouse does it):
* an interviewer reads their own cards, drafts included; another interviewer's submitted card for a candidate
  only once they have submitted their own card for that candidate, and while they owe none (a second interview
  with the same candidate hides the panel's cards again until its card is submitted too);
* hiring managers and admins read every submitted card (and their own drafts);
* candidates never read scorecards or notes.
Questions: candidates (and anonymous visitors) read practice questions only; staff read every question.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from interviews import candidates
from interviews.base import as_utc
from interviews.cards import AuditEntry, ScorecardInfo, scorecard_infos
from interviews.errors import NotAllowed, NotFound
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import Account, AuditRow, Interview, PanelSeat, Scorecard

HIDDEN = "You can read the other interviewers' scorecards for this candidate once you have submitted your own."


def _submitted_for(viewer: Identity):
    """Candidates for whom the viewer has submitted a scorecard (a subquery)."""
    return (select(Interview.candidate_id).join(Scorecard, Scorecard.interview_id == Interview.id)
            .where(Scorecard.interviewer_id == viewer.account_id, Scorecard.status == "submitted"))


def _still_owed_for(viewer: Identity):
    """Candidates with an interview on whose panel the viewer sits without a submitted card (a subquery)."""
    mine = and_(Scorecard.interview_id == PanelSeat.interview_id, Scorecard.interviewer_id == PanelSeat.account_id,
                Scorecard.status == "submitted")
    return (select(Interview.candidate_id).join(PanelSeat, PanelSeat.interview_id == Interview.id)
            .outerjoin(Scorecard, mine).where(PanelSeat.account_id == viewer.account_id, Scorecard.id.is_(None)))


def _visible_filter(viewer: Identity):
    own = Scorecard.interviewer_id == viewer.account_id
    if viewer.active_role in ("admin", "manager"):
        return or_(own, Scorecard.status == "submitted")
    if viewer.active_role == "interviewer":
        return or_(own, and_(Scorecard.status == "submitted", Interview.candidate_id.in_(_submitted_for(viewer)),
                             Interview.candidate_id.not_in(_still_owed_for(viewer))))
    return None


def visible_scorecards(session: Session, *, viewer: Identity | None, candidate_id: int | None = None,
                       submitted_only: bool = False) -> list[ScorecardInfo]:
    """Every card ``viewer`` may read, newest first (an empty list for candidates and anonymous visitors)."""
    rule = _visible_filter(viewer) if viewer is not None else None
    if rule is None:
        return []
    query = select(Scorecard.id).join(Interview, Interview.id == Scorecard.interview_id).where(rule)
    if candidate_id is not None:
        query = query.where(Interview.candidate_id == candidate_id)
    if submitted_only:
        query = query.where(Scorecard.status == "submitted")
    ids = list(session.scalars(query.order_by(Scorecard.submitted_at.desc(), Scorecard.id.desc())))
    return scorecard_infos(session, ids)


def can_read(session: Session, viewer: Identity | None, card_id: int) -> bool:
    rule = _visible_filter(viewer) if viewer is not None else None
    if rule is None:
        return False
    query = (select(Scorecard.id).join(Interview, Interview.id == Scorecard.interview_id)
             .where(Scorecard.id == card_id, rule))
    return session.scalar(query) is not None


def get_scorecard(session: Session, *, viewer: Identity | None, scorecard_id: int) -> ScorecardInfo:
    if session.get(Scorecard, scorecard_id) is None:
        raise NotFound("There is no such scorecard.")
    if not can_read(session, viewer, scorecard_id):
        if viewer is not None and viewer.active_role == "interviewer":
            raise NotAllowed(HIDDEN)
        raise NotAllowed("You cannot read this scorecard.")
    return scorecard_infos(session, [scorecard_id])[0]


def audit_log(session: Session, *, viewer: Identity, scorecard_id: int) -> list[AuditEntry]:
    """The card's amendments, oldest first, for whoever may read the card."""
    get_scorecard(session, viewer=viewer, scorecard_id=scorecard_id)
    rows = session.scalars(select(AuditRow).where(AuditRow.scorecard_id == scorecard_id).order_by(AuditRow.id))
    return [AuditEntry(r.actor_name, as_utc(r.at), r.field, r.before, r.after, r.reason) for r in rows]


@dataclass(frozen=True)
class DebriefSeat:
    interview_id: int
    kit_id: str
    account_id: int
    name: str
    submitted: bool


@dataclass(frozen=True)
class Debrief:
    candidate: candidates.CandidateInfo
    panel: tuple[DebriefSeat, ...]
    cards: tuple[ScorecardInfo, ...]  # submitted cards the viewer may read
    hidden: int  # submitted cards the viewer may not read yet
    waiting_on_viewer: bool  # the viewer sits on a panel for this candidate and has not submitted
    competency_means: dict[str, float]
    recommendations: dict[str, int]

    @property
    def message(self) -> str:
        return HIDDEN if self.hidden else ""


def debrief(session: Session, *, viewer: Identity, candidate_id: int) -> Debrief:
    """The panel's view of one candidate: who sat on which interview, who submitted, and the cards the viewer
    may read with their competency means and recommendations."""
    require_role(viewer, *STAFF_ROLES)
    candidate = candidates.get_candidate(session, viewer=viewer, candidate_id=candidate_id)
    seats = session.execute(
        select(Interview.id, Interview.kit_id, Account.id, Account.name, Scorecard.status)
        .join(PanelSeat, PanelSeat.interview_id == Interview.id).join(Account, Account.id == PanelSeat.account_id)
        .outerjoin(Scorecard, and_(Scorecard.interview_id == Interview.id, Scorecard.interviewer_id == Account.id))
        .where(Interview.candidate_id == candidate_id).order_by(Interview.id, Account.name_key)).all()
    panel = tuple(DebriefSeat(iid, kit, aid, name, status == "submitted") for iid, kit, aid, name, status in seats)
    cards = tuple(visible_scorecards(session, viewer=viewer, candidate_id=candidate_id, submitted_only=True))
    total = session.scalar(select(func.count(Scorecard.id)).join(Interview, Interview.id == Scorecard.interview_id)
                           .where(Interview.candidate_id == candidate_id, Scorecard.status == "submitted")) or 0
    pooled: dict[str, list[int]] = {}
    tally: dict[str, int] = {}
    for card in cards:
        tally[card.recommendation or ""] = tally.get(card.recommendation or "", 0) + 1
        for c in card.competencies:
            pooled.setdefault(c.competency, []).append(c.rating)
    waiting = any(s.account_id == viewer.account_id and not s.submitted for s in panel)
    return Debrief(candidate, panel, cards, total - len(cards), waiting,
                   {k: mean(v) for k, v in pooled.items()}, tally)


def competency_means(cards: list[ScorecardInfo]) -> dict[str, dict[str, float]]:
    """Per candidate name, the mean competency rating over ``cards`` (already filtered by visibility)."""
    pooled: dict[str, dict[str, list[int]]] = {}
    for card in cards:
        for c in card.competencies:
            pooled.setdefault(card.candidate_name, {}).setdefault(c.competency, []).append(c.rating)
    return {name: {k: mean(v) for k, v in comps.items()} for name, comps in pooled.items()}


def readable_questions(bank, role: str | None) -> list:
    """The bank's questions a role may read: every one for staff, practice questions for candidates and
    anonymous visitors (``role=None``)."""
    if role in STAFF_ROLES:
        return list(bank.questions)
    return [q for q in bank.questions if getattr(q.visibility, "value", q.visibility) == "practice"]
