"""Who may open the practice and interview pages (practice itself: test_practice_page; notes: test_interview_page)."""

from __future__ import annotations

import pytest

from tests.ui.apptest import run_page
from ui.auth import User

pytestmark = pytest.mark.usefixtures("fresh_services")


@pytest.mark.parametrize("page,role", [("views/practice.py", "interviewer"), ("views/practice.py", "manager"),
                                       ("views/interview.py", "candidate"), ("views/interview.py", "admin")])
def test_pages_refuse_the_wrong_role(page, role):
    at = run_page(page, User("Eve", role))
    assert at.error and "This screen is for" in at.error[0].value
    assert not at.text_area
