"""Submit a scorecard: rate each question of a kit for one candidate, attach lab runs, recommend."""

import uuid

import streamlit as st

from interviews.db import session_scope
from interviews.lab_runs import list_lab_runs
from interviews.notes import load_note
from interviews.scorecards import RECOMMENDATIONS, Rating, submit_scorecard
from scoring.matcher import match_question
from ui.auth import clean_name, require_role
from ui.components import bank_kit_title, inert
from ui.services import get_services

PAGE = "scorecard"
LABELS = {"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}
user = require_role("interviewer")
svc = get_services()
bank = svc.bank
st.title("Scorecard")
st.caption("Ratings start from the matcher's suggestion for your saved notes; you decide. Only you and hiring "
           "managers can read what you submit.")

token_key, done_key = f"{PAGE}.token", f"{PAGE}.done"
st.session_state.setdefault(token_key, uuid.uuid4().hex)
if st.session_state.get(done_key):
    st.success(st.session_state[done_key])
    if st.button("Write another scorecard", key=f"{PAGE}.another"):
        st.session_state[token_key] = uuid.uuid4().hex
        del st.session_state[done_key]
        st.rerun()
    st.stop()
kit_id = st.selectbox("Interview kit", [k.id for k in bank.kits], key=f"{PAGE}.kit",
                      format_func=lambda kid: bank_kit_title(bank, kid))
kit = next(k for k in bank.kits if k.id == kit_id)
candidate = clean_name(st.text_input("Candidate's name (as they signed in)", max_chars=80, key=f"{PAGE}.candidate"))

with session_scope(svc.sessions) as session:
    notes = {qid: load_note(session, interviewer=user.name, question_id=qid) for qid in kit.question_ids}
    runs = list_lab_runs(session, candidate=candidate) if candidate else []

with st.form(f"{PAGE}.form"):
    ratings = []
    for qid in kit.question_ids:
        question = bank.question(qid)
        suggestion = match_question(notes[qid], question, encoder=svc.encoder()).rating if notes[qid].strip() else None
        options = ["not asked", 1, 2, 3, 4]
        choice = st.selectbox(inert(question.prompt[:140]), options, key=f"{PAGE}.rate.{kit_id}.{qid}",
                              index=options.index(suggestion) if suggestion else 0,
                              help=f"Suggested from your notes: {suggestion}" if suggestion else "No notes saved.")
        if choice != "not asked":
            ratings.append(Rating(qid, question.competency, int(choice)))
    attached = st.multiselect("Attach lab runs", [r.id for r in runs], key=f"{PAGE}.runs",
                              format_func=lambda rid: next(f"#{r.id} {r.variant}" for r in runs if r.id == rid))
    recommendation = st.radio("Recommendation", RECOMMENDATIONS, format_func=LABELS.get, horizontal=True,
                              index=None, key=f"{PAGE}.recommendation")
    summary = st.text_area("Summary", max_chars=10_000, key=f"{PAGE}.summary")
    submitted = st.form_submit_button("Submit scorecard", type="primary")

if submitted:
    try:
        with session_scope(svc.sessions) as session:
            card, created = submit_scorecard(session, token=st.session_state[token_key], interviewer=user.name,
                                             candidate=candidate, kit_id=kit_id, recommendation=recommendation or "",
                                             summary=summary, ratings=ratings, lab_run_ids=attached)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.session_state[done_key] = (f"Scorecard #{card.id} for {inert(card.candidate)} submitted." if created
                                      else f"Scorecard #{card.id} was already submitted.")
        st.rerun()
