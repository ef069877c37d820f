"""Practice planning and feedback on hand-built data: question pools, the overview, chart points, exports, red
flags, highlighted evidence, and the 0011 migration carrying older name-keyed attempts to their accounts."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from interviews.practice import AttemptInfo, AttemptSummary
from interviews.practice_feedback import check_answer, feedback_from_analysis, highlight_segments
from interviews.practice_history import export_history, overview, progress_points, question_pool, random_question
from interviews.review import review
from question_bank.loader import load_bank
from tests.conftest import BANK_DIR, HashingEncoder

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK_DIR)


def summary(n, qid, comp, coverage, *, days_ago=0, rating=None):
    return AttemptSummary(n, NOW - timedelta(days=days_ago), qid, comp, coverage, 2, rating, None, None)


def test_pools_by_competency_topic_and_kit_hold_only_readable_questions(bank):
    readable = {q.id for q in bank.questions if q.visibility.value == "practice"}
    every = question_pool(bank, readable)
    assert len(every) == len(readable) < len(bank.questions)
    comp = bank.questions[0].competency
    assert set(question_pool(bank, readable, competency=comp)) == {q.id for q in bank.questions
                                                                  if q.competency == comp and q.id in readable}
    topic = bank.skills[0].id
    assert all(topic in bank.question(q).topics for q in question_pool(bank, readable, topic=topic))
    kit = bank.kits[0]
    assert set(question_pool(bank, readable, kit=kit.id)) == set(kit.question_ids) & readable
    assert question_pool(bank, readable, kit="no-such-kit") == []
    assert random_question(["a"], avoid="a") == "a" and random_question([]) is None
    assert all(random_question(["a", "b"], avoid="a") == "b" for _ in range(20))


def test_overview_finds_weak_areas_due_questions_and_recommendations():
    attempts = [summary(1, "q1", "deploy", 0.2, days_ago=3), summary(2, "q1", "deploy", 0.3, days_ago=1),
                summary(3, "q2", "data", 0.9, days_ago=2)]
    state = review(None, "q1", 1, NOW - timedelta(days=1))  # "again": due within minutes
    comp = {"q1": "deploy", "q2": "data", "q3": "deploy", "q4": "code"}
    view = overview(attempts, [state, review(None, "gone", 1, NOW - timedelta(days=1))], comp, now=NOW)
    assert view.attempts == 3 and view.questions_tried == 2
    assert view.latest_coverage == pytest.approx((0.3 + 0.9) / 2)
    assert [w.competency for w in view.weak] == ["deploy"]
    assert [s.question_id for s in view.due] == ["q1"], "a question no longer open for practice is never due"
    assert view.recommended[:2] == ("q1", "q3") and "q4" in view.recommended
    assert not view.per_day and len(view.points) == 3


def test_many_attempts_chart_as_daily_means_per_competency():
    attempts = [summary(i, f"q{i % 7}", "deploy" if i % 2 else "data", (i % 10) / 10, days_ago=i % 31)
                for i in range(1000)]
    points, per_day = progress_points(attempts, {})
    assert per_day and len(points) == 62
    deploy_day0 = [p for p in points if p[1] == "deploy" and p[0].day == NOW.day]
    expected = [a.coverage for a in attempts if a.competency == "deploy" and a.created_at.date() == NOW.date()]
    assert deploy_day0[0][2] == pytest.approx(sum(expected) / len(expected))


def test_exports_are_one_candidates_history_in_safe_csv_and_json():
    attempt = AttemptInfo(AttemptSummary(7, NOW, "q1", "deploy", 0.5, 3, None, 61.25, None),
                          "=HYPERLINK(\"http://x\")\nsecond line", ("p1",), 2,
                          ({"index": 0, "point_id": "p1", "covered": True, "probability": 0.9, "span": [0, 3],
                            "reason": None},))
    text = export_history([attempt], {"q1": "-1+1 prompt"}, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.endswith("\r\n") and len(rows) == 1
    row = rows[0]
    assert row["answer"].startswith("'=HYPERLINK") and row["question"] == "'-1+1 prompt"
    assert row["your_rating"] == "" and row["time_limit_s"] == "" and row["time_used_s"] == "61.2"
    assert row["coverage_percent"] == "50.0" and row["covered_points"] == "p1"
    data = json.loads(export_history([attempt], {"q1": "prompt"}, "json"))
    [row] = data["attempts"]
    assert row["answer"].startswith("=HYPERLINK") and row["analysis"][0]["span"] == [0, 3]
    with pytest.raises(ValueError):
        export_history([attempt], {}, "xml")


def test_feedback_flags_only_what_the_matcher_measured_and_rebuilds_the_same_way(bank):
    question = next(q for q in bank.questions if q.visibility.value == "practice")
    answer = "We used TensorRT. Maybe we quantised, I am not sure."
    fresh = check_answer(question, answer, encoder=HashingEncoder())
    again = feedback_from_analysis(question, answer, fresh.analysis(), max_chars=20_000)
    assert again.points == fresh.points and again.suggested_rating == fresh.suggested_rating
    assert any("very short answer" in f.label for f in fresh.red_flags)
    rows = [{"index": 0, "point_id": question.rubric[0].id, "covered": False, "probability": 0.4,
             "span": [0, 17], "reason": "name-drop only"},
            {"index": 1, "point_id": question.rubric[1].id, "covered": True, "probability": 0.9,
             "span": [18, 52], "reason": None}]
    feedback = feedback_from_analysis(question, answer, rows, max_chars=20_000)
    [name_drop] = [f for f in feedback.red_flags if f.span]
    assert name_drop.quote == "We used TensorRT." and "name-drop only" in name_drop.label
    assert feedback.evidence_spans == [(18, 52)] and feedback.covered_ids == [question.rubric[1].id]
    assert feedback_from_analysis(question, "x" * 30, rows, max_chars=10).notices
    # a point quoted in two places (stored by this version) highlights both; an older attempt, its one span
    two = feedback_from_analysis(question, answer, [{**rows[1], "spans": [[0, 17], [18, 52]]}], max_chars=20_000)
    assert two.evidence_spans == [(0, 17), (18, 52)] and two.points[0].span == (18, 52)
    assert feedback_from_analysis(question, answer, two.analysis(), max_chars=20_000).points == two.points
    # how much was read is stored with the analysis: an attempt checked whole under a longer cut reopens without a
    # notice that its start alone was checked
    assert all(row["checked"] == len(answer) for row in fresh.analysis())
    long_answer = answer + " More detail." * 300
    checked_whole = [{**rows[1], "checked": len(long_answer)}]
    assert not feedback_from_analysis(question, long_answer, checked_whole, max_chars=2_500).notices
    # one stored before that was recorded was read up to the default of its day (20,000) where the default cut is
    # used now, and up to the deployment's own cut where it set one
    assert not feedback_from_analysis(question, long_answer, rows, max_chars=2_500).notices
    assert feedback_from_analysis(question, "y" * 20_001, rows, max_chars=2_500).notices == (
        "The answer is longer than 20,000 characters; only its start was checked.",)
    assert feedback_from_analysis(question, long_answer, rows, max_chars=3_000).notices == (
        "The answer is longer than 3,000 characters; only its start was checked.",)
    cut = [{**rows[1], "checked": 2_495}]
    assert feedback_from_analysis(question, long_answer, cut, max_chars=20_000).notices == (
        "The answer is longer than 2,495 characters; only its start was checked.",)


def test_highlight_segments_cover_the_text_in_order():
    text = "abcdefghij"
    parts = highlight_segments(text, [(2, 5)], [(4, 8)])
    assert "".join(p for p, _ in parts) == text
    assert parts == [("ab", ""), ("cde", "evidence"), ("fgh", "flag"), ("ij", "")]
    assert highlight_segments("", [(0, 3)]) == []
    assert highlight_segments("abc", [(1, 99)]) == [("a", ""), ("bc", "evidence")]


def test_migration_gives_older_attempts_to_the_candidate_account_of_that_name(tmp_path):
    from interviews.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0010_decisions")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO accounts (id, name, name_key, role, password_hash, created_at, confirmed, "
                             "disabled, email) VALUES (5, 'Zoë', 'zoë', 'candidate', 'x', '2026-01-01', 1, 0, '')"))
        for n, who in enumerate(("ZOË", "Nobody")):
            conn.execute(sa.text("INSERT INTO practice_attempts (created_at, candidate, question_id, answer, "
                                 "covered_points, total_points, suggested_rating) VALUES "
                                 f"('2026-01-0{n + 1}', :who, 'q1', 'old answer', '[\"a\", \"b\"]', 4, 2)"),
                         {"who": who})
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT candidate, account_id, coverage FROM practice_attempts ORDER BY id")).all()
    assert rows == [("ZOË", 5, 0.5), ("Nobody", None, 0.5)]


def test_progress_chart_with_one_attempt_has_date_ticks_a_day_of_padding_and_a_named_legend():
    from datetime import datetime, timedelta

    from interviews.charts import progress_figure

    at = datetime(2026, 12, 1, 3, 18, 3, 720000)
    fig = progress_figure([(at, "deploy", 0.57)], {"deploy": "Inference <b>deployment</b>"})
    xaxis = fig.layout.xaxis
    assert xaxis.type == "date" and xaxis.tickformat == "%b %d %H:%M", "never sub-millisecond ticks"
    low, high = (datetime.fromisoformat(str(v)) for v in xaxis.range)
    assert low <= at - timedelta(days=1) and high >= at + timedelta(days=1)
    assert fig.layout.showlegend is True, "the competency is named even with one line"
    assert fig.data[0].name == "Inference &lt;b&gt;deployment&lt;/b&gt;", "user text through chart_text"
    far = progress_figure([(at, "deploy", 0.5), (at + timedelta(days=30), "deploy", 0.7)])
    assert far.layout.xaxis.range is None, "a long span keeps plotly's own range"

