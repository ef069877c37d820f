"""Storage of lab runs: one row per measured (and evaluated) variant, per candidate.

The figures are stored as the JSON the lab produces (latency, accuracy, environment, settings), so that a run can be
shown again, compared, or attached to a scorecard without re-running anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews.db import Base, utcnow


class LabRun(Base):
    __tablename__ = "lab_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    candidate: Mapped[str] = mapped_column(String(200), index=True, nullable=False)
    variant: Mapped[str] = mapped_column(String(200), nullable=False)
    model_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    latency: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    accuracy: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    environment: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def p50_ms(self) -> float | None:
        value = (self.latency or {}).get("p50_ms")
        return float(value) if value is not None else None

    @property
    def map50(self) -> float | None:
        value = (self.accuracy or {}).get("map50")
        return float(value) if value is not None else None


def save_lab_run(session: Session, *, candidate: str, variant: str, model_sha256: str, settings: dict,
                 latency: dict, accuracy: dict | None, environment: dict, size_bytes: int) -> LabRun:
    if not candidate.strip():
        raise ValueError("a lab run belongs to a candidate: the name is empty")
    run = LabRun(candidate=candidate, variant=variant, model_sha256=model_sha256, settings=settings,
                 latency=latency, accuracy=accuracy, environment=environment, size_bytes=size_bytes)
    session.add(run)
    session.flush()
    return run


def list_lab_runs(session: Session, *, candidate: str | None = None) -> list[LabRun]:
    """Runs oldest first; only ``candidate``'s when given."""
    query = select(LabRun).order_by(LabRun.created_at, LabRun.id)
    if candidate is not None:
        query = query.where(LabRun.candidate == candidate)
    return list(session.scalars(query))


def get_lab_run(session: Session, run_id: int) -> LabRun | None:
    return session.get(LabRun, run_id)
