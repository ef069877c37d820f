"""The access-control matrix: every role (and anonymous) against every page, opened by its link, and the actions
behind them, including tampered query parameters and widget values. The expected table is written out here, by
hand, so that a change to ui/access.py that opens a page to a new role fails until this table agrees."""

from __future__ import annotations

import pytest

from tests.ui.apptest import make_candidate, make_interview, make_user, run_app, services
from ui.access import PAGES

pytestmark = pytest.mark.usefixtures("fresh_services")

STAFF = {"admin", "manager", "interviewer"}
SIGNED_IN = STAFF | {"candidate"}
EXPECTED = {
    "views/home.py": SIGNED_IN | {"anonymous"},
    "views/question_bank.py": SIGNED_IN,
    "views/practice.py": {"candidate"},
    "views/candidates.py": STAFF,
    "views/interview.py": {"manager", "interviewer"},
    "views/scorecard.py": {"manager", "interviewer"},
    "views/scorecards.py": STAFF,
    "views/debrief.py": STAFF,
    "views/pipeline.py": {"admin", "manager"},
    "views/candidate.py": {"admin", "manager"},
    "views/compare.py": {"admin", "manager"},
    "views/calibration.py": {"admin", "manager"},
    "views/lab.py": {"candidate", "interviewer", "manager"},
    "views/takehome.py": {"admin", "manager", "candidate"},
    "views/admin.py": {"admin"},
}
ROLES = ["admin", "manager", "interviewer", "candidate", "anonymous"]


@pytest.fixture
def people():
    users = {role: make_user(f"{role.title()} Person", role) for role in ROLES if role != "anonymous"}
    users["anonymous"] = None
    return users


def test_every_registered_page_is_in_the_matrix():
    assert {spec.path for spec in PAGES} == set(EXPECTED), "add the new page to EXPECTED with the roles it is for"


def outcome(at) -> str:
    """What the visitor got: the page itself, the sign-in form, or a refusal."""
    assert not at.exception, at.exception
    if any(t.key == "auth.name" for t in at.text_input) and any("Sign in to open" in i.value for i in at.info):
        return "sign-in"
    if any("not open to your role" in e.value for e in at.error):
        return "refused"
    return "opened"


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_each_role_against_each_page_opened_by_its_link(people, path):
    for role in ROLES:
        got = outcome(run_app(path, people[role]))
        if role in EXPECTED[path]:
            want = "opened"
        else:
            want = "sign-in" if role == "anonymous" else "refused"
        assert got == want, f"{role} on {path}: got {got}, expected {want}"


def test_each_page_admits_exactly_the_roles_its_sidebar_entry_is_shown_to():
    """The gate (ui/access.PAGES) and the page's own require_role agree: no sidebar link that the page refuses."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for spec in PAGES:
        tree = ast.parse((root / spec.path).read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "require_role"]
        if not calls:
            continue  # the page relies on the gate alone
        admitted = {arg.value for arg in calls[0].args}
        assert admitted == set(spec.roles), f"{spec.path}: page {sorted(admitted)}, sidebar {sorted(spec.roles)}"


def test_sidebar_lists_exactly_the_pages_a_role_may_open(people):
    titles = {spec.path: spec.title for spec in PAGES}
    for role in ROLES:
        at = run_app(None, people[role])
        shown = {link.label for link in at.get("page_link")}
        assert shown == {titles[p] for p, roles in EXPECTED.items() if role in roles}, role


@pytest.fixture
def panel(people):
    ivy = people["interviewer"]
    otto = make_user("Otto Other", "interviewer")
    candidate_id = make_candidate("Dana Candidate")
    return {"ivy": ivy, "otto": otto, "candidate": candidate_id,
            "interview": make_interview(candidate_id, ivy), "manager": people["manager"]}


def test_a_link_to_another_panels_interview_is_refused(panel):
    link = {"interview": str(panel["interview"])}
    for page in ("views/interview.py", "views/scorecard.py"):
        at = run_app(page, panel["otto"], query=link)
        assert outcome(at) == "opened" and "cannot be opened" in at.error[0].value, page
        assert not at.radio and not any(b.key == "interview.save" for b in at.button)
    mine = run_app("views/interview.py", panel["ivy"], query=link)
    assert not mine.error and mine.radio
    for bad in ("999999", "-1", "abc", "1 OR 1=1"):
        at = run_app("views/interview.py", panel["ivy"], query={"interview": bad})
        assert not at.exception
        if bad.lstrip("-").isdigit():
            assert "cannot be opened" in at.error[0].value


def test_a_tampered_interview_widget_value_is_refused(panel):
    other_candidate = make_candidate("Eve Elsewhere")
    hidden = make_interview(other_candidate, panel["otto"])
    at = run_app("views/interview.py", panel["ivy"])
    at.session_state["interview.candidate"] = other_candidate
    at.run()
    assert not at.exception
    assert not any(s.key == "interview.interview" and s.value == hidden for s in at.selectbox)
    at.session_state["interview.interview"] = hidden
    at.run()
    assert not at.exception
    assert not any(r.key == f"interview.question.{hidden}" for r in at.radio), "another panel's questions stay shut"


def test_a_forged_draft_for_another_interview_is_not_saved(panel):
    from interviews.db import session_scope
    from interviews.notes import load_note

    other = make_interview(make_candidate("Eve Elsewhere"), panel["otto"])
    at = run_app("views/interview.py", panel["ivy"])
    qid = at.radio[0].value
    own_box = f"interview.box.{panel['interview']}.{qid}"
    at.session_state[own_box] = {"draft": {"doc": f"{other}:{qid}", "text": "forged", "seq": 5, "base": 0}}
    at.run()
    with session_scope(services().sessions) as session:
        assert load_note(session, viewer=panel["otto"].identity, interview_id=other, question_id=qid).text == ""
        assert load_note(session, viewer=panel["ivy"].identity, interview_id=panel["interview"],
                         question_id=qid).text == ""


def test_only_managers_and_admins_add_candidates(people):
    for role in ("admin", "manager", "interviewer"):
        at = run_app("views/candidates.py", people[role])
        can_add = any("Add a candidate" in e.label for e in at.expander)
        assert can_add == (role in ("admin", "manager")), role


def test_candidates_read_only_practice_questions_with_model_answers(people):
    from question_bank.schema import Visibility

    bank = services().bank
    interview_only = {q.id for q in bank.questions if q.visibility is Visibility.interview}
    assert interview_only, "the bank has interview-only questions"
    cand = run_app("views/question_bank.py", people["candidate"])
    options = set(cand.radio(key="bank.chosen").options)
    prompts = {bank.question(qid).prompt for qid in interview_only}
    assert not any(any(p[:40] in o for p in prompts) for o in options)
    staff = run_app("views/question_bank.py", people["interviewer"])
    assert len(staff.radio(key="bank.chosen").options) == len(bank.questions)
