"""Interviewer calibration: each interviewer's leniency or severity against the panel on the same candidates, the
spread of their ratings and how they use the scale, agreement between interviewers (Krippendorff's alpha,
ordinal), drift month by month, and flags (never using the ends of the scale, lenient, severe, drifting)."""

import streamlit as st

from interviews.calibration import calibrate
from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.pipeline import pipeline_options, rating_records
from ui import manager_view as view
from ui.auth import require_role
from ui.services import get_services
from ui.text import inert, plain

PAGE = "calibration"
ANY = "Any"
FEW_RATINGS = 100
user = require_role("admin", "manager")
viewer = user.identity
svc = get_services()
st.title("Interviewer calibration")
st.caption("Leniency is measured on shared candidates: each rating against what the rest of the panel gave the same "
           "candidate on the same competency (an additive model fitted to every submitted scorecard). A figure is "
           "a prompt for a calibration conversation, not a verdict.")

try:
    with session_scope(svc.sessions) as session:
        options = pipeline_options(session, viewer=viewer)
    cols = st.columns(2)
    kit = cols[0].selectbox("Kit", [ANY, *options.kits], key=f"{PAGE}.kit", format_func=plain)
    role = cols[1].selectbox("Role", [ANY, *options.roles], key=f"{PAGE}.role", format_func=plain)
    with session_scope(svc.sessions) as session:
        records = rating_records(session, viewer=viewer, kit=None if kit == ANY else kit,
                                 role=None if role == ANY else role)
except DomainError as exc:
    st.error(inert(str(exc)))
    st.stop()
if not records:
    st.info("No submitted scorecards yet: calibration needs ratings to compare.")
    st.stop()
report = calibrate(records)
if len(records) < FEW_RATINGS:
    st.caption(f"Only {len(records)} competency ratings so far: treat these figures as rough; they settle as "
               "panels share more candidates.")
cols = st.columns(3)
cols[0].metric("Interviewers", len(report.interviewers))
cols[1].metric("Competency ratings", len(records))
cols[2].metric("Agreement (Krippendorff's alpha, ordinal)",
               "n/a" if report.alpha_ordinal is None else f"{report.alpha_ordinal:.2f}",
               help="1 = the interviewers who rated the same candidate agree perfectly; 0 = no better than chance. "
                    "Counted over candidate-competency pairs rated by two or more interviewers.")
if report.alpha_ordinal is None:
    st.info("No candidate was rated by two interviewers on the same competency yet, so agreement and leniency "
            "cannot be measured.")
flagged = [row for row in report.interviewers if row.flags]
for row in flagged:
    st.warning(f"**{inert(row.interviewer)}**: {inert('; '.join(row.flags))}", icon=":material/flag:")
view.calibration_table(report)
if any(row.offset is not None for row in report.interviewers):
    st.plotly_chart(view.offsets_figure(report), key=f"{PAGE}.offsets")
drift = view.drift_figure(report)
if drift is not None:
    st.plotly_chart(drift, key=f"{PAGE}.drift")
else:
    st.caption("Drift appears once interviewers have six or more ratings in a month on shared candidates.")
