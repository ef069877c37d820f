"""What an interviewer may read about a candidate: stages and dates, never a decision's reason or who decided, and
never the candidate's email address (managers, admins and the candidate themselves read those)."""

from __future__ import annotations

import pytest

from interviews.candidates import get_candidate, list_candidates, stage_history
from interviews.db import session_scope
from interviews.decisions import list_decisions, record_decision
from interviews.dossier import candidate_dossier
from interviews.errors import NotAllowed
from interviews.pipeline import pipeline_rows
from tests.interviews.workspace import build_workspace

SECRET = "Strong systems answers; Ivy's card pending."


def _decide(sessions, ws) -> None:
    with session_scope(sessions) as s:
        record_decision(s, actor=ws.manager, candidate_id=ws.ada, outcome="advance", reason=SECRET,
                        to_stage="take-home")


def test_an_interviewer_sees_the_stages_but_not_the_decision_reason_or_who_decided(sessions):
    ws = build_workspace(sessions)
    _decide(sessions, ws)
    with session_scope(sessions) as s:
        for interviewer in (ws.ivy, ws.zoe):  # Ivy has not submitted her card; Zoe neither
            history = stage_history(s, viewer=interviewer, candidate_id=ws.ada)
            assert [(e.from_stage, e.to_stage) for e in history] == [(None, "onsite"), ("onsite", "take-home")]
            assert all(e.reason == "" and e.actor_name == "" for e in history)
            assert SECRET not in repr(history) and "Mia Manager" not in repr(history)
        for manager in (ws.manager, ws.admin):
            last = stage_history(s, viewer=manager, candidate_id=ws.ada)[-1]
            assert last.reason == f"Advance: {SECRET}" and last.actor_name == "Mia Manager"


def test_decisions_dossier_and_pipeline_are_refused_to_interviewers(sessions):
    ws = build_workspace(sessions)
    _decide(sessions, ws)
    with session_scope(sessions) as s:
        with pytest.raises(NotAllowed):
            list_decisions(s, viewer=ws.ivy, candidate_id=ws.ada)
        with pytest.raises(NotAllowed):
            candidate_dossier(s, viewer=ws.ivy, candidate_id=ws.ada)
        with pytest.raises(NotAllowed):
            pipeline_rows(s, viewer=ws.ivy)


def test_only_managers_admins_and_the_candidate_read_the_email_address(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        assert get_candidate(s, viewer=ws.ivy, candidate_id=ws.ada).email == ""
        assert all(c.email == "" for c in list_candidates(s, viewer=ws.zoe))
        assert get_candidate(s, viewer=ws.manager, candidate_id=ws.ada).email == "ada@example.com"
        assert {c.email for c in list_candidates(s, viewer=ws.admin)} == {"ada@example.com", ""}
        assert get_candidate(s, viewer=ws.candidate_user, candidate_id=ws.ada).email == "ada@example.com"
