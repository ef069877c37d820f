"""Where take-homes live: one folder each under ``<VIS_DATA_DIR>/takehomes/<id>/``.

    takehome.json        the record (candidate, domain, seed, time box, deadline, data summary incl. label noise)
    kit/ + kit.zip       what the candidate downloads (train and val with labels, brief, contract)
    private/             the held-out test images and labels, the clean train labels, the noise record
    submissions.json     every upload (version, time, size, digest, late or not) with its grading state and report
    submissions/vN.zip   the uploads themselves, all kept

The app's database is never read by grading and the sandbox never sees this folder. Writes are atomic (write then
rename) under a file lock, so the page, the CLI and a worker can share it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path


class TakehomeNotFound(LookupError):
    """No take-home with that id (or no such submission version)."""


@dataclass(frozen=True)
class Takehome:
    id: int
    candidate_name: str
    candidate_id: int | None
    domain: str
    seed: int
    hours: int
    created_at: str  # ISO 8601, UTC
    deadline: str
    created_by: str
    summary: dict

    @property
    def deadline_at(self) -> datetime:
        return datetime.fromisoformat(self.deadline)


@dataclass(frozen=True)
class Submission:
    version: int
    uploaded_at: str
    filename: str
    size_bytes: int
    sha256: str
    late: bool
    uploaded_by: str
    state: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    report: dict | None = None
    review: dict = field(default_factory=dict)  # check id -> the reviewer's tick (True/False) on a manual line
    job_id: str = ""  # the lab queue's job that grades it ("" when a thread of the app does)


def default_root() -> Path:
    from settings import get_settings

    return get_settings().data_dir / "takehomes"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _write_json(path: Path, data: object) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=1, default=str))
    os.replace(temporary, path)


@contextmanager
def locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def folder(takehome_id: int, root: Path | None = None) -> Path:
    return (root or default_root()) / str(int(takehome_id))


def allocate_id(root: Path) -> int:
    """The next free id; call under :func:`locked`."""
    ids = [int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit()] if root.exists() else []
    new = max(ids, default=0) + 1
    (root / str(new)).mkdir(parents=True)
    return new


def save_takehome(takehome: Takehome, root: Path | None = None) -> None:
    _write_json(folder(takehome.id, root) / "takehome.json", asdict(takehome))


def get_takehome(takehome_id: int, root: Path | None = None) -> Takehome:
    path = folder(takehome_id, root) / "takehome.json"
    try:
        return Takehome(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError):
        raise TakehomeNotFound(f"no take-home with id {takehome_id}") from None


def list_takehomes(root: Path | None = None, *, candidate_id: int | None = None) -> list[Takehome]:
    root = root or default_root()
    found = []
    for path in sorted(root.glob("*/takehome.json"), key=lambda p: int(p.parent.name)) if root.exists() else []:
        try:
            takehome = Takehome(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            continue
        if candidate_id is None or takehome.candidate_id == candidate_id:
            found.append(takehome)
    return found


def list_submissions(takehome_id: int, root: Path | None = None) -> list[Submission]:
    path = folder(takehome_id, root) / "submissions.json"
    if not path.exists():
        return []
    return [Submission(**row) for row in json.loads(path.read_text())]


def add_submission(takehome: Takehome, data: bytes, filename: str, uploaded_by: str, sha256: str, *,
                   root: Path | None = None, now: datetime | None = None) -> Submission:
    """Keep the upload as the next version; an upload after the deadline is kept too, marked late."""
    root = root or default_root()
    moment = now or now_utc()
    with locked(root):
        rows = list_submissions(takehome.id, root)
        version = len(rows) + 1
        target = folder(takehome.id, root) / "submissions" / f"v{version}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        row = Submission(version=version, uploaded_at=moment.isoformat(), filename=filename[:200],
                         size_bytes=len(data), sha256=sha256, late=moment > takehome.deadline_at,
                         uploaded_by=uploaded_by)
        _write_json(folder(takehome.id, root) / "submissions.json", [asdict(r) for r in rows + [row]])
    return row


def submission_path(takehome_id: int, version: int, root: Path | None = None) -> Path:
    return folder(takehome_id, root) / "submissions" / f"v{int(version)}.zip"


def update_submission(takehome_id: int, version: int, root: Path | None = None, **changes) -> Submission:
    root = root or default_root()
    with locked(root):
        rows = list_submissions(takehome_id, root)
        if not 1 <= version <= len(rows):
            raise TakehomeNotFound(f"take-home {takehome_id} has no submission version {version}")
        rows[version - 1] = replace(rows[version - 1], **changes)
        _write_json(folder(takehome_id, root) / "submissions.json", [asdict(r) for r in rows])
        return rows[version - 1]


def counted_submission(takehome_id: int, root: Path | None = None) -> Submission | None:
    """The last upload before the deadline: the one that counts."""
    on_time = [s for s in list_submissions(takehome_id, root) if not s.late]
    return on_time[-1] if on_time else None
