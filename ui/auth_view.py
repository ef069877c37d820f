"""The sign-in screen: sign in, candidate sign-up, an invitation link, single sign-on and the demo accounts.

Drawn by the Home page for anonymous visitors and by ``app.py`` when an anonymous visitor opens a link to another
page (after signing in, that page opens: the URL and its query parameters stay as they were).
"""

from __future__ import annotations

import streamlit as st

from ui.auth import accept_invitation, candidate_signup_open, oidc_configured, sign_in, sign_up
from ui.text import inert

GENERIC_FAILURE = "That name and password do not match an account."


def sign_in_screen(*, wanted: str | None = None, heading: str | None = None) -> None:
    """Everything an anonymous visitor needs to get in; ``wanted`` names the page they asked for. ``heading`` is
    drawn above the sign-in form (an invitation link has its own heading instead)."""
    token = str(st.query_params.get("invite", "")).strip()
    if wanted:
        st.info(f"Sign in to open **{inert(wanted)}**. You will be taken there.", icon=":material/lock:")
    if token:
        invitation_form(token)
        return
    if heading:
        st.subheader(heading, anchor=False)
    if oidc_configured():
        st.button("Sign in with single sign-on", key="auth.sso", type="primary", on_click=st.login)
        st.caption("Or sign in with a name and password:")
    tabs = st.tabs(["Sign in", "Create a candidate account"] if candidate_signup_open() else ["Sign in"])
    with tabs[0]:
        sign_in_form()
    if len(tabs) > 1:
        with tabs[1]:
            sign_up_form()
    demo_accounts()


def _run(action, *args) -> None:
    """Call a sign-in action; domain errors become one message, success reruns into the wanted page."""
    from interviews.errors import AuthError, DomainError

    try:
        action(*args)
    except AuthError as exc:  # one message for every failure, so that names cannot be probed
        st.error(inert(str(exc) or GENERIC_FAILURE))
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        st.rerun()


def sign_in_form() -> None:
    with st.form("auth.sign_in", clear_on_submit=False):
        name = st.text_input("Name", max_chars=80, key="auth.name")
        password = st.text_input("Password", type="password", max_chars=200, key="auth.password")
        submitted = st.form_submit_button("Sign in", type="primary")
    st.caption("Interviewers, hiring managers and admins get their account from an admin's invitation link.")
    if submitted:
        _run(sign_in, name, password)


def sign_up_form() -> None:
    st.caption("For candidates practising for an interview. Passwords need 10 or more characters and must not be "
               "a common one.")
    with st.form("auth.sign_up", clear_on_submit=False):
        name = st.text_input("Your name", max_chars=80, key="auth.new_name")
        password = st.text_input("Choose a password", type="password", max_chars=200, key="auth.new_password")
        again = st.text_input("Repeat the password", type="password", max_chars=200, key="auth.new_password2")
        submitted = st.form_submit_button("Create my account")
    if submitted:
        if password != again:
            st.error("The two passwords differ. Type the same password twice.")
            return
        _run(sign_up, name, password)


def invitation_form(token: str) -> None:
    from interviews.db import session_scope
    from interviews.accounts_admin import invitation_role
    from ui.auth import ROLES
    from ui.services import get_services

    with session_scope(get_services().sessions) as session:
        role = invitation_role(session, token)
    if role is None:
        st.error("This invitation link is not valid any more (used, expired or mistyped). "
                 "Ask your admin for a new one.")
        return
    st.subheader(f"You are invited as {ROLES.get(role, role)}", anchor=False)
    with st.form("auth.invite"):
        name = st.text_input("Your name", max_chars=80, key="auth.invite_name")
        password = st.text_input("Choose a password (10 or more characters)", type="password", max_chars=200,
                                 key="auth.invite_password")
        submitted = st.form_submit_button("Accept the invitation", type="primary")
    if submitted:
        _run(_accept_and_drop_link, token, name, password)


def _accept_and_drop_link(token: str, name: str, password: str) -> None:
    accept_invitation(token, name, password)
    st.query_params.pop("invite", None)


def demo_accounts() -> None:
    """In a demo workspace (seeded by ``python -m interviews seed-demo``) list the demo users' credentials."""
    from interviews.db import session_scope
    from interviews.users import demo_credentials
    from ui.auth import ROLES
    from ui.services import get_services

    with session_scope(get_services().sessions) as session:
        credentials = demo_credentials(session)
    if not credentials:
        return
    with st.container(border=True):
        st.markdown("**Demo workspace** · every name, note and scorecard here is made-up demo data. "
                    "Sign in as any of these:")
        st.markdown("\n".join(f"- {ROLES.get(c.role, c.role)}: name **{inert(c.name)}**, password "
                               f"**{inert(c.password)}**" for c in credentials))
