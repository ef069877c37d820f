"""Which role may open which page: the one table ``app.py`` and the access-matrix test both read.

Every page is registered with ``st.navigation`` for everybody, so that a link to any page resolves (instead of
"Page not found"); ``app.py`` then opens the page only for the roles listed here. An anonymous visitor who follows
a link to a page gets the sign-in form and, once signed in, the page they asked for. ``ANONYMOUS`` stands for a
visitor who has not signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS = "anonymous"
STAFF = frozenset({"admin", "manager", "interviewer"})
SIGNED_IN = STAFF | {"candidate"}
EVERYONE = SIGNED_IN | {ANONYMOUS}
ROLE_LABELS = {"admin": "Admin", "manager": "Hiring manager", "interviewer": "Interviewer", "candidate": "Candidate",
               ANONYMOUS: "Not signed in"}


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[str]
    default: bool = False

    @property
    def url_path(self) -> str:
        """The path Streamlit serves the page under (``views/question_bank.py`` -> ``question_bank``)."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".py")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/home.py", "Home", ":material/home:", EVERYONE, default=True),
    PageSpec("views/question_bank.py", "Question bank", ":material/menu_book:", SIGNED_IN),
    PageSpec("views/practice.py", "Practice", ":material/edit_note:", frozenset({"candidate"})),
    PageSpec("views/candidates.py", "Candidates", ":material/group:", STAFF),
    PageSpec("views/interview.py", "Interview notes", ":material/record_voice_over:",
             frozenset({"interviewer", "manager"})),
    PageSpec("views/scorecard.py", "Scorecard", ":material/rate_review:", frozenset({"interviewer", "manager"})),
    PageSpec("views/scorecards.py", "Scorecards", ":material/table_view:", STAFF),
    PageSpec("views/debrief.py", "Debrief", ":material/forum:", STAFF),
    PageSpec("views/pipeline.py", "Pipeline", ":material/view_kanban:", frozenset({"admin", "manager"})),
    PageSpec("views/candidate.py", "Candidate", ":material/person_search:", frozenset({"admin", "manager"})),
    PageSpec("views/compare.py", "Compare", ":material/compare:", frozenset({"admin", "manager"})),
    PageSpec("views/calibration.py", "Calibration", ":material/balance:", frozenset({"admin", "manager"})),
    PageSpec("views/lab.py", "ONNX lab", ":material/speed:", frozenset({"candidate", "interviewer", "manager"})),
    PageSpec("views/takehome.py", "Take-home", ":material/assignment:", frozenset({"admin", "manager", "candidate"})),
    PageSpec("views/admin.py", "Users and invitations", ":material/admin_panel_settings:", frozenset({"admin"})),
)


def role_of(user: object | None) -> str:
    """The access role of a signed-in user (``.role``), or ANONYMOUS."""
    return getattr(user, "role", None) or ANONYMOUS


def may_open(spec: PageSpec, user: object | None) -> bool:
    return role_of(user) in spec.roles


def pages_for(user: object | None) -> list[PageSpec]:
    """The pages shown in this user's sidebar, in table order."""
    return [spec for spec in PAGES if may_open(spec, user)]


def spec_for_url_path(url_path: str) -> PageSpec:
    """The page served under ``url_path`` ("" is Home); unknown paths map to Home."""
    return next((spec for spec in PAGES if spec.url_path == url_path and url_path), PAGES[0])


def readable_ids(bank, user: object | None) -> frozenset[str]:
    """The ids of the bank questions this user may read: staff every question; candidates (and anyone else) only
    the practice questions, which come with model answers."""
    from question_bank.schema import Visibility

    if role_of(user) in STAFF:
        return frozenset(q.id for q in bank.questions)
    return frozenset(q.id for q in bank.questions if q.visibility is Visibility.practice)
