"""Where the job queue lives: the Huey instance for ``VIS_QUEUE_URL``, and backend failures turned into
:class:`JobError` (see :mod:`lab.jobs`)."""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from huey import Huey, RedisHuey, SqliteHuey
from redis.exceptions import RedisError


class JobError(RuntimeError):
    """A job cannot be submitted or found, or the queue cannot be reached; the message says why."""


def _where(url: str) -> str:
    """The queue's address without credentials, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _reachable(method):
    """Backend failures (Redis down, SQLite file unwritable) become a :class:`JobError` with a clear message."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (OSError, sqlite3.Error, RedisError) as exc:
            raise JobError(f"the job queue ({_where(self.url)}) cannot be reached: {exc}") from exc

    return wrapper


def queue_settings() -> tuple[str, float]:
    """(VIS_QUEUE_URL, VIS_QUEUE_LEASE_S), the default URL resolved to the SQLite file in the data folder."""
    from settings import get_settings

    settings = get_settings()
    url = settings.raw.get("VIS_QUEUE_URL", "") or f"sqlite:///{settings.data_dir / 'queue.db'}"
    return url, float(settings.raw.get("VIS_QUEUE_LEASE_S", "60") or 60)


def make_huey(url: str, queue: str = "default") -> Huey:
    """A Huey instance for ``url``: ``sqlite:///PATH``, ``redis://host:port/db`` or ``immediate://`` (each job runs
    inside ``submit``: tests and debugging only)."""
    name = f"vis-{queue}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=True, store_none=False, utc=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=True, store_none=False, utc=True)
    if url.startswith("immediate://"):
        return Huey(name, immediate=True, results=True, utc=True)
    raise JobError(f"VIS_QUEUE_URL must start with sqlite:///, redis:// or immediate://, not {url!r}")
