"""Home: what the studio is for, the three roles, where to start, and signing in."""

import streamlit as st

from ui.auth import current_user
from ui.auth_view import sign_in_screen
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
cols[2].markdown("#### Hiring managers\nFollow candidates through the pipeline, open every scorecard with its evidence, "
                 "compare candidates side by side, calibrate interviewers, decide, and export a committee report.")

user = current_user()
if user:
    st.success(f"Signed in as {inert(user.name)} ({user.role_label}). Pick a screen in the sidebar; "
               "the **Question bank** is a good place to start.")
    st.stop()

sign_in_screen(heading="Sign in")
