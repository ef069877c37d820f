"""Side by side: 2-5 candidates' competency ratings as a heat map and a radar chart, every recommendation, the
disagreements (interviewers 2 or more points apart) highlighted, a decision, and the reports (CSV and the
committee PDF)."""

import streamlit as st

from interviews.candidates import list_candidates
from interviews.charts import radar_figure
from interviews.comparison import MAX_CANDIDATES, ComparisonError
from interviews.db import session_scope
from interviews.decisions import record_decision
from interviews.errors import DomainError
from interviews.pipeline import committee_pdf, compare
from interviews.rating_csv import competency_csv, question_csv
from interviews.visibility import visible_scorecards
from ui import manager_view as view
from ui.auth import require_role
from ui.services import get_services
from ui.text import inert

PAGE = "compare"
user = require_role("admin", "manager")
viewer = user.identity
svc = get_services()
st.title("Compare candidates")

with session_scope(svc.sessions) as session:
    candidates = list_candidates(session, viewer=viewer)
by_id = {c.id: c for c in candidates}
view.preset_from_link(by_id, PAGE, MAX_CANDIDATES)
chosen = st.multiselect(f"Candidates (2 to {MAX_CANDIDATES})", list(by_id), key=f"{PAGE}.chosen",
                        max_selections=MAX_CANDIDATES,
                        format_func=view.candidate_namer(by_id))
st.query_params["candidates"] = ",".join(map(str, chosen))  # the comparison's link can be shared
st.session_state[f"{PAGE}.url"] = st.query_params["candidates"]
if not chosen:
    st.info(f"Choose 2 to {MAX_CANDIDATES} candidates to see their ratings side by side.")
    st.stop()
titles = view.competency_titles(svc.bank)
try:
    with session_scope(svc.sessions) as session:
        comparison, labels = compare(session, viewer=viewer, candidate_ids=chosen)
except (ComparisonError, DomainError) as exc:
    st.warning(inert(str(exc)), icon=":material/info:")
    st.stop()
for notice in comparison.notices:
    st.info(inert(notice))

left, right = st.columns(2)
left.plotly_chart(view.heatmap_with_disagreements(comparison, titles), key=f"{PAGE}.heatmap")
right.plotly_chart(radar_figure(comparison, titles), key=f"{PAGE}.radar")
if len(comparison.competencies) < 3:
    right.caption("With fewer than three competencies rated, the radar is a line: read the heat map.")
st.markdown("#### Disagreements")
view.disagreements(comparison, titles)
st.markdown("#### Recommendations")
view.recommendations_table(comparison)

st.markdown("#### Decision")
decide_for = st.selectbox("Decide for", chosen, key=f"{PAGE}.decide_for",
                          format_func=view.candidate_namer(by_id, labels))
choice = view.decision_form(decide_for, by_id[decide_for].stage, PAGE) if decide_for in by_id else None
if choice is not None:
    outcome, to_stage, reason = choice
    try:
        with session_scope(svc.sessions) as session:
            made = record_decision(session, actor=viewer, candidate_id=decide_for, outcome=outcome, reason=reason,
                                   to_stage=to_stage, expected_stage=by_id[decide_for].stage)
    except DomainError as exc:
        st.error(inert(str(exc)))
    else:
        st.session_state[f"{PAGE}.flash"] = f"Recorded for {labels.get(decide_for, '?')}: {made.summary}"
        view.clear_decision_form(decide_for, PAGE)
        st.session_state.pop(f"{PAGE}.pdf", None)  # the report names the decision: build it again
        st.rerun()
if flash := st.session_state.pop(f"{PAGE}.flash", None):
    st.success(inert(flash), icon=":material/check_circle:")

st.markdown("#### Reports")


def chosen_cards():
    with session_scope(svc.sessions) as session:
        return [c for cid in chosen for c in visible_scorecards(session, viewer=viewer, candidate_id=cid,
                                                                 submitted_only=True)]


c1, c2, c3 = st.columns(3)  # the CSV files are built when clicked, not on every rerun
c1.download_button("Per question (CSV)", lambda: question_csv(chosen_cards(), view.question_titles(svc.bank)),
                   file_name="comparison-per-question.csv", mime="text/csv", key=f"{PAGE}.csv_questions")
c2.download_button("Per competency (CSV)", lambda: competency_csv(chosen_cards(), titles),
                   file_name="comparison-per-competency.csv", mime="text/csv", key=f"{PAGE}.csv_competencies")
built = st.session_state.get(f"{PAGE}.pdf")
if built is None or built[0] != tuple(chosen):
    if c3.button("Build the committee PDF", key=f"{PAGE}.build_pdf"):
        with st.spinner("Drawing the charts and writing the PDF..."):
            try:
                with session_scope(svc.sessions) as session:
                    pdf = committee_pdf(session, viewer=viewer, candidate_ids=chosen, competency_titles=titles,
                                        extras=view.takehome_lines(chosen))
            except (ComparisonError, DomainError) as exc:
                st.error(inert(str(exc)))
            else:
                st.session_state[f"{PAGE}.pdf"] = (tuple(chosen), pdf)
                st.rerun()
else:
    c3.download_button("Download the committee PDF", built[1], file_name="committee-report.pdf",
                       mime="application/pdf", key=f"{PAGE}.pdf_download", type="primary")
