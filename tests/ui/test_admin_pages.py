"""AppTest for the admin's users-and-invitations screen, the candidates screen and the demo workspace's sign-in."""

from __future__ import annotations

import pytest

from tests.ui.apptest import make_candidate, make_user, run_app, services

pytestmark = pytest.mark.usefixtures("fresh_services")


def accounts():
    from interviews.accounts_admin import list_users
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        return {a.name: a for a in list_users(session, actor=COMMAND_LINE)}


def test_admin_confirms_a_legacy_staff_account_and_changes_roles():
    from interviews.db import session_scope
    from interviews.tables import Account

    admin = make_user("Ada Admin", "admin")
    make_user("Old <b>Staff</b>", "manager")
    with session_scope(services().sessions) as session:
        session.query(Account).filter_by(name="Old <b>Staff</b>").one().confirmed = False
    at = run_app("views/admin.py", admin)
    assert not at.exception
    assert any("cannot use it until" in w.value for w in at.warning)
    assert not any("<b>" in m.value for m in at.markdown), "names shown inert"
    target = accounts()["Old <b>Staff</b>"].account_id
    at.button(key=f"admin.confirm.{target}").click().run()
    assert accounts()["Old <b>Staff</b>"].confirmed
    at.selectbox(key="admin.account").set_value(target).run()
    at.selectbox(key=f"admin.role.{target}").set_value("interviewer")
    at.button(key="admin.set_role").click().run()
    assert accounts()["Old <b>Staff</b>"].role == "interviewer"


def test_admin_creates_an_invitation_link_that_works_once():
    from interviews.accounts_admin import invitation_role
    from interviews.db import session_scope

    admin = make_user("Ada Admin", "admin")
    at = run_app("views/admin.py", admin)
    at.selectbox(key="admin.invite_role").set_value("manager")
    at.button(key="admin.invite").click().run()
    link = at.code[0].value
    assert "?invite=" in link
    token = link.split("?invite=")[1]
    with session_scope(services().sessions) as session:
        assert invitation_role(session, token) == "manager"


def test_admin_cannot_disable_themselves_and_gets_a_message():
    admin = make_user("Ada Admin", "admin")
    at = run_app("views/admin.py", admin)
    at.selectbox(key="admin.account").set_value(admin.id).run()
    at.button(key="admin.disable").click().run()
    assert at.error and not accounts()["Ada Admin"].disabled


def test_managers_add_candidates_and_move_stages_with_a_reason_interviewers_read_only():
    manager = make_user("Mia Manager", "manager")
    at = run_app("views/candidates.py", manager)
    at.text_input(key="candidates.name").input("Zoe <script>x</script>")
    at.text_input(key="candidates.role_applied").input("Edge CV engineer")
    at.button(key="FormSubmitter:candidates.add-Add the candidate").click().run()
    assert not at.exception
    assert at.dataframe[0].value["name"].tolist() == ["Zoe <script>x</script>"]
    at.selectbox(key="candidates.to").set_value("onsite")
    at.text_input(key="candidates.reason").input("Strong screen")
    at.button(key="FormSubmitter:candidates.move-Move").click().run()
    history = at.dataframe[1].value
    assert list(history["to"])[-1] == "Onsite" and list(history["reason"])[-1] == "Strong screen"
    viewer = run_app("views/candidates.py", make_user("Ivy", "interviewer"))
    assert viewer.dataframe and not any(f.key == "candidates.to" for f in viewer.selectbox)


def test_demo_workspace_lists_the_demo_accounts_on_the_sign_in_screen():
    from interviews.db import session_scope
    from interviews.seed import seed_demo

    plain = run_app()
    assert not any("Demo workspace" in m.value for m in plain.markdown)
    with session_scope(services().sessions) as session:
        seed_demo(session, bank=services().bank)
    at = run_app()
    assert any("Demo workspace" in m.value for m in at.markdown)
    listing = " ".join(m.value for m in at.markdown)
    assert all(f"- {role}: name" in listing for role in ("Admin", "Hiring manager", "Interviewer", "Candidate"))
    make_candidate("unused")  # the app keeps working on a seeded database
