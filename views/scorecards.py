"""Compare scorecards across candidates and interviewers, and export them (interviewers see only their own)."""

import streamlit as st

from interviews.db import session_scope
from interviews.scorecards import competency_means, export_scorecards, visible_scorecards
from ui.auth import require_role
from ui.services import get_services

PAGE = "scorecards"
user = require_role("interviewer", "manager")
svc = get_services()
bank = svc.bank
st.title("Scorecards")
st.caption("Every scorecard in the studio." if user.role == "manager" else "The scorecards you submitted.")

with session_scope(svc.sessions) as session:
    cards = visible_scorecards(session, viewer=user.name, role=user.role)
if not cards:
    st.info("No scorecards yet.")
    st.stop()

left, right = st.columns(2)
candidates = left.multiselect("Candidates", sorted({c.candidate for c in cards}), key=f"{PAGE}.candidates")
interviewers = right.multiselect("Interviewers", sorted({c.interviewer for c in cards}), key=f"{PAGE}.interviewers")
shown = [c for c in cards if (not candidates or c.candidate in candidates)
         and (not interviewers or c.interviewer in interviewers)]

st.markdown("#### Scorecards")
st.dataframe([{"#": c.id, "submitted": c.created_at.strftime("%Y-%m-%d %H:%M"), "candidate": c.candidate,
               "interviewer": c.interviewer, "kit": c.kit_id, "recommendation": c.recommendation.replace("_", " "),
               "mean rating": round(c.mean_rating, 2), "questions": len(c.ratings), "lab runs": len(c.lab_run_ids)}
              for c in shown], hide_index=True, width="stretch")

st.markdown("#### Mean rating per competency")
names = {c.id: c.name for c in bank.competencies}
means = competency_means(shown)
st.dataframe([{"candidate": cand, **{names.get(k, k): round(v, 2) for k, v in comps.items()}}
              for cand, comps in sorted(means.items())], hide_index=True, width="stretch")

cols = st.columns(2)
cols[0].download_button("Export CSV", export_scorecards(shown, "csv"), "scorecards.csv", "text/csv",
                        key=f"{PAGE}.csv")
cols[1].download_button("Export JSON", export_scorecards(shown, "json"), "scorecards.json", "application/json",
                        key=f"{PAGE}.json")
