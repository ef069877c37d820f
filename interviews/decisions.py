"""Hiring decisions: advance, hold or reject a candidate, with a reason, who and when.

A decision is a record of its own (the ``decisions`` table, migration ``0010_decisions``) and, for advance and
reject, a stage change made through :func:`interviews.candidates.move_stage`, so the candidate's stage history
carries it too. Hold keeps the stage. Only hiring managers and admins decide; the reasons are internal, so
candidates never read them (interviewers do not either: decisions are the committee's).

The same decider sending the same decision again within a minute (a double click) gets the first one back.
Two managers deciding at once: a decision names the stage the manager saw (``expected_stage``); when the
candidate has moved since, the second decision is refused with a :class:`~interviews.errors.Conflict` instead of
silently moving the candidate twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews import candidates
from interviews.base import Base, as_utc, utcnow
from interviews.errors import Conflict, Invalid
from interviews.identity import Identity, require_role
from interviews.tables import When

OUTCOMES = ("advance", "hold", "reject")
OUTCOME_LABELS = {"advance": "Advance", "hold": "Hold", "reject": "Reject"}
# The order a candidate moves through; "rejected" is reached by a reject decision only.
FORWARD = ("applied", "screen", "onsite", "take-home", "offer", "hired")
DECIDERS = ("admin", "manager")
MAX_REASON_CHARS = 2000
REPEAT_WINDOW = timedelta(seconds=60)  # the same decision again within this time is the same decision


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(When, default=utcnow, index=True)


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    candidate_id: int
    outcome: str
    from_stage: str
    to_stage: str
    reason: str
    actor_name: str
    at: datetime

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def summary(self) -> str:
        """One line for tables and the committee report: "Advance to onsite (Dana, 2026-11-30): reason"."""
        move = f" to {self.to_stage}" if self.to_stage != self.from_stage else f" at {self.to_stage}"
        return f"{self.outcome_label}{move} ({self.actor_name}, {self.at:%Y-%m-%d}): {self.reason}"


def _info(row: Decision) -> DecisionInfo:
    return DecisionInfo(row.id, row.candidate_id, row.outcome, row.from_stage, row.to_stage, row.reason,
                        row.actor_name, as_utc(row.at))


def next_stage(stage: str) -> str | None:
    """The stage after ``stage`` on the way to hired (None at hired, rejected or an unknown stage)."""
    if stage not in FORWARD or stage == FORWARD[-1]:
        return None
    return FORWARD[FORWARD.index(stage) + 1]


def advance_targets(stage: str) -> tuple[str, ...]:
    """The stages an advance may move to from ``stage``: any later stage on the way to hired."""
    return FORWARD[FORWARD.index(stage) + 1:] if stage in FORWARD else ()


def _target(outcome: str, current: str, to_stage: str | None) -> str:
    if outcome == "hold":
        return current
    if outcome == "reject":
        if current == "rejected":
            raise Invalid("This candidate is already rejected.")
        return "rejected"
    allowed = advance_targets(current)
    if not allowed:
        raise Invalid(f"A candidate at the stage {current!r} cannot advance any further.")
    target = to_stage or allowed[0]
    if target not in allowed:
        raise Invalid(f"From {current!r} a candidate advances to one of: {', '.join(allowed)}.")
    return target


def record_decision(session: Session, *, actor: Identity, candidate_id: int, outcome: str, reason: str,
                    to_stage: str | None = None, expected_stage: str | None = None) -> DecisionInfo:
    """Record the decision and move the candidate's stage (advance: to ``to_stage`` or the next stage; reject:
    to rejected; hold: unchanged). ``expected_stage`` is the stage the decider saw on screen."""
    require_role(actor, *DECIDERS)
    if outcome not in OUTCOMES:
        raise Invalid("Choose a decision: advance, hold or reject.")
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why: a decision needs a reason the committee can read later.")
    if len(reason) > MAX_REASON_CHARS:
        raise Invalid(f"The reason may hold at most {MAX_REASON_CHARS:,} characters; this one has {len(reason):,}. "
                      "Nothing was saved: shorten it and record the decision again.")
    row = candidates.load(session, candidate_id)
    repeated = _same_decision_just_made(session, actor, candidate_id, outcome, reason)
    if repeated is not None:
        return repeated  # a double click (or a resent form): one decision, not two
    current = row.stage
    if expected_stage is not None and expected_stage != current:
        raise Conflict(f"{row.name} moved to the stage {current!r} a moment ago (someone else decided): "
                       "reload the page, read their decision and decide again.")
    target = _target(outcome, current, to_stage)
    if target != current:
        candidates.move_stage(session, actor=actor, candidate_id=candidate_id, stage=target,
                              reason=f"{OUTCOME_LABELS[outcome]}: {reason}")
    decision = Decision(candidate_id=candidate_id, outcome=outcome, from_stage=current, to_stage=target,
                        reason=reason, actor_id=actor.account_id or None, actor_name=actor.name, at=utcnow())
    session.add(decision)
    session.flush()
    return _info(decision)


def _same_decision_just_made(session: Session, actor: Identity, candidate_id: int, outcome: str,
                             reason: str) -> DecisionInfo | None:
    last = session.scalar(select(Decision).where(Decision.candidate_id == candidate_id)
                          .order_by(Decision.id.desc()).limit(1))
    if last is None or (last.actor_id, last.outcome, last.reason) != (actor.account_id or None, outcome, reason):
        return None
    return _info(last) if utcnow() - as_utc(last.at) <= REPEAT_WINDOW else None


def list_decisions(session: Session, *, viewer: Identity, candidate_id: int) -> list[DecisionInfo]:
    """Every decision on one candidate, newest first."""
    require_role(viewer, *DECIDERS)
    candidates.load(session, candidate_id)
    rows = session.scalars(select(Decision).where(Decision.candidate_id == candidate_id)
                           .order_by(Decision.at.desc(), Decision.id.desc()))
    return [_info(r) for r in rows]


def latest_decisions(session: Session, *, viewer: Identity,
                     candidate_ids: list[int] | None = None) -> dict[int, DecisionInfo]:
    """The most recent decision per candidate (all candidates, or those in ``candidate_ids``), in two queries."""
    require_role(viewer, *DECIDERS)
    newest = select(Decision.candidate_id, func.max(Decision.id).label("last")).group_by(Decision.candidate_id)
    if candidate_ids is not None:
        if not candidate_ids:
            return {}
        newest = newest.where(Decision.candidate_id.in_(candidate_ids))
    ids = [last for _, last in session.execute(newest)]
    if not ids:
        return {}
    return {r.candidate_id: _info(r) for r in session.scalars(select(Decision).where(Decision.id.in_(ids)))}
