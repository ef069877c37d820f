"""Every table of the studio, declared in one module against :class:`interviews.base.Base`.

The domain modules (users, candidates, schedule, notes, scorecards, lab_runs, practice, overrides) import their
tables from here and hold the rules; this module holds only columns and constraints. The schema itself is made
and changed by the Alembic migrations in ``interviews/migrations`` (see :func:`interviews.db.migrate`); a test
checks that the migrated schema and these declarations agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from interviews.base import Base, utcnow

When = DateTime(timezone=True)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    name_key: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    # A staff role works only once confirmed by an admin (accounts that picked a staff role at the old form).
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SignInThrottle(Base):
    """Failed sign-ins per key: ``account:<name key>`` (known or not) and ``client:<client id>``."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(When, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class AuthSession(Base):
    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(When)
    revoked_at: Mapped[datetime | None] = mapped_column(When, nullable=True)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(When)
    used_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)


class WorkspaceMeta(Base):
    """Small facts about this database: whether the demo was seeded, and its sign-in credentials."""

    __tablename__ = "workspace_meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)


class Candidate(Base):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    role_applied: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(20), default="applied")
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class StageEvent(Base):
    __tablename__ = "candidate_stage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(When, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    kit_id: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(20))
    kit_stage: Mapped[str | None] = mapped_column(String(120), nullable=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)


class PanelSeat(Base):
    __tablename__ = "interview_panel"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True, index=True)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("interview_id", "author_id", "question_id", name="uq_notes_per_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class Scorecard(Base):
    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("interview_id", "interviewer_id", name="uq_scorecards_per_interviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    recommendation: Mapped[str | None] = mapped_column(String(20), nullable=True)
    rationale: Mapped[str] = mapped_column(Text, default="")
    lab_run_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(When, nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class QuestionRating(Base):
    __tablename__ = "scorecard_ratings"
    __table_args__ = (UniqueConstraint("scorecard_id", "question_id", name="uq_scorecard_ratings_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    competency: Mapped[str] = mapped_column(String(80))
    rating: Mapped[int] = mapped_column(Integer)
    suggested: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CompetencyRating(Base):
    __tablename__ = "competency_ratings"
    __table_args__ = (UniqueConstraint("scorecard_id", "competency", name="uq_competency_ratings_competency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    competency: Mapped[str] = mapped_column(String(80))
    derived: Mapped[float] = mapped_column(Float)
    rating: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditRow(Base):
    __tablename__ = "scorecard_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(When, default=utcnow)
    field: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict | list | str | int | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | list | str | int | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class LabRun(Base):
    __tablename__ = "lab_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow, nullable=False)
    candidate: Mapped[str] = mapped_column(String(200), index=True, nullable=False)  # label shown with the run
    variant: Mapped[str] = mapped_column(String(200), nullable=False)
    model_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    latency: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    accuracy: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    environment: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    owner_name: Mapped[str] = mapped_column(String(80), default="")
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), nullable=True, index=True)
    run_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def p50_ms(self) -> float | None:
        value = (self.latency or {}).get("p50_ms")
        return float(value) if value is not None else None

    @property
    def map50(self) -> float | None:
        value = (self.accuracy or {}).get("map50")
        return float(value) if value is not None else None


class PracticeAttempt(Base):
    __tablename__ = "practice_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow, index=True)
    candidate: Mapped[str] = mapped_column(String(80), index=True)
    question_id: Mapped[str] = mapped_column(String(80), index=True)
    answer: Mapped[str] = mapped_column(Text)
    covered_points: Mapped[list] = mapped_column(JSON, default=list)
    total_points: Mapped[int] = mapped_column(Integer)
    suggested_rating: Mapped[int] = mapped_column(Integer)
    # Migration 0011_practice: the owner's account (the only key reads use), what the page needs to reopen it.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    competency: Mapped[str] = mapped_column(String(80), default="", server_default="")
    coverage: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the candidate's recorded 1-4 grade
    time_used_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_limit_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # per rubric point: covered, probability, evidence span, reason
    analysis: Mapped[list | None] = mapped_column(JSON, nullable=True, default=list)


class PracticeReview(Base):
    """The FSRS card of one candidate's question (fsrs.Card.to_dict()), updated when a rating is recorded."""

    __tablename__ = "practice_reviews"
    __table_args__ = (UniqueConstraint("account_id", "question_id", name="uq_practice_reviews_owner_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    card: Mapped[dict] = mapped_column(JSON)
    due: Mapped[datetime] = mapped_column(When)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class PracticeDraft(Base):
    """The answer a candidate is writing to one question, kept so that a reload loses nothing."""

    __tablename__ = "practice_drafts"
    __table_args__ = (UniqueConstraint("account_id", "question_id", name="uq_practice_drafts_owner_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class RubricDecision(Base):
    __tablename__ = "rubric_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    reviewer: Mapped[str] = mapped_column(String(80), index=True)
    question_id: Mapped[str] = mapped_column(String(80), index=True)
    point_id: Mapped[str] = mapped_column(String(80))
    point_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    model_covered: Mapped[bool] = mapped_column(Boolean)
    model_probability: Mapped[float] = mapped_column(Float)
    human_covered: Mapped[bool] = mapped_column(Boolean)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), nullable=True,
                                                     index=True)

    @property
    def is_override(self) -> bool:
        return self.model_covered != self.human_covered
