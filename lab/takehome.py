"""Take-homes end to end: create one (data set, kit zip, record), take uploads (every version kept), grade one.

The candidate's record (its id and the stage move to take-home) is the caller's business: the page does it through
``interviews.candidates``; this module only keeps the candidate's id and name.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from string import Template

from lab.grade import GradeOptions, Progress, grade_submission
from lab.grade_report import FAIL, ReportCard
from lab.takehome_data import DOMAINS, TakehomeDataError, get_domain, write_takehome_data
from lab.takehome_store import (Submission, Takehome, TakehomeNotFound, add_submission, allocate_id, default_root,
                                folder, get_takehome, list_submissions, locked, now_utc, save_takehome,
                                submission_path, update_submission)

TEMPLATES = Path(__file__).resolve().parent / "takehome_templates"
MIN_HOURS, MAX_HOURS = 4, 6
MAX_UPLOAD_BYTES = 100 * 2**20

__all__ = ["DOMAINS", "TakehomeDataError", "TakehomeNotFound", "create_takehome", "kit_path", "upload_submission",
           "grade_version", "start_grading", "reconcile_jobs",
           "write_reference_submission"]


def _render(name: str, takehome: Takehome) -> str:
    domain = get_domain(takehome.domain)
    splits = takehome.summary["splits"]
    return Template((TEMPLATES / name).read_text()).safe_substitute(
        candidate=takehome.candidate_name, domain_title=domain.title, task=domain.task, hours=takehome.hours,
        deadline=takehome.deadline_at.strftime("%Y-%m-%d %H:%M"), classes=", ".join(domain.classes),
        first_class=domain.classes[0], n_train=splits["train"], n_val=splits["val"], n_test=splits["test"],
        size=takehome.summary["image_size"])


def create_takehome(*, candidate_name: str, candidate_id: int | None = None, domain: str = "surface-defects",
                    seed: int | None = None, hours: int = 5, days: int = 7, created_by: str = "",
                    root: Path | None = None, sizes: dict[str, int] | None = None) -> Takehome:
    """Make the data set, the kit zip and the record; return the record (its ``id`` is what the CLI prints)."""
    name = " ".join(str(candidate_name).split())[:120]
    if not name:
        raise TakehomeDataError("the candidate's name is empty")
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise TakehomeDataError(f"the time box is {MIN_HOURS} to {MAX_HOURS} hours, not {hours}")
    if not 1 <= days <= 60:
        raise TakehomeDataError("the deadline is 1 to 60 days away")
    get_domain(domain)
    root = root or default_root()
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    with locked(root):
        takehome_id = allocate_id(root)
    base = folder(takehome_id, root)
    try:
        summary = write_takehome_data(base / "kit", base / "private", domain=domain, seed=seed, sizes=sizes)
        created = now_utc()
        takehome = Takehome(id=takehome_id, candidate_name=name, candidate_id=candidate_id, domain=domain, seed=seed,
                            hours=hours, created_at=created.isoformat(),
                            deadline=(created + timedelta(days=days)).isoformat(), created_by=created_by,
                            summary=summary)
        for template in ("BRIEF.md", "CONTRACT.md"):
            (base / "kit" / template).write_text(_render(template, takehome))
        _zip_folder(base / "kit", base / "kit.zip", top=f"takehome-{takehome_id}")
        save_takehome(takehome, root)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return takehome


def write_reference_submission(dest: Path, *, as_zip: bool = False) -> Path:
    """The studio's reference submission for the surface-defects domain: the demo detector (trained by
    ``demo_models.train``) as ``model.onnx``, an inference script that follows the contract, requirements, README and
    notes. Used by the tests, the browser journey and anyone who wants to see what a good card looks like."""
    from lab.dataset import baseline_model_path

    dest.mkdir(parents=True, exist_ok=True)
    for path in (TEMPLATES / "reference").iterdir():
        if path.is_file():
            shutil.copyfile(path, dest / path.name)
    shutil.copyfile(baseline_model_path(), dest / "model.onnx")
    if not as_zip:
        return dest
    target = dest.with_suffix(".zip")
    _zip_folder(dest, target, top="submission")
    return target


def _zip_folder(source: Path, target: Path, *, top: str) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(source).as_posix()}")


def kit_path(takehome_id: int, root: Path | None = None) -> Path:
    path = folder(takehome_id, root) / "kit.zip"
    if not path.is_file():
        raise TakehomeNotFound(f"no kit for take-home {takehome_id}")
    return path


def upload_submission(takehome_id: int, data: bytes, filename: str, *, uploaded_by: str = "",
                      root: Path | None = None) -> Submission:
    """Keep one upload (a zip) as the next version. Its contents are only looked at when it is graded."""
    takehome = get_takehome(takehome_id, root)
    if not data:
        raise TakehomeDataError("the upload is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise TakehomeDataError(f"the upload is {len(data) / 2**20:.0f} MB; at most "
                                f"{MAX_UPLOAD_BYTES // 2**20} MB are accepted")
    if not filename.lower().endswith(".zip") or not data.startswith(b"PK"):
        raise TakehomeDataError("upload one .zip file with model.onnx, infer.py, requirements.txt, README and notes")
    return add_submission(takehome, data, filename, uploaded_by, hashlib.sha256(data).hexdigest(), root=root)


def grade_version(takehome_id: int, version: int, *, root: Path | None = None, options: GradeOptions | None = None,
                  progress: Progress | None = None) -> ReportCard:
    """Grade one stored upload and keep its report card; any failure of the grader itself is stored as such."""
    takehome = get_takehome(takehome_id, root)
    update_submission(takehome_id, version, root, state="running", progress=0.0, message="starting")

    def report(fraction: float, message: str) -> None:
        update_submission(takehome_id, version, root, progress=round(fraction, 3), message=message)
        if progress is not None:
            progress(fraction, message)

    try:
        card = grade_submission(submission_path(takehome_id, version, root), folder(takehome_id, root) / "private",
                                takehome_id=takehome.id, options=options, progress=report)
    except Exception as exc:  # noqa: BLE001 - the grader's own failure still ends in a stored, readable state
        card = ReportCard(takehome_id=takehome.id)
        card.add("grader", "The grader finished", FAIL, f"the grader failed: {type(exc).__name__}: {exc}")
        update_submission(takehome_id, version, root, state="failed", progress=1.0, message=str(exc)[:300],
                          report=card.to_dict())
        return card
    update_submission(takehome_id, version, root, state="done", progress=1.0, message="graded",
                      report=card.to_dict())
    return card


WORKER_FRESH_S = 30.0  # a worker that said it was alive this recently will pick the job up


def start_grading(takehome_id: int, version: int, *, root: Path | None = None, options: GradeOptions | None = None,
                  owner: str = "takehome") -> str:
    """Grade in the background: as a job on the lab's queue (:mod:`lab.jobs`) when a worker is alive (``make run``
    starts one beside the app), else in a thread of this process. Either way the untrusted parts run in the sandbox
    and the lab's isolated children, and progress lands in the store, where the page reads it. Returns the job id,
    or "" for a thread."""
    root = root or default_root()
    if options is None:
        try:
            from lab import jobs

            queue = jobs.get_queue()
            seen = queue.last_worker_seen()
            if seen is not None and seen < WORKER_FRESH_S:
                job_id = queue.submit("takehome_grade", {"takehome_id": takehome_id, "version": version,
                                                         "root": str(root)}, owner or "takehome")
                update_submission(takehome_id, version, root, job_id=job_id, state="queued",
                                  message="waiting for a worker")
                return job_id
        except Exception:  # noqa: BLE001 - no usable queue: grade here instead of not at all
            pass
    thread = threading.Thread(target=grade_version, args=(takehome_id, version),
                              kwargs={"root": root, "options": options}, name=f"grade-{takehome_id}-{version}",
                              daemon=True)
    thread.start()
    return ""


def reconcile_jobs(takehome_id: int, root: Path | None = None) -> None:
    """A queued grading whose job failed on the queue (its worker died twice, say) is marked failed with the reason,
    so that no version waits for ever."""
    from lab import jobs

    for submission in list_submissions(takehome_id, root):
        if not submission.job_id or submission.state not in ("queued", "running"):
            continue
        try:
            job = jobs.status(submission.job_id)
        except jobs.JobError:
            continue
        if job.state == "failed":
            update_submission(takehome_id, submission.version, root, state="failed", progress=1.0,
                              message=f"the grading job failed: {job.error or job.message}"[:300])
