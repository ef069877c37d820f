"""Vision Interview Studio: page configuration, the sign-in gate and the table of pages by role."""

import streamlit as st

from ui.auth import current_user, sign_out
from ui.text import inert

st.set_page_config(page_title="Vision Interview Studio", page_icon=":material/visibility:", layout="wide")

HOME = st.Page("views/home.py", title="Home", icon=":material/home:", default=True)
BANK = st.Page("views/question_bank.py", title="Question bank", icon=":material/menu_book:")
PRACTICE = st.Page("views/practice.py", title="Practice", icon=":material/edit_note:")
INTERVIEW = st.Page("views/interview.py", title="Interview notes", icon=":material/record_voice_over:")
SCORECARD = st.Page("views/scorecard.py", title="Scorecard", icon=":material/rate_review:")
SCORECARDS = st.Page("views/scorecards.py", title="Scorecards", icon=":material/table_view:")
LAB = st.Page("views/lab.py", title="ONNX lab", icon=":material/speed:")

PAGES_BY_ROLE = {
    None: [HOME, BANK],
    "candidate": [HOME, BANK, PRACTICE, LAB],
    "interviewer": [HOME, BANK, INTERVIEW, SCORECARD, SCORECARDS, LAB],
    "manager": [HOME, BANK, SCORECARDS, LAB],
}

user = current_user()
navigation = st.navigation(PAGES_BY_ROLE[user.role if user else None])
with st.sidebar:
    if user:
        st.caption(f"Signed in as **{inert(user.name)}** ({user.role_label})")
        if st.button("Sign out", key="app.sign_out"):
            sign_out()
            st.rerun()
navigation.run()
