"""Storage of lab runs: one row per measured (and evaluated) variant.

A run belongs to whoever ran it (``owner_id``). A run that staff made for a candidate carries that candidate
(``candidate_id``) and ``run_by_staff``; it is listed with the candidate's record for staff, and never as one of
the candidate's own runs. Runs from the first version have no known owner: staff see them, candidates do not.
The figures are the JSON the lab produces (latency, accuracy, environment, settings), so a run can be shown again,
compared, or attached to a scorecard without re-running anything.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews import candidates
from interviews.errors import Invalid
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import LabRun

__all__ = ["LabRun", "save_lab_run", "list_lab_runs", "get_lab_run"]


def _placement(session: Session, owner: Identity | None, candidate_id: int | None, label: str) -> dict:
    if owner is None:  # the first version's call shape: a label only
        if not label.strip():
            raise ValueError("a lab run belongs to a candidate: the name is empty")
        return {"candidate": label.strip()[:200], "owner_id": None, "owner_name": "", "candidate_id": None,
                "run_by_staff": False}
    if owner.active_role == "candidate":
        own = candidates.candidate_for_account(session, owner.account_id)
        return {"candidate": owner.name, "owner_id": owner.account_id, "owner_name": owner.name,
                "candidate_id": own.id if own else None, "run_by_staff": False}
    require_role(owner, *STAFF_ROLES)
    if candidate_id is None:
        return {"candidate": label.strip()[:200] or owner.name, "owner_id": owner.account_id,
                "owner_name": owner.name, "candidate_id": None, "run_by_staff": False}
    record = candidates.load(session, candidate_id)
    return {"candidate": record.name, "owner_id": owner.account_id, "owner_name": owner.name,
            "candidate_id": record.id, "run_by_staff": True}


def save_lab_run(session: Session, *, variant: str, model_sha256: str, settings: dict, latency: dict,
                 accuracy: dict | None, environment: dict, size_bytes: int, owner: Identity | None = None,
                 candidate_id: int | None = None, candidate: str = "") -> LabRun:
    """Store a run made by ``owner``: a candidate's own run, or a staff run (for ``candidate_id`` when given).
    ``candidate`` alone (no owner) is the first version's call shape, kept for older callers."""
    if not variant.strip():
        raise Invalid("A lab run needs a variant name.")
    run = LabRun(variant=variant[:200], model_sha256=model_sha256, settings=settings, latency=latency,
                 accuracy=accuracy, environment=environment, size_bytes=size_bytes,
                 **_placement(session, owner, candidate_id, candidate))
    session.add(run)
    session.flush()
    return run


def list_lab_runs(session: Session, *, viewer: Identity | None = None, candidate_id: int | None = None,
                  candidate: str | None = None) -> list[LabRun]:
    """Runs oldest first that ``viewer`` may see: a candidate's own runs only; for staff every run, or those for
    ``candidate_id`` (staff runs for that candidate and the candidate's own). ``candidate`` (a label) without a
    viewer is the first version's call shape."""
    query = select(LabRun).order_by(LabRun.created_at, LabRun.id)
    if viewer is None:
        return list(session.scalars(query if candidate is None else query.where(LabRun.candidate == candidate)))
    if viewer.active_role == "candidate":
        return list(session.scalars(query.where(LabRun.owner_id == viewer.account_id, LabRun.run_by_staff.is_(False))))
    require_role(viewer, *STAFF_ROLES)
    if candidate_id is not None:
        query = query.where(LabRun.candidate_id == candidate_id)
    return list(session.scalars(query))


def get_lab_run(session: Session, run_id: int, *, viewer: Identity | None = None) -> LabRun | None:
    run = session.get(LabRun, run_id)
    if run is not None and viewer is not None and viewer.active_role not in STAFF_ROLES:
        return run if run.owner_id == viewer.account_id and not run.run_by_staff else None
    return run
