"""Home: what the studio is for, the three roles, where to start, and signing in."""

import streamlit as st

from ui.auth import ROLES, current_user, sign_in
from ui.text import inert

st.title("Vision Interview Studio")
st.markdown(
    "Structured interviews, solo practice and a hands-on ONNX optimisation lab for hiring "
    "**computer-vision engineers** who have shipped models, not just trained them."
)

cols = st.columns(3)
cols[0].markdown("#### Interviewers\nRun a kit of questions with rubric points, red flags, follow-ups and a rating "
                 "guide. Type notes; the studio shows which rubric points they cover and what to ask next.")
cols[1].markdown("#### Candidates\nPractise alone: answer a question, see which rubric points you covered, compare "
                 "with a model answer, then optimise a real ONNX detector in the lab.")
cols[2].markdown("#### Hiring managers\nCompare scorecards across candidates and interviewers and export them.")

user = current_user()
if user:
    st.success(f"Signed in as {inert(user.name)} ({user.role_label}). Pick a screen in the sidebar; "
               "the **Question bank** is a good place to start.")
    st.stop()

st.subheader("Sign in", anchor=False)
st.caption("First time here? Pick a name, a password of 8 or more characters and your role: the account is created "
           "as you sign in. Next time, the same name and password bring you back to your own notes and attempts.")
with st.form("home.sign_in", clear_on_submit=False):
    name = st.text_input("Your name", max_chars=80, key="home.name")
    password = st.text_input("Password", type="password", max_chars=200, key="home.password")
    role = st.radio("Your role (new accounts)", list(ROLES), format_func=ROLES.get, horizontal=True, key="home.role")
    code = st.text_input("Staff access code (interviewers and managers, if your team set one)", type="password",
                         max_chars=200, key="home.code")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    from interviews.users import AuthError  # imported on sign-in only: the first page stays light

    try:
        sign_in(name, password, role, code)
    except AuthError as exc:
        st.error(str(exc))
    else:
        st.rerun()
