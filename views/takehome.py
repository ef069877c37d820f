"""Take-home: a manager creates one for a candidate and reads its report cards; the candidate downloads the kit and
uploads submissions, which are graded in the background."""

import streamlit as st

from interviews.candidates import candidate_for_account, list_candidates, move_stage
from interviews.db import session_scope
from interviews.errors import DomainError
from lab.takehome import (TakehomeDataError, create_takehome, kit_path, reconcile_jobs, start_grading,
                          upload_submission)
from lab.takehome_feedback import refused_upload
from lab.takehome_store import (TakehomeNotFound, counted_submission, get_takehome, list_submissions, list_takehomes,
                                update_submission)
from ui import takehome_view as view
from ui.auth import require_role
from ui.services import get_services
from ui.text import inert, plain

user = require_role("manager", "admin", "candidate")
svc = get_services()
root = view.takehome_root(svc.settings)
PAGE = "takehome"
CHOSEN, UPLOADED = f"{PAGE}.chosen", f"{PAGE}.uploaded"
st.title("Take-home")


def download_kit(takehome_id: int) -> None:
    try:
        data = kit_path(takehome_id, root).read_bytes()
    except TakehomeNotFound as exc:
        st.error(inert(str(exc)))
        return
    st.download_button("Download the kit (images, labels, brief, contract)", data=data,
                       file_name=f"takehome-{takehome_id}.zip", mime="application/zip", key=f"{PAGE}.kit.{takehome_id}")


def live_submissions(takehome_id: int, show_cards: bool) -> None:
    """The versions and cards; polled every 2 s only while a version waits or is being graded."""
    busy = any(s.state in ("queued", "running") for s in list_submissions(takehome_id, root))
    st.fragment(run_every=2 if busy else None)(submissions_part)(takehome_id, show_cards, busy)


def submissions_part(takehome_id: int, show_cards: bool, polling: bool) -> None:
    reconcile_jobs(takehome_id, root)
    submissions = list_submissions(takehome_id, root)
    counted = counted_submission(takehome_id, root)
    if not show_cards:  # the candidate: what was received, and what was wrong with it
        view.candidate_versions(submissions, counted)
    view.submissions_table(submissions, counted)
    busy = [s for s in submissions if s.state in ("queued", "running")]
    for s in busy:
        st.progress(s.progress, text=f"Version {s.version}: {inert(s.message or 'waiting to be graded')}")
    if polling and not busy:
        st.rerun()  # all graded: a full run draws the cards and stops the polling
    if not show_cards or not submissions:
        return
    versions = {s.version: s for s in submissions}
    default = (counted or submissions[-1]).version
    version = st.selectbox("Report card of version", list(versions), index=list(versions).index(default),
                           key=f"{PAGE}.version.{takehome_id}",
                           format_func=lambda v: f"{v} (counts)" if counted and v == counted.version else str(v))
    chosen = versions[version]
    if chosen.report:
        ticks = view.report_card(chosen.report, chosen.review, f"{PAGE}.{takehome_id}.{version}")
        if ticks != chosen.review:
            update_submission(takehome_id, version, root, review=ticks)
    elif chosen.state not in ("queued", "running"):
        st.warning("This version has no report card yet.")
    if chosen.state in ("done", "failed") and st.button("Grade this version again", key=f"{PAGE}.regrade"):
        update_submission(takehome_id, version, root, state="queued", progress=0.0, message="queued again")
        start_grading(takehome_id, version, root=root, owner=user.name)
        st.rerun()  # a full run starts the polling


def manager_screen() -> None:
    create_tab, list_tab = st.tabs(["New take-home", "Take-homes and report cards"])
    with create_tab:
        with session_scope(svc.sessions) as session:
            candidates = list_candidates(session, viewer=user.identity)
        request = view.creation_form(candidates, PAGE)
        if request is not None:
            candidate = next(c for c in candidates if c.id == request.candidate_id)
            try:
                with st.spinner("Generating the data set and the kit (about 10 seconds)..."):
                    made = create_takehome(candidate_name=candidate.name, candidate_id=candidate.id,
                                           domain=request.domain, seed=request.seed, hours=request.hours,
                                           days=request.days, created_by=user.name, root=root)
                with session_scope(svc.sessions) as session:
                    move_stage(session, actor=user.identity, candidate_id=candidate.id, stage="take-home",
                               reason=f"take-home #{made.id} sent")
            except (TakehomeDataError, DomainError) as exc:
                st.error(inert(str(exc)))
            else:
                st.session_state[CHOSEN] = made.id
                st.success(f"Take-home #{made.id} created for {inert(candidate.name)}; their stage is now "
                           "take-home. They download the kit from their own Take-home screen.")
    with list_tab:
        takehomes = list_takehomes(root)
        if not takehomes:
            st.info("No take-home yet.")
            return
        by_id = {t.id: t for t in reversed(takehomes)}
        linked = st.query_params.get("takehome", "")
        wanted = int(linked) if linked.isdigit() and int(linked) in by_id else st.session_state.get(CHOSEN)
        chosen = st.selectbox("Take-home", list(by_id), key=f"{PAGE}.pick",
                              index=list(by_id).index(wanted) if wanted in by_id else 0,
                              format_func=lambda i: plain(f"#{i} {by_id[i].candidate_name} · {by_id[i].domain}"))
        view.takehome_summary(by_id[chosen])
        download_kit(chosen)
        live_submissions(chosen, True)


def candidate_screen() -> None:
    with session_scope(svc.sessions) as session:
        record = candidate_for_account(session, user.id)
    takehomes = list_takehomes(root, candidate_id=record.id) if record else []
    if not takehomes:
        st.info("You have no take-home yet. When the hiring team sends you one, it appears here.")
        return
    takehome = get_takehome(takehomes[-1].id, root)
    st.markdown(f"Plan on **{takehome.hours} hours**. Deadline: **{view.when(takehome.deadline)}**. Upload as often "
                "as you like; the last upload before the deadline is the one the team reads.")
    download_kit(takehome.id)
    uploaded = st.file_uploader("Your submission: one zip with model.onnx, infer.py, requirements.txt, README and "
                                "NOTES", type=["zip"], key=f"{PAGE}.file")
    if uploaded is not None and st.button("Upload", type="primary", key=f"{PAGE}.upload"):
        if st.session_state.get(UPLOADED) == uploaded.file_id:
            st.info("This file was already uploaded.")
        else:
            try:
                saved = upload_submission(takehome.id, uploaded.getvalue(), uploaded.name, uploaded_by=user.name,
                                          root=root)
            except TakehomeDataError as exc:
                st.error(inert(refused_upload(str(exc))))
            else:
                st.session_state[UPLOADED] = uploaded.file_id
                start_grading(takehome.id, saved.version, root=root, owner=user.name)
    live_submissions(takehome.id, False)


if user.role == "candidate":
    candidate_screen()
else:
    manager_screen()
