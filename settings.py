"""Vision Interview Studio settings: one object, read from the environment, each with a default and its help.

Every setting is declared as data in ``SETTINGS`` so that the README can document all of them and a test can
prove that it does. Read them through :func:`get_settings`; nothing else in the project reads ``os.environ``
for its configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("VIS_DATA_DIR", "data", "Folder for the SQLite database and uploaded files (relative to the project root)."),
    Setting("VIS_DATABASE_URL", "", "SQLAlchemy URL of the database; empty means a SQLite file in VIS_DATA_DIR."),
    Setting("VIS_CACHE_DIR", ".cache", "Folder for artefacts built at set-up: the ONNX embedding model, the demo data set."),
    Setting("VIS_BANK_DIR", "question_bank/data", "Folder holding the question bank's YAML files."),
    Setting("VIS_EMBEDDER", "auto", "Embedding back end: auto (the fastest ONNX export built, else torch), onnx, onnx-int8, "
            "onnx-int8-l2 or torch."),
    Setting("VIS_MAX_TEXT_CHARS", "2500", "Longest note or answer the matcher reads; longer text is cut with a notice."),
    Setting("VIS_MAX_UPLOAD_MB", "50", "Largest ONNX model a candidate may upload, in megabytes."),
    Setting("VIS_LAB_TIMEOUT_S", "120", "Wall-clock limit for one lab measurement subprocess, in seconds."),
    Setting("VIS_LAB_MEMORY_MB", "4096", "Address-space limit for one lab measurement subprocess, in megabytes."),
    Setting("VIS_UPLOAD_QUOTA_MB", "200", "Stored ONNX uploads kept per user, in megabytes; past it the oldest are deleted."),
    Setting("VIS_UPLOADS_AT_ONCE", "1", "ONNX uploads one user may have checked at the same time; more are refused."),
    Setting("VIS_QUEUE_URL", "", "Job queue of lab runs and take-home grading: empty means a SQLite file in VIS_DATA_DIR "
            "(one worker beside the app); redis://host:6379/0 for workers on several machines."),
    Setting("VIS_QUEUE_LEASE_S", "60", "Seconds without a heartbeat after which a running job counts as lost with its "
            "worker: it is queued again once, then failed."),
    Setting("VIS_CANDIDATE_SIGNUP", "on", "on: anyone may sign up as a candidate; off: only by an admin's invitation "
            "(the first account on an empty database, the admin, can always sign up)."),
    Setting("VIS_SEED_DEMO", "on", "on: `make run` fills an empty database with the labelled demo workspace "
            "(python -m interviews seed-demo); off: start empty."),
    Setting("VIS_SIGNIN_MAX_LOCK_S", "300", "Longest pause, in seconds, after repeated failed sign-ins for one name or "
            "client (the pause doubles with each failure up to this)."),
)


def _resolve(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    cache_dir: Path
    bank_dir: Path
    embedder: str
    max_text_chars: int
    max_upload_mb: int
    lab_timeout_s: float
    lab_memory_mb: int
    upload_quota_mb: int = 200
    uploads_at_once: int = 1
    candidate_signup: bool = True
    seed_demo: bool = True
    signin_max_lock_s: float = 300.0
    raw: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        source = os.environ if env is None else env
        raw = {s.env: source.get(s.env, s.default) or s.default for s in SETTINGS}
        raw["VIS_DATABASE_URL"] = source.get("VIS_DATABASE_URL", "")
        data_dir = _resolve(raw["VIS_DATA_DIR"])
        url = raw["VIS_DATABASE_URL"] or f"sqlite:///{data_dir / 'studio.db'}"
        embedder = raw["VIS_EMBEDDER"]
        if embedder not in {"auto", "onnx", "onnx-int8", "onnx-int8-l2", "torch"}:
            raise ValueError(f"VIS_EMBEDDER must be auto, onnx, onnx-int8, onnx-int8-l2 or torch, not {embedder!r}")
        return cls(
            data_dir=data_dir,
            database_url=url,
            cache_dir=_resolve(raw["VIS_CACHE_DIR"]),
            bank_dir=_resolve(raw["VIS_BANK_DIR"]),
            embedder=embedder,
            max_text_chars=_positive_int(raw, "VIS_MAX_TEXT_CHARS"),
            max_upload_mb=_positive_int(raw, "VIS_MAX_UPLOAD_MB"),
            lab_timeout_s=float(_positive_int(raw, "VIS_LAB_TIMEOUT_S")),
            lab_memory_mb=_positive_int(raw, "VIS_LAB_MEMORY_MB"),
            upload_quota_mb=_positive_int(raw, "VIS_UPLOAD_QUOTA_MB"),
            uploads_at_once=_positive_int(raw, "VIS_UPLOADS_AT_ONCE"),
            candidate_signup=_switch(raw, "VIS_CANDIDATE_SIGNUP"),
            seed_demo=_switch(raw, "VIS_SEED_DEMO"),
            signin_max_lock_s=float(_positive_int(raw, "VIS_SIGNIN_MAX_LOCK_S")),
            raw=raw,
        )


def _switch(raw: dict[str, str], name: str) -> bool:
    value = raw[name].strip().lower()
    if value not in {"on", "off", "1", "0", "true", "false", "yes", "no"}:
        raise ValueError(f"{name} must be on or off, not {raw[name]!r}")
    return value in {"on", "1", "true", "yes"}


def _positive_int(raw: dict[str, str], name: str) -> int:
    try:
        value = int(raw[name])
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw[name]!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
