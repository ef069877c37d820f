"""Where accepted ONNX uploads live, and the limits on them: one folder per user.

* :func:`upload_slot`: at most ``at_once`` uploads of one user are checked at the same time. A slot is an
  exclusive ``flock`` on ``.checking-N.lock`` in the user's folder, so it holds across threads and processes and
  is released by the kernel if the holder dies. A user past the limit is told to wait, not queued.
* :func:`enforce_quota`: after an upload is accepted, the user's stored uploads are deleted oldest first (by
  modification time: storing the same bytes again refreshes it) until they fit the quota. The upload just
  accepted is never deleted, even when it alone is over the quota.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UPLOAD_GLOB = "upload-*.onnx"


class TooManyUploads(ValueError):
    """The user already has as many uploads being checked as allowed."""


@contextmanager
def upload_slot(folder: Path, at_once: int) -> Iterator[int]:
    """Hold one of ``at_once`` check slots of ``folder``; raise :class:`lab.validate.ModelRejected` when all are
    taken."""
    from lab.validate import ModelRejected

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(max(1, at_once)):
        handle = open(folder / f".checking-{index}.lock", "w")  # noqa: SIM115 - closed in finally below
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield index
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise ModelRejected(f"you already have {at_once} upload(s) being checked; wait until "
                        f"{'it finishes' if at_once == 1 else 'one finishes'}, then upload again")


def stored_uploads(folder: Path) -> list[Path]:
    """The user's stored uploads, oldest first."""
    files = [p for p in folder.glob(UPLOAD_GLOB) if p.is_file()]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def enforce_quota(folder: Path, quota_bytes: int, *, keep: Path | None = None) -> list[Path]:
    """Delete the oldest uploads in ``folder`` (never ``keep``) until the rest fit ``quota_bytes``; return them."""
    files = stored_uploads(folder)
    total = sum(p.stat().st_size for p in files)
    removed: list[Path] = []
    for path in files:
        if total <= quota_bytes:
            break
        if keep is not None and path.resolve() == Path(keep).resolve():
            continue
        size = path.stat().st_size
        path.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed
