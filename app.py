"""Vision Interview Studio: page configuration, the sign-in gate and the table of pages by role (ui/access.py).

Every page is registered for everybody, so that a link to any page resolves; the gate below opens it only for the
roles ui/access.py lists. An anonymous visitor who follows a link gets the sign-in form, then the page they asked for.
"""

import streamlit as st

from ui.access import PAGES, may_open, pages_for, spec_for_url_path
from ui.auth import restore_session, sign_out
from ui.auth_view import sign_in_screen
from ui.session_cookie import write_pending_cookie
from ui.text import inert

# An emoji favicon is a data: URL; a :material: one would be fetched from Google.
st.set_page_config(page_title="Vision Interview Studio", page_icon="👁️", layout="wide")

PAGE_OBJECTS = {spec.path: st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
                for spec in PAGES}
navigation = st.navigation(list(PAGE_OBJECTS.values()), position="hidden")
user = restore_session()
spec = spec_for_url_path(navigation.url_path)

with st.sidebar:
    st.markdown("**Vision Interview Studio**")
    for allowed in pages_for(user):
        st.page_link(PAGE_OBJECTS[allowed.path], label=allowed.title, icon=allowed.icon)
    st.divider()
    if user:
        st.caption(f"Signed in as **{inert(user.name)}** ({user.role_label})")
        if st.button("Sign out", key="app.sign_out"):
            sign_out()
            st.switch_page(PAGE_OBJECTS[PAGES[0].path])
    write_pending_cookie()

if not may_open(spec, user):
    st.title(spec.title)
    if user is None:
        sign_in_screen(wanted=spec.title)
    else:
        st.error(f"This screen is not open to your role ({user.role_label}). Pick a screen in the sidebar.")
    st.stop()
navigation.run()
