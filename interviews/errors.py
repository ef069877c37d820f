"""The exceptions the interviews package raises. Every message is written for the person using the app: a page
shows it with ``st.error`` as it is (it never holds internal keys, SQL or a traceback)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal in this package."""


class NotFound(DomainError):
    """The record does not exist (or the viewer may not know that it does)."""


class NotAllowed(DomainError):
    """The viewer's role or relation to the record does not allow this."""


class Invalid(DomainError, ValueError):
    """The input cannot be stored as given; the message says what to change."""


class Conflict(DomainError):
    """Someone else changed or created the same thing first; reload and try again."""


class NameTaken(Conflict):
    """Sign-up with a name that already has an account."""


class AlreadySubmitted(Conflict):
    """The scorecard was submitted (perhaps from another tab): it is read-only now."""


class NoteConflict(Conflict):
    """A newer version of the note was saved (another tab): the stale text is not written over it."""

    def __init__(self, message: str, *, current_text: str, current_version: int) -> None:
        super().__init__(message)
        self.current_text = current_text
        self.current_version = current_version


class AuthError(DomainError):
    """Sign-in refused. One message for every reason; ``retry_after_s`` is set while sign-in is slowed down."""

    def __init__(self, message: str, *, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
