"""Decisions: advance, hold or reject with a reason, who and when, moving the stage; managers and admins only."""

from __future__ import annotations

import pytest

from interviews.candidates import get_candidate, stage_history
from interviews.db import session_scope
from interviews.decisions import advance_targets, latest_decisions, list_decisions, next_stage, record_decision
from interviews.errors import Conflict, Invalid, NotAllowed
from tests.interviews.workspace import build_workspace


def test_advance_moves_to_the_next_stage_and_keeps_who_when_and_why(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        made = record_decision(s, actor=ws.manager, candidate_id=ws.bob, outcome="advance",
                               reason="Strong screen: measured before optimising.", expected_stage="screen")
    assert (made.outcome, made.from_stage, made.to_stage, made.actor_name) == ("advance", "screen", "onsite",
                                                                              "Mia Manager")
    assert "Advance to onsite (Mia Manager" in made.summary and made.summary.endswith("optimising.")
    with session_scope(sessions) as s:
        assert get_candidate(s, viewer=ws.manager, candidate_id=ws.bob).stage == "onsite"
        last = stage_history(s, viewer=ws.manager, candidate_id=ws.bob)[-1]
        assert (last.from_stage, last.to_stage, last.actor_name) == ("screen", "onsite", "Mia Manager")
        assert last.reason == "Advance: Strong screen: measured before optimising."
        [listed] = list_decisions(s, viewer=ws.admin, candidate_id=ws.bob)
        assert listed.id == made.id and listed.at.tzinfo is not None


def test_hold_keeps_the_stage_reject_moves_to_rejected_and_advance_can_skip(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        held = record_decision(s, actor=ws.manager, candidate_id=ws.ada, outcome="hold", reason="Wait for Zoe's card")
        skipped = record_decision(s, actor=ws.admin, candidate_id=ws.bob, outcome="advance", reason="exceptional",
                                  to_stage="offer")
    assert (held.from_stage, held.to_stage) == ("onsite", "onsite") and "Hold at onsite" in held.summary
    assert skipped.to_stage == "offer"
    with session_scope(sessions) as s:
        rejected = record_decision(s, actor=ws.manager, candidate_id=ws.ada, outcome="reject", reason="Not now")
        assert rejected.to_stage == "rejected"
        newest = latest_decisions(s, viewer=ws.manager)
        assert newest[ws.ada].outcome == "reject" and newest[ws.bob].outcome == "advance"
        assert [d.outcome for d in list_decisions(s, viewer=ws.manager, candidate_id=ws.ada)] == ["reject", "hold"]


@pytest.mark.parametrize("outcome, reason, to_stage, message", [
    ("advance", "   ", None, "needs a reason"),
    ("promote", "why not", None, "advance, hold or reject"),
    ("advance", "x" * 2001, None, "at most 2,000"),
    ("advance", "back to applied", "applied", "advances to one of"),
])
def test_bad_decisions_are_refused_plainly_and_change_nothing(sessions, outcome, reason, to_stage, message):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s, pytest.raises(Invalid, match=message):
        record_decision(s, actor=ws.manager, candidate_id=ws.bob, outcome=outcome, reason=reason, to_stage=to_stage)
    with session_scope(sessions) as s:
        assert get_candidate(s, viewer=ws.manager, candidate_id=ws.bob).stage == "screen"
        assert list_decisions(s, viewer=ws.manager, candidate_id=ws.bob) == []


def test_only_managers_and_admins_decide_and_read_decisions(sessions):
    ws = build_workspace(sessions)
    for who in (ws.ivy, ws.candidate_user):
        with session_scope(sessions) as s, pytest.raises(NotAllowed):
            record_decision(s, actor=who, candidate_id=ws.bob, outcome="advance", reason="I like them")
        with session_scope(sessions) as s, pytest.raises(NotAllowed):
            list_decisions(s, viewer=who, candidate_id=ws.bob)


def test_a_second_manager_on_a_stale_screen_gets_a_conflict_not_a_double_move(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        record_decision(s, actor=ws.manager, candidate_id=ws.bob, outcome="advance", reason="go", expected_stage="screen")
    with session_scope(sessions) as s, pytest.raises(Conflict, match="moved to the stage 'onsite'"):
        record_decision(s, actor=ws.admin, candidate_id=ws.bob, outcome="advance", reason="go",
                        expected_stage="screen")
    with session_scope(sessions) as s:
        assert get_candidate(s, viewer=ws.manager, candidate_id=ws.bob).stage == "onsite"


def test_stage_order_helpers():
    assert next_stage("applied") == "screen" and next_stage("hired") is None and next_stage("rejected") is None
    assert advance_targets("offer") == ("hired",) and advance_targets("rejected") == ()


def test_a_double_click_records_one_decision_and_moves_once(sessions):
    ws = build_workspace(sessions)
    made = []
    for _ in range(2):
        with session_scope(sessions) as s:
            made.append(record_decision(s, actor=ws.manager, candidate_id=ws.bob, outcome="advance", reason="go",
                                        expected_stage="screen"))
    assert made[0] == made[1]
    with session_scope(sessions) as s:
        assert len(list_decisions(s, viewer=ws.manager, candidate_id=ws.bob)) == 1
        assert get_candidate(s, viewer=ws.manager, candidate_id=ws.bob).stage == "onsite"
        again = record_decision(s, actor=ws.manager, candidate_id=ws.bob, outcome="advance", reason="go on",
                                expected_stage="onsite")
    assert again.to_stage == "take-home", "a new reason is a new decision"
