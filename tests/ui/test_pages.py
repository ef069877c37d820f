"""AppTest: every page starts without an exception, and the bank page shows what a user expects."""

from __future__ import annotations

import pytest
from tests.ui.apptest import make_user, run_page
from ui.auth import User

pytestmark = pytest.mark.usefixtures("fresh_services")


def test_app_shows_home_and_sign_in_when_signed_out():
    at = run_page("app.py")
    assert not at.exception
    assert at.title[0].value == "Vision Interview Studio"
    assert at.text_input(key="auth.name") is not None


@pytest.mark.parametrize("role", ["admin", "interviewer", "candidate", "manager"])
def test_app_starts_for_each_role(role):
    at = run_page("app.py", make_user("Sam", role))
    assert not at.exception, at.exception
    assert any("Signed in as Sam" in s.value for s in at.success)


def test_bank_page_lists_filters_and_reveals(isolated_settings):
    at = run_page("views/question_bank.py", User("Cat", "candidate"))
    assert not at.exception
    first = at.radio(key="bank.chosen").value
    assert first
    assert any("model answer is hidden" in c.value for c in at.caption)
    at.toggle(key=f"bank.reveal.{first}").set_value(True).run()
    assert at.info, "the model answer appears after the reveal"

    at.multiselect(key="bank.f_kind").set_value(["behavioural"]).run()
    shown = [label.replace("\\", "") for label in at.radio(key="bank.chosen").options]  # options are shown inert
    assert shown and all(label.endswith("Behavioural, " + label.rsplit(", ", 1)[-1]) for label in shown)


def test_bank_search_ranks_results_and_handles_no_match():
    at = run_page("views/question_bank.py", User("Cat", "candidate"))
    at.text_input(key="bank.query").input("quantisation int8 calibration accuracy").run()
    assert not at.exception
    assert any("ranked by closeness" in c.value for c in at.caption)
    at.multiselect(key="bank.f_level").set_value(["junior"]).run()
    at.multiselect(key="bank.f_kind").set_value(["behavioural"]).run()
    at.multiselect(key="bank.f_comp").set_value(["edge_constraints"]).run()
    assert not at.exception


def test_candidates_cannot_import_questions():
    at = run_page("views/question_bank.py", User("Cat", "candidate"))
    assert not any(e.label.startswith("Import questions") for e in at.expander)
    at = run_page("views/question_bank.py", User("Ivy", "interviewer"))
    assert any(e.label.startswith("Import questions") for e in at.expander)


def test_kit_filter_limits_the_list_to_the_kit():
    at = run_page("views/question_bank.py", User("Ivy", "interviewer"))
    at.selectbox(key="bank.kit").set_value("edge-embedded-cv").run()
    from ui.services import get_services

    kit = next(k for k in get_services().bank.kits if k.id == "edge-embedded-cv")
    assert len(at.radio(key="bank.chosen").options) == len(kit.question_ids)
