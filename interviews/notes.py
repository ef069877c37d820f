"""Interview notes, saved as they are typed: one row per interview, author and question, with a version number.

The autosave path is cheap (one check of the panel seat and scorecard, then one conditional INSERT or UPDATE)
and safe between tabs: a writer passes the version it last saw (0 for none); when another tab saved since, the
write is refused with :class:`NoteConflict` carrying the newer text, never written over it. Re-sending the text
that is already stored (a retry after a lost reply) succeeds. Notes are read by their author, and by hiring
managers and admins; never by other interviewers or by candidates. Once the author's scorecard for the
interview is submitted, their notes are read-only. Text longer than :data:`MAX_NOTE_CHARS` is refused with a
message, never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from interviews import schedule
from interviews.base import as_utc, utcnow
from interviews.errors import AlreadySubmitted, Invalid, NoteConflict, NotAllowed
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import Note, PanelSeat, Scorecard
from interviews.throttle import insert_ignore

MAX_NOTE_CHARS = 100_000
CONFLICT = ("These notes were changed in another tab or window since this one loaded them. Your text was not "
            "saved over them: copy what you need, then reload to continue from the newer notes.")


@dataclass(frozen=True)
class NoteSaved:
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class NoteInfo:
    question_id: str
    text: str
    version: int
    updated_at: datetime | None


def _check_writer(session: Session, viewer: Identity, interview_id: int) -> None:
    require_role(viewer, *STAFF_ROLES)
    row = session.execute(
        select(PanelSeat.account_id, Scorecard.status)
        .outerjoin(Scorecard, (Scorecard.interview_id == PanelSeat.interview_id)
                   & (Scorecard.interviewer_id == PanelSeat.account_id))
        .where(PanelSeat.interview_id == interview_id, PanelSeat.account_id == viewer.account_id)).first()
    if row is None:
        raise NotAllowed("Only interviewers on this interview's panel can take notes in it.")
    if row.status == "submitted":
        raise AlreadySubmitted("Your scorecard for this interview is submitted, so its notes are read-only.")


_NOTES, _SEATS, _CARDS = Note.__table__, PanelSeat.__table__, Scorecard.__table__
# The autosave fast path: one statement, built once, that writes only when the version still matches, the author
# sits on the panel and their scorecard is not submitted. When it changes nothing, the slow path says why.
_AUTOSAVE = (
    _NOTES.update()
    .where(_NOTES.c.interview_id == bindparam("iid"), _NOTES.c.author_id == bindparam("aid"),
           _NOTES.c.question_id == bindparam("qid"), _NOTES.c.version == bindparam("base"),
           exists().where(_SEATS.c.interview_id == bindparam("iid"), _SEATS.c.account_id == bindparam("aid")),
           ~exists().where(_CARDS.c.interview_id == bindparam("iid"), _CARDS.c.interviewer_id == bindparam("aid"),
                           _CARDS.c.status == "submitted"))
    .values(text=bindparam("new_text"), version=bindparam("new_version"), updated_at=bindparam("now")))


def save_note(session: Session, *, viewer: Identity, interview_id: int, question_id: str, text: str,
              base_version: int) -> NoteSaved:
    """Store ``text`` as the viewer's note if the stored version is still ``base_version``; returns the new one."""
    if len(text) > MAX_NOTE_CHARS:
        raise Invalid(f"A note may hold at most {MAX_NOTE_CHARS:,} characters; this one has {len(text):,}. "
                      "Nothing was cut: shorten it and it will save.")
    require_role(viewer, *STAFF_ROLES)
    now = utcnow()
    if base_version > 0:
        changed = session.connection().execute(_AUTOSAVE, {
            "iid": interview_id, "aid": viewer.account_id, "qid": question_id, "base": base_version,
            "new_text": text, "new_version": base_version + 1, "now": now})
        if changed.rowcount == 1:
            return NoteSaved(base_version + 1, now)
    _check_writer(session, viewer, interview_id)
    where = (Note.interview_id == interview_id, Note.author_id == viewer.account_id, Note.question_id == question_id)
    if base_version == 0 and insert_ignore(session, Note, interview_id=interview_id, author_id=viewer.account_id,
                                           question_id=question_id, text=text, version=1, updated_at=now) == 1:
        schedule.mark_in_progress(session, interview_id)
        return NoteSaved(1, now)
    current = session.execute(select(Note.text, Note.version, Note.updated_at).where(*where)).first()
    if current is not None and current.text == text:
        return NoteSaved(current.version, as_utc(current.updated_at))
    raise NoteConflict(CONFLICT, current_text=current.text if current else "",
                       current_version=current.version if current else 0)


def load_note(session: Session, *, viewer: Identity, interview_id: int, question_id: str) -> NoteInfo:
    """The viewer's own note (version 0 and empty text when there is none yet)."""
    return load_notes(session, viewer=viewer, interview_id=interview_id).get(
        question_id, NoteInfo(question_id, "", 0, None))


def load_notes(session: Session, *, viewer: Identity, interview_id: int,
               author_id: int | None = None) -> dict[str, NoteInfo]:
    """Notes of one author in one interview, by question: the viewer's own by default; another author's only for
    hiring managers and admins."""
    require_role(viewer, *STAFF_ROLES)
    author_id = viewer.account_id if author_id is None else author_id
    if author_id != viewer.account_id and viewer.active_role not in ("admin", "manager"):
        raise NotAllowed("Interview notes are read by their author and by hiring managers only.")
    rows = session.scalars(select(Note).where(Note.interview_id == interview_id, Note.author_id == author_id))
    return {r.question_id: NoteInfo(r.question_id, r.text, r.version, as_utc(r.updated_at)) for r in rows}
