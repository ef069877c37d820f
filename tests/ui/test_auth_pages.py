"""AppTest: sign-up and sign-in are separate, one message for every failure, invitations, the reload cookie,
single sign-on when secrets configure it, and sign-out."""

from __future__ import annotations

import pytest

from tests.ui.apptest import PASSWORD, make_user, run_app, services
from ui.auth import User
from ui.state import USER

pytestmark = pytest.mark.usefixtures("fresh_services")


def sign_in_at(at, name: str, password: str):
    at.text_input(key="auth.name").input(name)
    at.text_input(key="auth.password").input(password)
    return at.button(key="FormSubmitter:auth.sign_in-Sign in").click().run()


def sign_up_at(at, name: str, password: str, again: str | None = None):
    at.text_input(key="auth.new_name").input(name)
    at.text_input(key="auth.new_password").input(password)
    at.text_input(key="auth.new_password2").input(password if again is None else again)
    return at.button(key="FormSubmitter:auth.sign_up-Create my account").click().run()


def test_anonymous_visitor_sees_home_and_sign_in_only():
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Vision Interview Studio"
    links = [link.label for link in at.get("page_link")]
    assert links == ["Home"]
    assert at.text_input(key="auth.name") is not None and at.text_input(key="auth.new_name") is not None
    assert not any(r.key == "home.role" for r in at.radio), "nobody chooses a role at the form"


def test_first_sign_up_is_the_admin_then_candidates_and_a_typo_never_creates_an_account():
    at = sign_up_at(run_app(), "Ada <b>Admin</b>", PASSWORD)
    assert at.session_state[USER].role == "admin" and at.session_state[USER].name == "Ada <b>Admin</b>"
    cand = sign_up_at(run_app(), "Cal Candidate", PASSWORD)
    assert cand.session_state[USER].role == "candidate"
    typo = sign_in_at(run_app(), "Cal Candidat", PASSWORD)
    assert USER not in typo.session_state
    wrong = sign_in_at(run_app(), "Cal Candidate", "not the password at all")
    assert USER not in wrong.session_state
    assert typo.error[0].value == wrong.error[0].value, "one message for an unknown name and a wrong password"
    ok = sign_in_at(run_app(), "cal candidate", PASSWORD)
    assert ok.session_state[USER].name == "Cal Candidate"


def test_sign_up_refuses_weak_or_mismatched_passwords_and_taken_names():
    make_user("Ivy", "interviewer")
    short = sign_up_at(run_app(), "Bo", "short")
    assert short.error and USER not in short.session_state
    differ = sign_up_at(run_app(), "Bo", PASSWORD, "something else entirely")
    assert "differ" in differ.error[0].value
    taken = sign_up_at(run_app(), "IVY", PASSWORD)
    assert taken.error and USER not in taken.session_state


def test_candidate_sign_up_can_be_switched_off(monkeypatch):
    from settings import get_settings
    from ui.services import get_services

    make_user("Ada", "admin")
    monkeypatch.setenv("VIS_CANDIDATE_SIGNUP", "0")
    get_settings.cache_clear()
    get_services.clear()
    at = run_app()
    assert not any(t.key == "auth.new_name" for t in at.text_input)


def test_invitation_link_gives_the_staff_role_once():
    from interviews.accounts_admin import create_invitation
    from interviews.db import session_scope

    admin = make_user("Ada", "admin")
    with session_scope(services().sessions) as session:
        token = create_invitation(session, actor=admin.identity, role="interviewer")
    assert "Sign in" in [h.value for h in run_app().subheader]
    at = run_app(query={"invite": token})
    assert [h.value for h in at.subheader] == ["You are invited as Interviewer"], "no empty Sign in heading above it"
    at.text_input(key="auth.invite_name").input("Iris")
    at.text_input(key="auth.invite_password").input(PASSWORD)
    at.button(key="FormSubmitter:auth.invite-Accept the invitation").click().run()
    assert at.session_state[USER].role == "interviewer"
    again = run_app(query={"invite": token})
    assert "not valid any more" in again.error[0].value


def test_signed_cookie_restores_the_session_and_a_forged_one_does_not(monkeypatch):
    from interviews.auth_sessions import create_session
    from interviews.db import session_scope
    from ui import session_cookie

    ivy = make_user("Ivy", "interviewer")
    with session_scope(services().sessions) as session:
        token = create_session(session, account_id=ivy.id)
    key = session_cookie.secret_key(services().settings.data_dir)
    monkeypatch.setattr(session_cookie, "browser_cookie", lambda: session_cookie.sign_token(key, token))
    at = run_app()
    assert at.session_state[USER] == ivy
    assert any("Signed in as Ivy" in s.value for s in at.success)

    monkeypatch.setattr(session_cookie, "browser_cookie", lambda: session_cookie.sign_token("another key", token))
    assert USER not in run_app().session_state
    monkeypatch.setattr(session_cookie, "browser_cookie", lambda: token)  # unsigned
    assert USER not in run_app().session_state


def test_cookie_signature_expires():
    from ui.session_cookie import sign_token, unsign_token

    signed = sign_token("k", "tok")
    assert unsign_token("k", signed) == "tok"
    assert unsign_token("k", signed, max_age_s=-1) is None
    assert unsign_token("other", signed) is None


def test_sign_in_sets_the_cookie_and_sign_out_clears_it_and_revokes_the_session(monkeypatch):
    from ui import session_cookie

    make_user("Ivy", "interviewer")
    at = sign_in_at(run_app(), "Ivy", PASSWORD)
    cookie = at.session_state["auth.cookie_js"]
    assert cookie.startswith("vis_session=") and "Max-Age=43200" in cookie and "SameSite=Strict" in cookie
    signed = cookie.split(";")[0].split("=", 1)[1]
    at.button(key="app.sign_out").click().run()
    assert USER not in at.session_state
    assert at.session_state["auth.cookie_js"].startswith("vis_session=; Max-Age=0")
    monkeypatch.setattr(session_cookie, "browser_cookie", lambda: signed)
    assert USER not in run_app().session_state, "a signed-out session's cookie no longer works"


def test_single_sign_on_button_when_secrets_configure_oidc(monkeypatch):
    import streamlit

    calls = []
    monkeypatch.setattr(streamlit, "login", lambda *a, **k: calls.append(a))
    from streamlit.testing.v1 import AppTest

    from tests.ui.apptest import REPO

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "s3cret",
                          "client_id": "studio", "client_secret": "x",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    at.button(key="auth.sso").click().run()
    assert calls, "the single sign-on button calls st.login"
    plain = run_app()
    assert not any(b.key == "auth.sso" for b in plain.button), "no SSO button without an OIDC provider"


def test_a_staff_account_waiting_for_confirmation_cannot_sign_in_until_an_admin_confirms():
    from interviews.db import session_scope
    from interviews.tables import Account

    make_user("Old Staff", "manager")
    with session_scope(services().sessions) as session:
        account = session.query(Account).filter_by(name="Old Staff").one()
        account.confirmed = False
    at = sign_in_at(run_app(), "Old Staff", PASSWORD)
    assert USER not in at.session_state and "waiting for an admin" in at.error[0].value


def test_user_object_from_session_is_kept():
    assert User("A", "candidate", 3).identity.account_id == 3
