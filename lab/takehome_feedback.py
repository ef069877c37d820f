"""Plain words for a candidate about their uploads: which version was received, and for a refused or failed one,
what was wrong and what to upload instead. Only the intake and file checks are quoted (they describe the upload
itself); the graded figures stay with the hiring team."""

from __future__ import annotations

from dataclasses import dataclass

from lab.grade_report import FAIL
from lab.takehome_store import Submission

UPLOAD_HINT = ("Upload one .zip file with model.onnx, infer.py, requirements.txt, README and NOTES inside it "
               "(plain files and folders only: no links, no absolute paths, no '..').")


@dataclass(frozen=True)
class Feedback:
    version: int
    problem: str  # a full sentence or two; "" when nothing went wrong on the candidate's side


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a closing full stop."""
    text = " ".join(str(text).split()).rstrip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def refused_upload(reason: str) -> str:
    """The message for an upload refused before it was kept (empty, too large, not a zip)."""
    hint = "" if "upload one .zip" in reason.lower() else f" {UPLOAD_HINT}"
    return f"That upload was refused and nothing was kept: {sentence(reason)}{hint}"


def received(submission: Submission) -> str:
    late = " It arrived after the deadline, so an earlier on-time version counts." if submission.late else ""
    return f"Version {submission.version} received ({submission.filename}) and kept.{late}"


def _failed_check(report: dict | None, check_id: str) -> str | None:
    for check in (report or {}).get("checks", []):
        if check.get("id") == check_id and check.get("result") == FAIL:
            return str(check.get("detail", ""))
    return None


def feedback(submission: Submission, counted: Submission | None) -> Feedback:
    """What went wrong with one version, said to the candidate who uploaded it."""
    version = submission.version
    counts = (" It is the version that counts at the moment: upload a corrected one before the deadline."
              if counted is not None and counted.version == version else "")
    if submission.state == "failed":
        return Feedback(version, f"Version {version} could not be graded because of a problem on our side, not "
                                 f"necessarily in your upload. Upload it again; if that fails too, tell the hiring "
                                 f"team.{counts}")
    if (refusal := _failed_check(submission.report, "intake")) is not None:
        why = sentence(refusal.removeprefix("refused: "))
        return Feedback(version, f"Version {version} was refused and not graded. {why} {UPLOAD_HINT}{counts}")
    if (missing := _failed_check(submission.report, "files")) is not None:
        names = missing.removeprefix("missing: ")
        return Feedback(version, f"Version {version} is missing files the brief asks for: {names}. "
                                 f"{UPLOAD_HINT}{counts}")
    return Feedback(version, "")
