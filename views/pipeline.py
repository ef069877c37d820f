"""Pipeline: every candidate by stage with each interviewer's recommendation, the scorecards still missing, lab and
take-home results and the latest decision; filters by role, stage, kit and interviewer; CSV reports of the cards."""

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.pipeline import pipeline_options, pipeline_rows
from interviews.rating_csv import competency_csv, question_csv
from interviews.visibility import visible_scorecards
from ui import manager_view as view
from ui.auth import require_role
from ui.services import get_services
from ui.text import inert

PAGE = "pipeline"
user = require_role("admin", "manager")
viewer = user.identity
svc = get_services()
st.title("Pipeline")
st.caption("Candidates by stage, with every interviewer's recommendation and the scorecards still missing.")

try:
    with session_scope(svc.sessions) as session:
        options = pipeline_options(session, viewer=viewer)
    filters = view.pipeline_filters(options, PAGE)
    with session_scope(svc.sessions) as session:
        rows = pipeline_rows(session, viewer=viewer, extras=view.takehome_lines(), **filters)
except DomainError as exc:
    st.error(inert(str(exc)))
    st.stop()
if not rows:
    st.info("No candidate matches these filters." if any(filters.values()) else
            "No candidates yet: add them on the Candidates screen.")
    st.stop()

cols = st.columns(3)
cols[0].metric("Candidates", len(rows))
cols[1].metric("Scorecards submitted", sum(r.submitted for r in rows))
cols[2].metric("Scorecards missing", sum(r.missing for r in rows))
view.pipeline_table(rows)

by_id = {r.candidate_id: r for r in rows}
left, right = st.columns(2)
with left:
    chosen = st.selectbox("Open one candidate", list(by_id), key=f"{PAGE}.open",
                          format_func=view.candidate_namer(by_id))
    st.page_link("views/candidate.py", label="Open the candidate's cards and decide", icon=":material/person_search:",
                 query_params={"candidate": chosen})
with right:
    st.page_link("views/compare.py", label="Compare candidates side by side", icon=":material/compare:")
    st.page_link("views/calibration.py", label="Interviewer calibration", icon=":material/balance:")

st.subheader("Reports", anchor=False)
st.caption("Every submitted scorecard of the candidates listed above, as CSV (opens safely in a spreadsheet).")
if not any(r.submitted for r in rows):
    st.caption("No submitted scorecards among these candidates yet.")
else:
    listed = set(by_id)

    def listed_cards():
        with session_scope(svc.sessions) as session:
            return [card for card in visible_scorecards(session, viewer=viewer, submitted_only=True)
                    if card.candidate_id in listed]

    c1, c2 = st.columns(2)  # the files are built when clicked, not on every rerun
    c1.download_button("Per question (CSV)", lambda: question_csv(listed_cards(), view.question_titles(svc.bank)),
                       file_name="ratings-per-question.csv", mime="text/csv", key=f"{PAGE}.csv_questions")
    c2.download_button("Per competency (CSV)", lambda: competency_csv(listed_cards(), view.competency_titles(svc.bank)),
                       file_name="ratings-per-competency.csv", mime="text/csv", key=f"{PAGE}.csv_competencies")
