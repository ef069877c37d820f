"""Users and invitations (admins only): every account with its role, staff accounts waiting for confirmation
(they chose a staff role at the first version's sign-in form), role changes, disabling, and invitation links."""

import streamlit as st

from interviews.accounts_admin import confirm_staff, create_invitation, list_users, set_disabled, set_role
from interviews.db import session_scope
from interviews.errors import DomainError
from ui.auth import ROLES, require_role
from ui.services import get_services
from ui.text import inert, plain

PAGE = "admin"
user = require_role("admin")
viewer = user.identity
svc = get_services()
st.title("Users and invitations")


def act(action, **kwargs) -> None:
    try:
        with session_scope(svc.sessions) as session:
            action(session, actor=viewer, **kwargs)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        st.rerun()


with session_scope(svc.sessions) as session:
    accounts = list_users(session, actor=viewer)
waiting = [a for a in accounts if not a.confirmed]
if waiting:
    st.warning(f"{len(waiting)} staff account(s) chose their role at the old sign-in form and cannot use it until "
               "you confirm them.", icon=":material/person_alert:")
    for account in waiting:
        cols = st.columns([3, 1, 1])
        cols[0].markdown(f"**{inert(account.name)}** asks to be {ROLES.get(account.role, account.role)}")
        if cols[1].button("Confirm", key=f"{PAGE}.confirm.{account.account_id}"):
            act(confirm_staff, account_id=account.account_id)
        if cols[2].button("Make candidate", key=f"{PAGE}.demote.{account.account_id}"):
            act(set_role, account_id=account.account_id, role="candidate")

st.dataframe([{"#": a.account_id, "name": plain(a.name), "role": ROLES.get(a.role, a.role),
               "confirmed": "yes" if a.confirmed else "waiting", "disabled": "yes" if a.disabled else "",
               "since": a.created_at.strftime("%Y-%m-%d"), "demo": "yes" if a.demo else ""} for a in accounts],
             hide_index=True, width="stretch")

by_id = {a.account_id: a for a in accounts}
RANK = {"candidate": 0, "interviewer": 1, "manager": 2, "admin": 3}


def ask_first(change: str, what: str, action, **kwargs) -> None:
    """A disable or a demotion waits for a second, explicit click."""
    pending_key = f"{PAGE}.pending"
    if st.session_state.get(pending_key) != change:
        return
    st.warning(f"{what} Their open sessions end at once.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button("Yes, do it", key=f"{PAGE}.confirm_change", type="primary"):
        st.session_state.pop(pending_key, None)
        act(action, **kwargs)
    if no.button("Cancel", key=f"{PAGE}.cancel_change"):
        st.session_state.pop(pending_key, None)
        st.rerun()


def change_account(account) -> None:
    chosen = account.account_id
    if chosen == viewer.account_id:
        st.info("This is your own account: another admin changes your role or disables it.")
        return
    name = inert(account.name)
    cols = st.columns(2)
    role = cols[0].selectbox("Role", list(ROLES), index=list(ROLES).index(account.role), format_func=ROLES.get,
                             key=f"{PAGE}.role.{chosen}")
    if cols[0].button("Save the role", key=f"{PAGE}.set_role"):
        if role == account.role:
            st.info(f"{name} is already {ROLES[role]}.")
        elif RANK.get(role, 0) < RANK.get(account.role, 0):
            st.session_state[f"{PAGE}.pending"] = f"role.{chosen}.{role}"
        else:
            act(set_role, account_id=chosen, role=role)
    if account.disabled:
        if cols[1].button("Enable the account", key=f"{PAGE}.disable"):
            act(set_disabled, account_id=chosen, disabled=False)
    elif cols[1].button("Disable the account", key=f"{PAGE}.disable"):
        st.session_state[f"{PAGE}.pending"] = f"disable.{chosen}"
    ask_first(f"role.{chosen}.{role}", f"Demote **{name}** from {ROLES[account.role]} to {ROLES[role]}?",
              set_role, account_id=chosen, role=role)
    ask_first(f"disable.{chosen}", f"Disable **{name}**? They can no longer sign in.",
              set_disabled, account_id=chosen, disabled=True)


st.markdown("#### Change an account")
chosen = st.selectbox("Account", list(by_id), key=f"{PAGE}.account", index=None, placeholder="Choose an account",
                      format_func=lambda aid: plain(f"{by_id[aid].name} ({ROLES.get(by_id[aid].role, '?')})"))
if chosen in by_id:
    change_account(by_id[chosen])

st.markdown("#### Invite someone")
st.caption("Staff roles are given only here or by an invitation link: nobody chooses one at the sign-in form. "
           "A link works once and expires after 72 hours.")
invite_role = st.selectbox("Role for the invitation", list(ROLES), index=list(ROLES).index("interviewer"),
                           format_func=ROLES.get, key=f"{PAGE}.invite_role")
if st.button("Create an invitation link", key=f"{PAGE}.invite", type="primary"):
    try:
        with session_scope(svc.sessions) as session:
            token = create_invitation(session, actor=viewer, role=invite_role)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        base = (st.context.url or "").split("/admin")[0].rstrip("/")
        st.session_state[f"{PAGE}.link"] = f"{base}/?invite={token}"
if st.session_state.get(f"{PAGE}.link"):
    st.success("Send this link to the person you invite (it is shown once):")
    st.code(st.session_state[f"{PAGE}.link"], language=None)
