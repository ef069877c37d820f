"""Who is acting: the :class:`Identity` every service function takes as ``viewer`` or ``actor``, the roles, and
how names are normalised and compared."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from interviews.errors import Invalid, NotAllowed

ROLES = ("admin", "manager", "interviewer", "candidate")
STAFF_ROLES = ("admin", "manager", "interviewer")
ROLE_LABELS = {"admin": "Admin", "manager": "Hiring manager", "interviewer": "Interviewer", "candidate": "Candidate"}
MAX_NAME = 80


@dataclass(frozen=True)
class Identity:
    """A signed-in account. ``role`` is the stored role; ``active_role`` is what it may do right now."""

    name: str
    role: str
    created: bool = False
    account_id: int = 0
    confirmed: bool = True

    @property
    def active_role(self) -> str | None:
        """The role in force: None while a staff role waits for an admin's confirmation."""
        return self.role if self.confirmed else None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_staff(self) -> bool:
        return self.active_role in STAFF_ROLES


# The command line (python -m interviews ...) acts as an admin: whoever runs it already owns the database.
COMMAND_LINE = Identity(name="command line", role="admin", account_id=0, confirmed=True)


def normalise_name(raw: str) -> str:
    """A display name: NFKC form, printable characters only, single spaces, at most MAX_NAME characters."""
    text = unicodedata.normalize("NFKC", raw)
    printable = "".join(ch for ch in text if ch.isprintable())
    return " ".join(printable.split())[:MAX_NAME]


def name_key(name: str) -> str:
    """How names are compared: NFKC, case-folded, single spaces (so "Ａda" and "ada" are the same name)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def require_role(viewer: Identity | None, *roles: str) -> Identity:
    """``viewer`` when their active role is one of ``roles``; otherwise :class:`NotAllowed`."""
    if viewer is None or viewer.active_role not in roles:
        if viewer is not None and not viewer.confirmed and viewer.role in roles:
            raise NotAllowed("Your staff role is waiting for an admin's confirmation.")
        allowed = ", ".join(ROLE_LABELS[r] for r in roles)
        raise NotAllowed(f"Only these roles may do this: {allowed}.")
    return viewer


def clean_name(raw: str, *, what: str = "name") -> str:
    name = normalise_name(raw)
    if not name:
        raise Invalid(f"Please enter a {what}.")
    return name
