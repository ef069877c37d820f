"""Spaced repetition and weak areas for practice, on hand-built histories."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from interviews.review import (AttemptFact, due_questions, grade_from_rating, recommend_next, review,
                               weak_areas)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def test_better_answers_come_back_later():
    again = review(None, "q1", 1, T0)
    easy = review(None, "q1", 4, T0)
    assert again.due < easy.due
    assert easy.due - T0 >= timedelta(days=1)
    assert again.due - T0 <= timedelta(hours=1)


def test_state_round_trips_and_intervals_grow_with_good_reviews():
    first = review(None, "q1", 3, T0)
    second = review(first, "q1", 3, first.due + timedelta(days=1))
    third = review(second, "q1", 3, second.due + timedelta(minutes=1))
    assert third.reviews == 3
    assert (third.due - second.due) > (second.due - first.due) > timedelta(0)


def test_review_refuses_a_grade_outside_1_to_4():
    with pytest.raises(ValueError, match="1, 2, 3 or 4"):
        review(None, "q1", 5, T0)
    assert grade_from_rating(0) == 1 and grade_from_rating(9) == 4


def test_due_questions_most_overdue_first():
    a = review(None, "a", 1, T0)
    b = review(None, "b", 1, T0 - timedelta(days=2))
    c = review(None, "c", 4, T0)
    assert [s.question_id for s in due_questions([a, b, c], T0 + timedelta(hours=2))] == ["b", "a"]


def test_weak_areas_use_the_latest_attempt_per_question():
    attempts = [AttemptFact("q1", "deploy", 0.2, T0), AttemptFact("q1", "deploy", 0.9, T0 + timedelta(days=1)),
                AttemptFact("q2", "data", 0.3, T0), AttemptFact("q3", "data", 0.5, T0)]
    [area] = weak_areas(attempts)
    assert (area.competency, round(area.mean_coverage, 2), area.attempts) == ("data", 0.4, 2)


def test_recommendations_put_due_reviews_first_then_untried_weak_area_questions():
    attempts = [AttemptFact("d1", "data", 0.2, T0), AttemptFact("p1", "deploy", 0.95, T0)]
    states = [review(None, "d1", 1, T0), review(None, "p1", 4, T0)]
    competency_of = {"d1": "data", "d2": "data", "d3": "data", "p1": "deploy", "p2": "deploy", "m1": "modelling"}
    plan = recommend_next(states=states, attempts=attempts, competency_of=competency_of,
                          now=T0 + timedelta(hours=3), limit=4)
    assert plan == ["d1", "d2", "d3", "m1"]
