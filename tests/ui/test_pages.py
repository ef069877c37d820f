"""AppTest: every page starts without an exception, and the bank page shows what a user expects."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import run_page
from ui.auth import User
from ui.state import USER

pytestmark = pytest.mark.usefixtures("fresh_services")


def test_app_shows_home_and_sign_in_when_signed_out():
    at = run_page("app.py")
    assert not at.exception
    assert at.title[0].value == "Vision Interview Studio"
    assert at.text_input(key="home.name") is not None


def sign_in_via_form(name: str, password: str, role: str, code: str = "") -> AppTest:
    at = run_page("views/home.py")
    at.text_input(key="home.name").input(name)
    at.text_input(key="home.password").input(password)
    at.radio(key="home.role").set_value(role)
    at.text_input(key="home.code").input(code)
    return at.button[0].click().run()


def test_sign_in_refuses_empty_name_and_short_password():
    at = sign_in_via_form("", "long enough pw", "candidate")
    assert "Please enter your name." in [e.value for e in at.error]
    at = sign_in_via_form("Ada", "short", "candidate")
    assert "at least 8 characters" in at.error[0].value
    assert USER not in at.session_state


def test_first_sign_in_creates_the_account_and_the_password_protects_it():
    at = sign_in_via_form("Ada  <b>Lovelace</b>", "correct horse", "candidate")
    assert at.session_state[USER] == User(name="Ada <b>Lovelace</b>", role="candidate")
    impostor = sign_in_via_form("ada <b>lovelace</b>", "wrong password", "interviewer")
    assert "password does not match" in impostor.error[0].value
    assert USER not in impostor.session_state
    again = sign_in_via_form("Ada <b>Lovelace</b>", "correct horse", "manager")
    assert again.session_state[USER].role == "candidate", "the stored role wins over the radio button"


def test_staff_accounts_need_the_code_when_one_is_set(monkeypatch):
    from settings import get_settings
    from ui.services import get_services

    monkeypatch.setenv("VIS_STAFF_CODE", "letmein-42")
    get_settings.cache_clear()
    get_services.clear()
    refused = sign_in_via_form("Ivy", "interviewer pw", "interviewer", "guess")
    assert "staff access code" in refused.error[0].value
    ok = sign_in_via_form("Ivy", "interviewer pw", "interviewer", "letmein-42")
    assert ok.session_state[USER] == User("Ivy", "interviewer")
    candidate = sign_in_via_form("Cal", "candidate pw", "candidate")
    assert candidate.session_state[USER].role == "candidate"


@pytest.mark.parametrize("role", ["interviewer", "candidate", "manager"])
def test_app_starts_for_each_role(role):
    at = run_page("app.py", User("Sam", role))
    assert not at.exception, at.exception


def test_bank_page_lists_filters_and_reveals(isolated_settings):
    at = run_page("views/question_bank.py", User("Cat", "candidate"))
    assert not at.exception
    first = at.radio(key="bank.chosen").value
    assert first
    assert any("model answer is hidden" in c.value for c in at.caption)
    at.toggle(key=f"bank.reveal.{first}").set_value(True).run()
    assert at.info, "the model answer appears after the reveal"

    at.multiselect(key="bank.f_kind").set_value(["behavioural"]).run()
    shown = at.radio(key="bank.chosen").options
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
