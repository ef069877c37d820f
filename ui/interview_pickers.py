"""Choosing a candidate and one of their interviews (or starting one from a kit), shared by the notes and scorecard
screens. Candidates come from the candidate list, never from free text. The chosen interview is kept in the URL
(``?interview=ID``); an id the viewer may not open (tampered, another panel's) is refused with a message.
"""

from __future__ import annotations

import streamlit as st

from interviews.db import session_scope
from interviews.errors import DomainError
from question_bank.schema import Bank
from ui.text import inert, plain

STATUS_LABELS = {"planned": "planned", "in_progress": "in progress", "submitted": "submitted"}


def _query_int(name: str) -> int | None:
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _open(svc, viewer, interview_id: int):
    from interviews.schedule import get_interview

    with session_scope(svc.sessions) as session:
        return get_interview(session, viewer=viewer, interview_id=interview_id)


def choose_interview(svc, viewer, page: str):
    """The interview the viewer works on (``st.stop()`` with a message when there is none or it is refused)."""
    from interviews.candidates import list_candidates
    from interviews.schedule import list_interviews

    wanted = _query_int("interview")
    applied_key = f"{page}.url_interview"
    preset = None
    if wanted is not None and wanted != st.session_state.get(applied_key):  # a link or a reload: open that one
        try:
            preset = _open(svc, viewer, wanted)
        except DomainError as exc:
            st.error(f"Interview #{wanted} cannot be opened: {inert(exc)}")
            st.query_params.pop("interview", None)
            st.stop()
    with session_scope(svc.sessions) as session:
        candidates = list_candidates(session, viewer=viewer)
    if not candidates:
        st.info("No candidates yet. A hiring manager or admin adds them on the Candidates screen.")
        st.stop()
    ids = [c.id for c in candidates]
    by_id = {c.id: c for c in candidates}
    cand_key = f"{page}.candidate"
    if preset is not None and preset.candidate_id in by_id:
        st.session_state[cand_key] = preset.candidate_id
    elif st.session_state.get(cand_key) not in by_id:  # first visit: the viewer's own open interview, newest first
        own = _own_open_interview(svc, viewer)
        st.session_state[cand_key] = own.candidate_id if own is not None and own.candidate_id in by_id else ids[0]
    left, right = st.columns(2)
    candidate_id = left.selectbox("Candidate", ids, key=cand_key,
                                  format_func=lambda cid: plain(f"{by_id[cid].name} · {by_id[cid].stage_label}"))
    with session_scope(svc.sessions) as session:
        interviews = list_interviews(session, viewer=viewer, candidate_id=candidate_id)
    options = {i.id: i for i in _mine_open_first(interviews, viewer.account_id)}
    if preset is not None and preset.candidate_id == candidate_id:
        options.setdefault(preset.id, preset)
    with right:
        chosen = _pick_interview(svc, options, page, preset)
        _start_form(svc, viewer, page, candidate_id)
    if chosen is None:
        st.info("No interview with this candidate yet: start one from a kit (on the right).")
        st.stop()
    st.query_params["interview"] = str(chosen)
    st.session_state[applied_key] = chosen
    return _open(svc, viewer, chosen)


def _own_open_interview(svc, viewer):
    """The newest interview the viewer sits on that is not submitted yet (None when there is none)."""
    from interviews.schedule import list_interviews

    with session_scope(svc.sessions) as session:
        interviews = list_interviews(session, viewer=viewer)
    return next((i for i in interviews if i.status != "submitted" and i.on_panel(viewer.account_id)), None)


def _mine_open_first(interviews: list, account_id: int) -> list:
    """The viewer's own interviews (all when they sit on none), open ones first, newest first within each group."""
    mine = [i for i in interviews if i.on_panel(account_id)] or interviews
    return sorted(mine, key=lambda i: i.status == "submitted")  # stable: keeps newest first


def _pick_interview(svc, options: dict, page: str, preset) -> int | None:
    if not options:
        return None
    key = f"{page}.interview"
    if preset is not None and preset.id in options:
        st.session_state[key] = preset.id
    if st.session_state.get(key) not in options:
        st.session_state[key] = next(iter(options))
    chosen = st.selectbox("Interview", list(options), key=key, format_func=lambda iid: plain(
        f"#{iid} {stage_label(options[iid].stage)}, {STATUS_LABELS.get(options[iid].status, options[iid].status)}"))
    st.caption(inert(f"Kit: {kit_title(svc.bank, options[chosen].kit_id)}"))
    return chosen


def stage_label(stage: str) -> str:
    """A stage as every screen shows it (Applied, Onsite, Take-home...)."""
    from interviews.candidates import STAGE_LABELS

    return STAGE_LABELS.get(stage, stage)


def kit_title(bank: Bank, kit_id: str) -> str:
    return next((k.title for k in bank.kits if k.id == kit_id), kit_id)


def _start_form(svc, viewer, page: str, candidate_id: int) -> None:
    from interviews.schedule import create_interview

    with st.popover("Start an interview from a kit", icon=":material/add:"):
        kit_id = st.selectbox("Kit", [k.id for k in svc.bank.kits], key=f"{page}.new_kit",
                              format_func=lambda kid: plain(kit_title(svc.bank, kid)))
        if st.button("Start the interview", key=f"{page}.start", type="primary"):
            try:
                with session_scope(svc.sessions) as session:
                    created = create_interview(session, actor=viewer, candidate_id=candidate_id, kit_id=kit_id,
                                               interviewer_ids=(viewer.account_id,), bank=svc.bank)
            except DomainError as exc:
                st.error(inert(str(exc)))
                return
            # The picker may already be drawn in this run (the candidate has other interviews), and Streamlit
            # refuses a write to a drawn widget's state; the URL opens the new one on the rerun, before it is drawn.
            st.query_params["interview"] = str(created.id)
            st.rerun()


def kit_questions(bank: Bank, interview) -> list[str]:
    """The questions of the interview's kit (of its kit stage when it names one), in kit order."""
    kit = next((k for k in bank.kits if k.id == interview.kit_id), None)
    if kit is None:
        st.error("This interview's kit is no longer in the question bank.")
        st.stop()
    stage = next((s for s in kit.stages if s.name == interview.kit_stage), None)
    return list(stage.questions if stage else kit.question_ids)
