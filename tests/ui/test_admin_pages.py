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
    at.button(key="admin.confirm_change").click().run()  # a demotion asks first
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


def test_admin_cannot_disable_or_demote_themselves():
    admin = make_user("Ada Admin", "admin")
    at = run_app("views/admin.py", admin)
    at.selectbox(key="admin.account").set_value(admin.id).run()
    assert not at.exception and any("your own account" in i.value for i in at.info)
    assert not any(b.key == "admin.disable" for b in at.button)
    assert not any(s.key == f"admin.role.{admin.id}" for s in at.selectbox)
    assert not accounts()["Ada Admin"].disabled and accounts()["Ada Admin"].role == "admin"


def test_the_rules_refuse_self_disable_and_self_demotion_even_without_the_page():
    from interviews.accounts_admin import set_disabled, set_role
    from interviews.db import session_scope
    from interviews.errors import NotAllowed

    admin = make_user("Ada Admin", "admin")
    for action, kwargs in ((set_disabled, {"disabled": True}), (set_role, {"role": "interviewer"})):
        with pytest.raises(NotAllowed):
            with session_scope(services().sessions) as session:
                action(session, actor=admin.identity, account_id=admin.id, **kwargs)
    assert not accounts()["Ada Admin"].disabled and accounts()["Ada Admin"].role == "admin"


def test_no_account_is_chosen_at_first_and_disabling_or_demoting_asks_first():
    admin = make_user("Ada Admin", "admin")
    make_user("Mia Manager", "manager")
    mia = accounts()["Mia Manager"].account_id
    at = run_app("views/admin.py", admin)
    assert at.selectbox(key="admin.account").value is None
    assert not any(b.key == "admin.disable" for b in at.button), "nothing to click before an account is chosen"
    at.selectbox(key="admin.account").set_value(mia).run()
    at.button(key="admin.disable").click().run()
    assert not accounts()["Mia Manager"].disabled, "one click only asks"
    assert any("Disable" in w.value for w in at.warning)
    at.button(key="admin.cancel_change").click().run()
    assert not accounts()["Mia Manager"].disabled and not at.warning
    at.button(key="admin.disable").click().run()
    at.button(key="admin.confirm_change").click().run()
    assert accounts()["Mia Manager"].disabled
    at.selectbox(key=f"admin.role.{mia}").set_value("interviewer")
    at.button(key="admin.set_role").click().run()
    assert accounts()["Mia Manager"].role == "manager", "a demotion asks first"
    assert any("Demote" in w.value for w in at.warning)
    at.button(key="admin.confirm_change").click().run()
    assert accounts()["Mia Manager"].role == "interviewer"
    at.selectbox(key=f"admin.role.{mia}").set_value("admin")
    at.button(key="admin.set_role").click().run()
    assert accounts()["Mia Manager"].role == "admin", "a promotion needs no second click"


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
    assert list(viewer.dataframe[1].value.columns) == ["when", "from", "to"], "no decider or reason for interviewers"
    assert not any("no email" in c.value for c in viewer.caption)


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


def test_stages_read_the_same_on_every_screen():
    manager = make_user("Mia Manager", "manager")
    make_candidate("Tess Takehome", stage="take-home")
    for page in ("views/candidates.py", "views/pipeline.py"):
        at = run_app(page, manager)
        assert not at.exception, page
        assert list(at.dataframe[0].value["stage"]) == ["Take-home"], page
    pipeline = run_app("views/pipeline.py", manager)
    assert "Take-home" in pipeline.selectbox(key="pipeline.stage").options
