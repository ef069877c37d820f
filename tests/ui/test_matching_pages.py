"""AppTest for the practice and interview-notes pages: matching, storage, and who may see what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from interviews.db import session_scope
from interviews.overrides import RubricDecision
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
                                       ("views/interview.py", "candidate"), ("views/interview.py", "manager")])
def test_pages_refuse_the_wrong_role(page, role):
    at = run_page(page, User("Eve", role))
    assert at.error and "This screen is for" in at.error[0].value
    assert not at.text_area


def test_interview_notes_match_and_store_overrides():
    at = run_page("views/interview.py", User("Ivy", "interviewer"))
    assert not at.exception
    question_id = at.radio(key="interview.question").value
    at.text_area(key=f"interview.notes.{question_id}").input(
        "<b>Cand</b> said TRT fp16, INT8 PTQ w/ calib set; never checked acc on device. **mentioned** DeepStream").run()
    assert not at.exception
    boxes = [c for c in at.checkbox if c.key.startswith(f"interview.decide.{question_id}.")]
    assert len(boxes) >= 4
    flipped = boxes[0].value
    boxes[0].set_value(not flipped)
    at.button(key=f"interview.save.{question_id}").click().run()
    assert "1 override(s)" in at.success[-1].value
    saved = rows(RubricDecision)
    assert len(saved) == len(boxes)
    assert sum(r.is_override for r in saved) == 1 and saved[0].reviewer == "Ivy"
    assert all("<b>" not in m.value for m in at.markdown if "Cand" in m.value), "notes are shown inert"


def test_interview_notes_survive_a_new_session():
    at = run_page("views/interview.py", User("Ivy", "interviewer"))
    question_id = at.radio(key="interview.question").value
    at.text_area(key=f"interview.notes.{question_id}").input("Built a TRT engine, p95 12 ms on Orin").run()
    fresh = run_page("views/interview.py", User("Ivy", "interviewer"))
    assert fresh.text_area(key=f"interview.notes.{question_id}").value == "Built a TRT engine, p95 12 ms on Orin"
    other = run_page("views/interview.py", User("Max", "interviewer"))
    assert other.text_area(key=f"interview.notes.{question_id}").value == ""


def test_scorecard_submission_once_and_visibility_by_role():
    from interviews.scorecards import Scorecard

    at = run_page("views/scorecard.py", User("Ivy", "interviewer"))
    assert not at.exception
    at.text_input(key="scorecard.candidate").input("Ada")
    at.run()
    first_rate = next(s for s in at.selectbox if s.key.startswith("scorecard.rate."))
    first_rate.set_value(3)
    at.radio(key="scorecard.recommendation").set_value("yes")
    submit = at.button[0]
    submit.click().run()
    assert "submitted" in at.success[0].value
    submit.click().run()  # a second click on the same (now hidden) form changes nothing
    saved = rows(Scorecard)
    assert len(saved) == 1 and saved[0].interviewer == "Ivy" and saved[0].candidate == "Ada"
    assert saved[0].ratings[0]["rating"] == 3

    manager = run_page("views/scorecards.py", User("Boss", "manager"))
    assert not manager.exception and manager.dataframe[0].value["candidate"].tolist()[0] == "Ada"
    other = run_page("views/scorecards.py", User("Max", "interviewer"))
    assert other.info and "No scorecards yet" in other.info[0].value
    candidate = run_page("views/scorecards.py", User("Ada", "candidate"))
    assert "This screen is for" in candidate.error[0].value and not candidate.dataframe


def test_scorecard_refuses_missing_recommendation():
    at = run_page("views/scorecard.py", User("Ivy", "interviewer"))
    at.text_input(key="scorecard.candidate").input("Ada").run()
    next(s for s in at.selectbox if s.key.startswith("scorecard.rate.")).set_value(2)
    at.button[0].click().run()
    assert "Choose a recommendation" in at.error[0].value
