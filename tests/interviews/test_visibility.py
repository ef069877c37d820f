"""Independent scoring: who reads which scorecard, note and debrief, before and after submitting."""

from __future__ import annotations

import pytest

from interviews.db import session_scope
from interviews.errors import AlreadySubmitted, Invalid, NotAllowed
from interviews.notes import load_notes, save_note
from interviews.scorecards import Rating, amend_scorecard, save_draft
from interviews.visibility import audit_log, debrief, get_scorecard, readable_questions, visible_scorecards
from tests.interviews.workspace import build_workspace, submit


def ids(cards):
    return {c.id for c in cards}


def test_an_interviewer_sees_the_panel_only_after_submitting(sessions):
    ws = build_workspace(sessions)
    ivy_card, _ = submit(sessions, ws.ivy, ws.ada_panel.id)
    with session_scope(sessions) as s:
        max_draft = save_draft(s, viewer=ws.max, interview_id=ws.ada_panel.id,
                               ratings=[Rating("measuring-model-latency-correctly", "latency", 2)])
    with session_scope(sessions) as s:
        assert ids(visible_scorecards(s, viewer=ws.max)) == {max_draft.id}, "Max sees his own draft only"
        with pytest.raises(NotAllowed, match="once you have submitted your own"):
            get_scorecard(s, viewer=ws.max, scorecard_id=ivy_card.id)
        brief = debrief(s, viewer=ws.max, candidate_id=ws.ada)
        assert brief.cards == () and brief.hidden == 1 and brief.waiting_on_viewer
        assert ids(visible_scorecards(s, viewer=ws.ivy)) == {ivy_card.id}, "drafts stay private to their author"
    max_card, _ = submit(sessions, ws.max, ws.ada_panel.id, rating=2, recommendation="no")
    with session_scope(sessions) as s:
        assert ids(visible_scorecards(s, viewer=ws.max)) == {ivy_card.id, max_card.id}
        assert get_scorecard(s, viewer=ws.max, scorecard_id=ivy_card.id).rationale == "Measured before optimising."
        brief = debrief(s, viewer=ws.ivy, candidate_id=ws.ada)
        assert ids(brief.cards) == {ivy_card.id, max_card.id} and brief.hidden == 0
        assert brief.recommendations == {"yes": 1, "no": 1}
        assert brief.competency_means == {"latency_measurement": 2.5, "deployment_ownership": 4.0}
        assert [(p.name, p.submitted) for p in brief.panel] == [("Ivy", True), ("Max", True), ("Zoe", False)]
        zoe = debrief(s, viewer=ws.zoe, candidate_id=ws.ada)
        assert zoe.cards == () and zoe.hidden == 2 and zoe.waiting_on_viewer, "Zoe's own interview is still open"


def test_submitting_for_another_candidate_unlocks_nothing_here(sessions):
    ws = build_workspace(sessions)
    submit(sessions, ws.ivy, ws.bob_panel.id)
    ada_card, _ = submit(sessions, ws.max, ws.ada_panel.id)
    with session_scope(sessions) as s:
        assert ada_card.id not in ids(visible_scorecards(s, viewer=ws.ivy))


def test_managers_and_admins_read_every_submitted_card_never_drafts(sessions):
    ws = build_workspace(sessions)
    card, _ = submit(sessions, ws.ivy, ws.ada_panel.id)
    with session_scope(sessions) as s:
        draft = save_draft(s, viewer=ws.zoe, interview_id=ws.ada_onsite.id, rationale="thinking")
    with session_scope(sessions) as s:
        for boss in (ws.manager, ws.admin):
            assert ids(visible_scorecards(s, viewer=boss)) == {card.id}
            with pytest.raises(NotAllowed):
                get_scorecard(s, viewer=boss, scorecard_id=draft.id)
        assert debrief(s, viewer=ws.manager, candidate_id=ws.ada).cards[0].ratings[0].rating == 3


def test_candidates_never_read_scorecards_notes_or_debriefs(sessions):
    ws = build_workspace(sessions)
    card, _ = submit(sessions, ws.ivy, ws.ada_panel.id)
    with session_scope(sessions) as s:
        assert visible_scorecards(s, viewer=ws.candidate_user) == []
        assert visible_scorecards(s, viewer=None) == []
        for call in (lambda: get_scorecard(s, viewer=ws.candidate_user, scorecard_id=card.id),
                     lambda: debrief(s, viewer=ws.candidate_user, candidate_id=ws.ada),
                     lambda: load_notes(s, viewer=ws.candidate_user, interview_id=ws.ada_panel.id),
                     lambda: audit_log(s, viewer=ws.candidate_user, scorecard_id=card.id)):
            with pytest.raises(NotAllowed):
                call()


def test_notes_are_read_by_their_author_and_managers_only(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q", text="Ivy's notes",
                  base_version=0)
    with session_scope(sessions) as s:
        assert load_notes(s, viewer=ws.manager, interview_id=ws.ada_panel.id, author_id=ws.ivy.account_id)["q"].text \
            == "Ivy's notes"
        with pytest.raises(NotAllowed):
            load_notes(s, viewer=ws.max, interview_id=ws.ada_panel.id, author_id=ws.ivy.account_id)
        with pytest.raises(NotAllowed, match="panel"):
            save_note(s, viewer=ws.zoe, interview_id=ws.ada_panel.id, question_id="q", text="not my panel",
                      base_version=0)


def test_submitted_cards_are_read_only_and_amendments_are_audited(sessions):
    ws = build_workspace(sessions)
    card, _ = submit(sessions, ws.ivy, ws.ada_panel.id)
    with pytest.raises(AlreadySubmitted), session_scope(sessions) as s:
        save_draft(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, rationale="sneaky edit")
    with pytest.raises(AlreadySubmitted, match="read-only"), session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q", text="late", base_version=0)
    with pytest.raises(NotAllowed), session_scope(sessions) as s:
        amend_scorecard(s, actor=ws.max, scorecard_id=card.id, reason="I disagree", recommendation="no")
    with pytest.raises(Invalid, match="Say why"), session_scope(sessions) as s:
        amend_scorecard(s, actor=ws.ivy, scorecard_id=card.id, reason=" ", recommendation="no")
    with session_scope(sessions) as s:
        amended = amend_scorecard(s, actor=ws.ivy, scorecard_id=card.id, reason="Misread my notes",
                                  recommendation="strong_yes",
                                  competency_overrides={"latency_measurement": (4, "Best answer this quarter")})
    assert amended.amended and amended.recommendation == "strong_yes"
    assert {c.competency: (c.rating, c.adjusted) for c in amended.competencies} == {
        "latency_measurement": (4, True), "deployment_ownership": (4, False)}
    with session_scope(sessions) as s:
        log = audit_log(s, viewer=ws.manager, scorecard_id=card.id)
    by_field = {e.field: e for e in log}
    assert set(by_field) == {"recommendation", "competencies"}
    assert by_field["recommendation"].before == "yes" and by_field["recommendation"].after == "strong_yes"
    assert by_field["recommendation"].actor_name == "Ivy" and by_field["recommendation"].reason == "Misread my notes"


def test_a_competency_rating_changed_without_a_reason_is_refused(sessions):
    ws = build_workspace(sessions)
    with pytest.raises(Invalid, match="Say why the latency measurement rating"), session_scope(sessions) as s:
        save_draft(s, viewer=ws.ivy, interview_id=ws.ada_panel.id,
                   ratings=[Rating("q1", "latency_measurement", 2)],
                   competency_overrides={"latency_measurement": (4, "")})


def test_candidates_read_practice_questions_only():
    from question_bank.loader import load_bank
    from tests.conftest import BANK_DIR

    bank = load_bank(BANK_DIR)
    practice = readable_questions(bank, "candidate")
    assert practice and all(q.visibility.value == "practice" for q in practice)
    assert readable_questions(bank, None) == practice
    assert len(readable_questions(bank, "interviewer")) == len(bank.questions) > len(practice)


def test_a_second_interview_hides_the_panel_again_until_its_card_is_in(sessions):
    from interviews.schedule import add_interviewer

    ws = build_workspace(sessions)
    submit(sessions, ws.ivy, ws.ada_panel.id)
    max_card, _ = submit(sessions, ws.max, ws.ada_panel.id)
    with session_scope(sessions) as s:
        assert max_card.id in ids(visible_scorecards(s, viewer=ws.ivy))
        add_interviewer(s, actor=ws.manager, interview_id=ws.ada_onsite.id, account_id=ws.ivy.account_id)
    with session_scope(sessions) as s:
        assert max_card.id not in ids(visible_scorecards(s, viewer=ws.ivy)), "Ivy owes the onsite card now"
        assert debrief(s, viewer=ws.ivy, candidate_id=ws.ada).waiting_on_viewer
    submit(sessions, ws.ivy, ws.ada_onsite.id)
    with session_scope(sessions) as s:
        assert max_card.id in ids(visible_scorecards(s, viewer=ws.ivy))
