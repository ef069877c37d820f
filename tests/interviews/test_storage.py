"""Practice attempts and rubric decisions on SQLite and PostgreSQL: stored, scoped to their owner, exported."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from interviews.db import session_scope
from interviews.overrides import export_training_rows, record_decisions
from interviews.practice import list_attempts, progress, save_attempt


def test_attempts_are_scoped_to_their_candidate(sessions):
    with session_scope(sessions) as s:
        save_attempt(s, candidate="Ada", question_id="q1", answer="first", covered_points=["a"], total_points=4,
                     suggested_rating=2)
        save_attempt(s, candidate="Ada", question_id="q1", answer="second", covered_points=["a", "b", "c"],
                     total_points=4, suggested_rating=3)
        save_attempt(s, candidate="Bob", question_id="q2", answer="x", covered_points=[], total_points=5,
                     suggested_rating=1)
    with session_scope(sessions) as s:
        ada = list_attempts(s, candidate="Ada")
        assert [a.answer for a in ada] == ["second", "first"]
        assert all(a.candidate == "Ada" for a in ada)
        summary = progress(s, candidate="Ada")
        assert summary.attempts == 2 and summary.questions_tried == 1
        assert summary.mean_coverage == pytest.approx((1 / 4 + 3 / 4) / 2)
        assert summary.best_rating_by_question == {"q1": 3}
        assert progress(s, candidate="Carol").attempts == 0


def test_failed_transaction_loses_nothing_already_saved(sessions):
    with session_scope(sessions) as s:
        save_attempt(s, candidate="Ada", question_id="q1", answer="kept", covered_points=[], total_points=4,
                     suggested_rating=1)
    with pytest.raises(ValueError):
        with session_scope(sessions) as s:
            save_attempt(s, candidate="Ada", question_id="q1", answer="rolled back", covered_points=[],
                         total_points=4, suggested_rating=1)
            save_attempt(s, candidate=" ", question_id="q1", answer="bad", covered_points=[], total_points=4,
                         suggested_rating=1)
    with session_scope(sessions) as s:
        assert [a.answer for a in list_attempts(s, candidate="Ada")] == ["kept"]


def test_huge_and_unicode_answers_round_trip(sessions):
    text = "量子化 🚀 <script>x</script> " * 4000
    with session_scope(sessions) as s:
        save_attempt(s, candidate="Zoë", question_id="q", answer=text, covered_points=[], total_points=4,
                     suggested_rating=1)
    with session_scope(sessions) as s:
        assert list_attempts(s, candidate="Zoë")[0].answer == text


def test_decisions_export_as_matcher_training_rows(sessions):
    with session_scope(sessions) as s:
        record_decisions(s, reviewer="Ivy", question_id="q1", text="TRT fp16; no accuracy check",
                         decisions=[("trt", "Builds a TensorRT engine", True, 0.9, True),
                                    ("acc", "Re-measures accuracy", True, 0.6, False),
                                    ("prof", "Profiles first", False, 0.2, True)])
    with session_scope(sessions) as s:
        rows = [json.loads(line) for line in export_training_rows(s).splitlines()]
    assert rows == [{"question_id": "q1", "text": "TRT fp16; no accuracy check",
                     "points": ["Builds a TensorRT engine", "Re-measures accuracy", "Profiles first"],
                     "point_ids": ["trt", "acc", "prof"], "covered": [0, 2]}]


def test_notes_are_saved_replaced_and_private(sessions):
    from interviews.notes import MAX_NOTE_CHARS, load_note, save_note

    with session_scope(sessions) as s:
        save_note(s, interviewer="Ivy", question_id="q1", text="first draft")
    with session_scope(sessions) as s:
        save_note(s, interviewer="Ivy", question_id="q1", text="second draft")
        save_note(s, interviewer="Max", question_id="q1", text="Max's own view")
    with session_scope(sessions) as s:
        assert load_note(s, interviewer="Ivy", question_id="q1") == "second draft"
        assert load_note(s, interviewer="Max", question_id="q1") == "Max's own view"
        assert load_note(s, interviewer="Nobody", question_id="q1") == ""
    with pytest.raises(ValueError, match="at most"):
        with session_scope(sessions) as s:
            save_note(s, interviewer="Ivy", question_id="q1", text="x" * (MAX_NOTE_CHARS + 1))
    with session_scope(sessions) as s:
        assert load_note(s, interviewer="Ivy", question_id="q1") == "second draft"


def test_accounts_hash_passwords_and_keep_their_role(sessions):
    from interviews.users import Account, AuthError, authenticate, verify_password

    with session_scope(sessions) as s:
        first = authenticate(s, name="Ada", password="correct horse", role="candidate")
    assert first.created and first.role == "candidate"
    with session_scope(sessions) as s:
        stored = s.scalar(select(Account))
        assert "correct horse" not in stored.password_hash and verify_password("correct horse", stored.password_hash)
        again = authenticate(s, name="ADA", password="correct horse", role="manager")
    assert not again.created and again.role == "candidate" and again.name == "Ada"
    with pytest.raises(AuthError, match="does not match"):
        with session_scope(sessions) as s:
            authenticate(s, name="ada", password="wrong password", role="candidate")
    with pytest.raises(AuthError, match="staff access code"):
        with session_scope(sessions) as s:
            authenticate(s, name="Ivy", password="long enough", role="interviewer", staff_code="x1", given_code="")


def _card(s, token, interviewer, candidate, rating=3, recommendation="yes"):
    from interviews.scorecards import Rating, submit_scorecard

    return submit_scorecard(s, token=token, interviewer=interviewer, candidate=candidate, kit_id="generalist-cv",
                            recommendation=recommendation, summary="=HYPERLINK(\"x\")",
                            ratings=[Rating("q1", "edge_constraints", rating), Rating("q2", "code_quality", 4)])


def test_scorecards_are_visible_by_role_and_double_submit_is_one(sessions):
    from interviews.scorecards import Scorecard, visible_scorecards

    with session_scope(sessions) as s:
        first, new = _card(s, "tok-1", "Ivy", "Ada")
        again, new_again = _card(s, "tok-1", "Ivy", "Ada")
        assert new and not new_again and first.id == again.id
        _card(s, "tok-2", "Max", "Ada", rating=2, recommendation="no")
        _card(s, "tok-3", "Max", "Bob")
    with session_scope(sessions) as s:
        assert len(list(s.scalars(select(Scorecard)))) == 3
        assert {c.token for c in visible_scorecards(s, viewer="Ivy", role="interviewer")} == {"tok-1"}
        assert {c.token for c in visible_scorecards(s, viewer="Max", role="interviewer")} == {"tok-2", "tok-3"}
        assert len(visible_scorecards(s, viewer="Boss", role="manager")) == 3
        assert visible_scorecards(s, viewer="Ada", role="candidate") == []


def test_scorecard_validation_and_export(sessions):
    from interviews.scorecards import Rating, competency_means, export_scorecards, submit_scorecard, visible_scorecards

    with pytest.raises(ValueError, match="Name the candidate"):
        with session_scope(sessions) as s:
            submit_scorecard(s, token="t", interviewer="Ivy", candidate="  ", kit_id="k", recommendation="yes",
                             summary="", ratings=[Rating("q", "c", 3)])
    with pytest.raises(ValueError, match="1 to 4"):
        with session_scope(sessions) as s:
            submit_scorecard(s, token="t", interviewer="Ivy", candidate="Ada", kit_id="k", recommendation="yes",
                             summary="", ratings=[Rating("q", "c", 7)])
    with session_scope(sessions) as s:
        _card(s, "a", "Ivy", "Ada", rating=2)
        _card(s, "b", "Max", "Ada", rating=4)
        cards = visible_scorecards(s, viewer="Boss", role="manager")
        assert competency_means(cards)["Ada"] == {"edge_constraints": 3.0, "code_quality": 4.0}
        csv_text = export_scorecards(cards, "csv")
        payload = json.loads(export_scorecards(cards, "json"))
    assert csv_text.splitlines()[0].startswith("id,submitted,candidate,interviewer")
    assert "'=HYPERLINK" in csv_text, "formula cells are neutralised"
    assert {p["interviewer"] for p in payload} == {"Ivy", "Max"} and payload[0]["ratings"]
