"""Taking in a submission (a zip or a folder) without trusting it: every refusal is a :class:`SubmissionRejected`.

Zip files are read entry by entry, never with ``extractall``: absolute paths, ``..``, backslashes and drive letters,
symlinks, devices, encrypted and duplicate entries are refused; the entry count, each file's size, the total size and
the compression ratio are capped, and sizes are counted while decompressing (a forged header does not help). A folder
(the CLI) is copied the same way, symlinks refused. A single top-level folder in the zip is unwrapped.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class SubmissionRejected(ValueError):
    """The upload cannot be taken in; the message says why in plain words."""


@dataclass(frozen=True)
class IntakeLimits:
    max_upload_bytes: int = 100 * 2**20
    max_total_bytes: int = 300 * 2**20
    max_file_bytes: int = 100 * 2**20
    max_entries: int = 2000
    max_ratio: float = 100.0  # uncompressed / compressed, per file and overall


@dataclass(frozen=True)
class IntakeResult:
    root: Path
    files: tuple[str, ...]
    total_bytes: int


_CHUNK = 1 << 16


def _safe_name(name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise SubmissionRejected(f"the zip entry {name!r} has a backslash or a NUL in its name: refused")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (path.parts and ":" in path.parts[0]):
        raise SubmissionRejected(f"the zip entry {name!r} is an absolute path: refused (path traversal)")
    if any(part == ".." for part in path.parts):
        raise SubmissionRejected(f"the zip entry {name!r} climbs out of the folder with '..': refused "
                                 "(path traversal)")
    return PurePosixPath(*[p for p in path.parts if p not in ("", ".")])


def _check_entry(info: zipfile.ZipInfo, limits: IntakeLimits) -> None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise SubmissionRejected(f"the zip entry {info.filename!r} is a symbolic link: links are refused")
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # no type bits: a plain file
        raise SubmissionRejected(f"the zip entry {info.filename!r} is not a plain file or folder: refused")
    if info.flag_bits & 0x1:
        raise SubmissionRejected(f"the zip entry {info.filename!r} is encrypted: upload a plain zip")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > 2**20:
        raise SubmissionRejected(f"{info.filename!r} expands {info.file_size / info.compress_size:.0f}-fold: "
                                 "refused as a zip bomb")
    if info.file_size > limits.max_file_bytes:
        raise SubmissionRejected(f"{info.filename!r} unpacks to {info.file_size / 2**20:.0f} MB; each file may be "
                                 f"at most {limits.max_file_bytes / 2**20:.0f} MB")


def _copy_counted(source, target: Path, budget: int, what: str, limits: IntakeLimits) -> int:
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limits.max_file_bytes or written > budget:
                raise SubmissionRejected(f"{what!r} unpacks to more than its declared size or the "
                                         f"{limits.max_total_bytes / 2**20:.0f} MB total: refused as a zip bomb")
            out.write(chunk)
    return written


def unpack_zip(zip_path: Path, dest: Path, limits: IntakeLimits | None = None) -> IntakeResult:
    """Unpack ``zip_path`` into the empty folder ``dest`` or raise :class:`SubmissionRejected` (and leave ``dest``
    empty)."""
    limits = limits or IntakeLimits()
    size = zip_path.stat().st_size
    if size > limits.max_upload_bytes:
        raise SubmissionRejected(f"the upload is {size / 2**20:.0f} MB; at most "
                                 f"{limits.max_upload_bytes / 2**20:.0f} MB are accepted")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionRejected(f"not a readable zip file ({exc})") from None
    try:
        with archive:
            return _unpack(archive, dest, limits, size)
    except SubmissionRejected:
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        raise SubmissionRejected(f"the zip file is damaged ({exc})") from None


def _unpack(archive: zipfile.ZipFile, dest: Path, limits: IntakeLimits, compressed: int) -> IntakeResult:
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise SubmissionRejected(f"the zip holds {len(entries)} entries; at most {limits.max_entries} are accepted")
    names = [(_safe_name(info.filename), info) for info in entries]
    for _, info in names:
        _check_entry(info, limits)
    declared = sum(info.file_size for _, info in names)
    if declared > limits.max_total_bytes or (compressed and declared / compressed > limits.max_ratio
                                             and declared > 8 * 2**20):
        raise SubmissionRejected(f"the zip unpacks to {declared / 2**20:.0f} MB from {compressed / 2**20:.1f} MB: "
                                 "refused as a zip bomb")
    prefix = _common_folder([n for n, info in names if not info.is_dir()])
    seen: set[str] = set()
    budget, files = limits.max_total_bytes, []
    dest.mkdir(parents=True, exist_ok=True)
    for name, info in names:
        relative = PurePosixPath(*name.parts[len(prefix.parts):]) if prefix else name
        if info.is_dir() or not relative.parts:
            continue
        key = str(relative).casefold()
        if key in seen:
            raise SubmissionRejected(f"the zip holds {str(relative)!r} twice: refused")
        seen.add(key)
        target = dest.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source:
            budget -= _copy_counted(source, target, min(budget, info.file_size), info.filename, limits)
        files.append(str(relative))
    return IntakeResult(root=dest, files=tuple(sorted(files)), total_bytes=limits.max_total_bytes - budget)


def _common_folder(names: list[PurePosixPath]) -> PurePosixPath | None:
    """The single top-level folder every file sits in (``submission/...``), if there is one."""
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    if len(tops) == 1 and all(len(n.parts) > 1 for n in names) and names:
        return PurePosixPath(tops.pop())
    return None


def copy_folder(source: Path, dest: Path, limits: IntakeLimits | None = None) -> IntakeResult:
    """Copy a submission folder (the CLI's input) under the same caps; symlinks and special files refused."""
    limits = limits or IntakeLimits()
    files, total = [], 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_symlink():
            raise SubmissionRejected(f"{str(relative)!r} is a symbolic link: links are refused")
        if path.is_dir():
            continue
        if not path.is_file():
            raise SubmissionRejected(f"{str(relative)!r} is not a plain file: refused")
        total += path.stat().st_size
        if len(files) >= limits.max_entries or total > limits.max_total_bytes:
            raise SubmissionRejected(f"the folder holds more than {limits.max_entries} files or "
                                     f"{limits.max_total_bytes / 2**20:.0f} MB")
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target, follow_symlinks=False)
        files.append(relative.as_posix())
    return IntakeResult(root=dest, files=tuple(files), total_bytes=total)


def take_in(submission: Path, dest: Path, limits: IntakeLimits | None = None) -> IntakeResult:
    """A zip file or a folder into ``dest``."""
    submission = Path(submission)
    if submission.is_symlink():
        raise SubmissionRejected("the submission is a symbolic link: refused")
    if submission.is_dir():
        return copy_folder(submission, dest, limits)
    if submission.is_file():
        return unpack_zip(submission, dest, limits)
    raise SubmissionRejected(f"no such submission: {submission.name}")
