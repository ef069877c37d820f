"""After an interviewer submits the only scorecard of an interview, the interview pickers (scorecard and notes
screens) say it is submitted, not in progress."""

from __future__ import annotations

import pytest

from tests.ui.apptest import run_app
from tests.ui.test_scorecard_pages import loop, submit  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.usefixtures("fresh_services")


def test_the_picker_says_submitted_once_the_only_card_is_submitted(loop):  # noqa: F811
    before = run_app("views/scorecard.py", loop["ivy"], query={"interview": str(loop["a"])})
    [label] = before.selectbox(key="scorecard.interview").options
    assert "submitted" not in label
    at = submit(loop["ivy"], loop["a"])
    assert not at.exception
    [label] = at.selectbox(key="scorecard.interview").options
    assert "submitted" in label and "in progress" not in label
    notes = run_app("views/interview.py", loop["ivy"], query={"interview": str(loop["a"])})
    [label] = notes.selectbox(key="interview.interview").options
    assert "submitted" in label and "in progress" not in label
