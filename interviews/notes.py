"""Interview notes, saved as they are typed so that a closed tab or a restarted server loses nothing.

One row per (interviewer, question): the latest text. Notes are confidential to the interviewer who wrote them;
every read takes the interviewer's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from interviews.db import Base, utcnow

MAX_NOTE_CHARS = 100_000


class InterviewNote(Base):
    __tablename__ = "interview_notes"
    __table_args__ = (UniqueConstraint("interviewer", "question_id", name="uq_note_per_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interviewer: Mapped[str] = mapped_column(String(80), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def save_note(session: Session, *, interviewer: str, question_id: str, text: str) -> InterviewNote:
    """Insert or replace the interviewer's note on this question (text beyond MAX_NOTE_CHARS is refused)."""
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError(f"a note may hold at most {MAX_NOTE_CHARS:,} characters; this one has {len(text):,}")
    note = session.scalar(select(InterviewNote).where(InterviewNote.interviewer == interviewer,
                                                      InterviewNote.question_id == question_id))
    if note is None:
        note = InterviewNote(interviewer=interviewer, question_id=question_id, text=text)
        session.add(note)
    else:
        note.text = text
        note.updated_at = utcnow()
    session.flush()
    return note


def load_note(session: Session, *, interviewer: str, question_id: str) -> str:
    note = session.scalar(select(InterviewNote).where(InterviewNote.interviewer == interviewer,
                                                      InterviewNote.question_id == question_id))
    return note.text if note else ""
