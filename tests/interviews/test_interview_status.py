"""An interview's status follows its panel: planned, in progress once someone writes, submitted when every panel
member's card is submitted (and back to in progress when someone joins the panel later)."""

from __future__ import annotations

from interviews.db import session_scope
from interviews.schedule import add_interviewer, get_interview, list_interviews
from interviews.notes import save_note
from tests.interviews.workspace import build_workspace, submit


def _status(sessions, viewer, interview_id) -> str:
    with session_scope(sessions) as s:
        return get_interview(s, viewer=viewer, interview_id=interview_id).status


def test_the_only_card_submitted_makes_the_interview_submitted_in_the_picker_list(sessions):
    ws = build_workspace(sessions)
    assert _status(sessions, ws.zoe, ws.ada_onsite.id) == "planned"
    with session_scope(sessions) as s:
        save_note(s, viewer=ws.zoe, interview_id=ws.ada_onsite.id, question_id="measuring-model-latency-correctly",
                  text="Warm-up excluded.", base_version=0)
    assert _status(sessions, ws.zoe, ws.ada_onsite.id) == "in_progress"
    submit(sessions, ws.zoe, ws.ada_onsite.id)
    assert _status(sessions, ws.zoe, ws.ada_onsite.id) == "submitted"
    with session_scope(sessions) as s:  # the list the interview picker draws from
        listed = {i.id: i.status for i in list_interviews(s, viewer=ws.zoe, candidate_id=ws.ada)}
    assert listed == {ws.ada_onsite.id: "submitted"}
    with session_scope(sessions) as s:  # the notes are read-only now: nothing can reopen it
        assert get_interview(s, viewer=ws.manager, interview_id=ws.ada_onsite.id).panel[0].submitted


def test_a_panel_of_two_is_submitted_only_when_both_cards_are(sessions):
    ws = build_workspace(sessions)
    submit(sessions, ws.ivy, ws.ada_panel.id)
    assert _status(sessions, ws.manager, ws.ada_panel.id) == "in_progress"
    submit(sessions, ws.max, ws.ada_panel.id)
    assert _status(sessions, ws.manager, ws.ada_panel.id) == "submitted"
    with session_scope(sessions) as s:
        add_interviewer(s, actor=ws.manager, interview_id=ws.ada_panel.id, account_id=ws.zoe.account_id)
    assert _status(sessions, ws.manager, ws.ada_panel.id) == "in_progress"
