"""Practice storage: attempts, ratings with FSRS, drafts, each kept to its own candidate account."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from interviews.accounts_admin import add_user
from interviews.db import session_scope
from interviews.errors import Conflict, Invalid, NotAllowed, NotFound
from interviews.identity import COMMAND_LINE
from interviews.practice import (
    MAX_ANSWER_CHARS,
    MAX_DRAFT_CHARS,
    full_history,
    get_attempt,
    list_attempts,
    load_draft,
    record_attempt,
    record_rating,
    review_states,
    save_draft,
)
from interviews.tables import PracticeAttempt

PASSWORD = "a long test password 42"


@pytest.fixture
def people(sessions):
    with session_scope(sessions) as s:
        return {name: add_user(s, actor=COMMAND_LINE, name=name, password=PASSWORD, role=role)
                for name, role in (("Ada", "candidate"), ("Bob", "candidate"), ("Ivy", "interviewer"))}


def attempt(s, viewer, question_id="q1", answer="an answer", coverage=0.5, suggested=2, **extra):
    return record_attempt(s, viewer=viewer, question_id=question_id, competency="deployment", answer=answer,
                          covered_points=["a"], total_points=2, suggested_rating=suggested, coverage=coverage,
                          analysis=[{"index": 0, "point_id": "a", "covered": True, "probability": 0.9,
                                     "span": [0, 2], "reason": None}], **extra)


def test_attempts_are_kept_per_account_and_never_reach_another_candidate(sessions, people):
    ada, bob = people["Ada"], people["Bob"]
    with session_scope(sessions) as s:
        first = attempt(s, ada, answer="first", time_used_s=42.5, time_limit_s=120)
        attempt(s, ada, answer="second")
        theirs = attempt(s, bob, question_id="q2", answer="Bob's")
    with session_scope(sessions) as s:
        assert [a.id for a in list_attempts(s, viewer=ada)][::-1] == [first.id, first.id + 1]
        again = get_attempt(s, viewer=ada, attempt_id=first.id)
        assert again.answer == "first" and again.summary.time_used_s == 42.5 and again.summary.time_limit_s == 120
        assert again.analysis[0]["span"] == [0, 2]
        assert [a.answer for a in full_history(s, viewer=bob)] == ["Bob's"]
        for tampered in (theirs.id, str(theirs.id), "1 OR 1=1", None, -1, 10**12):
            with pytest.raises(NotFound) as refused:
                get_attempt(s, viewer=ada, attempt_id=tampered)
            assert str(refused.value) == "There is no such attempt among yours."
        with pytest.raises(NotFound):
            record_rating(s, viewer=ada, attempt_id=theirs.id, rating=4)
        assert get_attempt(s, viewer=bob, attempt_id=theirs.id).summary.rating is None


def test_staff_and_nameless_viewers_cannot_practise_or_read_attempts(sessions, people):
    with session_scope(sessions) as s:
        attempt(s, people["Ada"])
    for viewer in (people["Ivy"], COMMAND_LINE, None):
        with session_scope(sessions) as s, pytest.raises(NotAllowed):
            list_attempts(s, viewer=viewer)
    with session_scope(sessions) as s, pytest.raises(NotAllowed):
        attempt(s, people["Ivy"])


def test_empty_and_oversized_answers_are_refused_with_a_clear_message(sessions, people):
    ada = people["Ada"]
    with session_scope(sessions) as s:
        with pytest.raises(Invalid, match="Write an answer first"):
            attempt(s, ada, answer="   \n ")
        with pytest.raises(Invalid, match="Your answer is 100,001 characters; the limit is 100,000"):
            attempt(s, ada, answer="x" * (MAX_ANSWER_CHARS + 1))
        kept = attempt(s, ada, answer="量子化 🚀 <script>x</script> " * 4000)
    with session_scope(sessions) as s:
        assert get_attempt(s, viewer=ada, attempt_id=kept.id).answer.startswith("量子化 🚀 <script>")
        assert len(list(s.scalars(select(PracticeAttempt)))) == 1


def test_a_recorded_rating_schedules_the_question_once(sessions, people):
    ada = people["Ada"]
    with session_scope(sessions) as s:
        easy = attempt(s, ada, question_id="q1", suggested=4)
        hard = attempt(s, ada, question_id="q2", suggested=3)
    with session_scope(sessions) as s:
        record_rating(s, viewer=ada, attempt_id=easy.id, rating=4)
        record_rating(s, viewer=ada, attempt_id=hard.id, rating=1)  # the candidate marks it down
        with pytest.raises(Invalid):
            record_rating(s, viewer=ada, attempt_id=easy.id, rating=5)
    with session_scope(sessions) as s:
        with pytest.raises(Conflict, match="already recorded"):
            record_rating(s, viewer=ada, attempt_id=easy.id, rating=2)
    with session_scope(sessions) as s:
        states = {st.question_id: st for st in review_states(s, viewer=ada)}
        assert get_attempt(s, viewer=ada, attempt_id=hard.id).summary.rating == 1
        assert review_states(s, viewer=people["Bob"]) == []
    assert states["q2"].due < states["q1"].due, "an 'again' question comes back sooner than an easy one"
    assert states["q1"].due - datetime.now(timezone.utc) > timedelta(days=1)
    assert states["q1"].reviews == states["q2"].reviews == 1


def test_drafts_belong_to_a_candidate_and_a_question_and_go_when_checked(sessions, people):
    ada, bob = people["Ada"], people["Bob"]
    with session_scope(sessions) as s:
        save_draft(s, viewer=ada, question_id="q1", text="half an answer")
        save_draft(s, viewer=ada, question_id="q2", text="another")
    with session_scope(sessions) as s:
        assert load_draft(s, viewer=ada, question_id="q1") == "half an answer"
        assert load_draft(s, viewer=bob, question_id="q1") == ""
        assert load_draft(s, viewer=ada, question_id="q3") == ""
        with pytest.raises(Invalid, match="not saved"):
            save_draft(s, viewer=ada, question_id="q1", text="y" * (MAX_DRAFT_CHARS + 1))
        save_draft(s, viewer=ada, question_id="q3", text="z" * (MAX_ANSWER_CHARS + 17_000))
    with session_scope(sessions) as s:
        assert len(load_draft(s, viewer=ada, question_id="q3")) == 117_000, "a draft over the answer limit is kept"
    with session_scope(sessions) as s:
        assert load_draft(s, viewer=ada, question_id="q1") == "half an answer"
        attempt(s, ada, question_id="q1")
    with session_scope(sessions) as s:
        assert load_draft(s, viewer=ada, question_id="q1") == ""
        assert load_draft(s, viewer=ada, question_id="q2") == "another"
        save_draft(s, viewer=ada, question_id="q2", text="  ")
    with session_scope(sessions) as s:
        assert load_draft(s, viewer=ada, question_id="q2") == ""


def test_failed_transaction_loses_nothing_already_saved(sessions, people):
    ada = people["Ada"]
    with session_scope(sessions) as s:
        attempt(s, ada, answer="kept")
    with pytest.raises(Invalid):
        with session_scope(sessions) as s:
            attempt(s, ada, answer="rolled back")
            attempt(s, ada, answer=" ")
    with session_scope(sessions) as s:
        assert [a.answer for a in full_history(s, viewer=ada)] == ["kept"]
