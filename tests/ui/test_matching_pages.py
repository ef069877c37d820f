"""AppTest for the practice page: matching, storage, and who may see what (interview notes: test_interview_page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from interviews.db import session_scope
from interviews.practice import PracticeAttempt
from tests.ui.apptest import run_page
from ui.auth import User

pytestmark = pytest.mark.usefixtures("fresh_services")


def rows(model):
    from ui.services import get_services

    with session_scope(get_services().sessions) as session:
        return list(session.scalars(select(model)))


def test_practice_checks_an_answer_and_stores_it_for_that_candidate_only():
    at = run_page("views/practice.py", User("Ada", "candidate"))
    assert not at.exception
    at.text_area(key="practice.answer").input("I profile on the device first, then quantise to int8 with "
                                              "calibration data and re-measure accuracy.")
    at.button[0].click().run()
    assert not at.exception
    assert [m.label for m in at.metric][:3] == ["Must points covered", "Nice points covered", "Suggested rating"]
    saved = rows(PracticeAttempt)
    assert len(saved) == 1 and saved[0].candidate == "Ada"
    assert any(m.label == "Attempts" and m.value == "1" for m in at.metric)

    other = run_page("views/practice.py", User("Bob", "candidate"))
    assert any(m.label == "Attempts" and m.value == "0" for m in other.metric)
    assert not other.dataframe, "another candidate must not see Ada's attempts"


def test_practice_refuses_an_empty_answer():
    at = run_page("views/practice.py", User("Ada", "candidate"))
    at.button[0].click().run()
    assert "Write an answer first" in at.error[0].value
    assert rows(PracticeAttempt) == []


@pytest.mark.parametrize("page,role", [("views/practice.py", "interviewer"), ("views/practice.py", "manager"),
                                       ("views/interview.py", "candidate"), ("views/interview.py", "admin")])
def test_pages_refuse_the_wrong_role(page, role):
    at = run_page(page, User("Eve", role))
    assert at.error and "This screen is for" in at.error[0].value
    assert not at.text_area
