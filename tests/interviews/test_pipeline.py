"""The manager's queries: pipeline rows with every recommendation and missing cards, filters, the comparison's and
calibration's inputs, one candidate's dossier with the notes' evidence, and the CSV reports."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from interviews.calibration import calibrate
from interviews.candidates import create_candidate
from interviews.comparison import ComparisonError
from interviews.db import session_scope
from interviews.dossier import candidate_dossier
from interviews.errors import NotAllowed
from interviews.lab_runs import save_lab_run
from interviews.notes import save_note
from interviews.overrides import record_decisions
from interviews.pipeline import (card_summaries, compare, pipeline_options, pipeline_rows, rating_records,
                                 report_facts)
from interviews.rating_csv import competency_csv, question_csv
from interviews.schedule import create_interview
from interviews.visibility import visible_scorecards
from tests.interviews.workspace import KIT, build_workspace, submit

Q_LATENCY = "measuring-model-latency-correctly"


@pytest.fixture
def ws(sessions):
    ws = build_workspace(sessions)
    submit(sessions, ws.ivy, ws.ada_panel.id, rating=4, recommendation="strong_yes")
    submit(sessions, ws.max, ws.ada_panel.id, rating=2, recommendation="no")
    return ws


def test_pipeline_rows_carry_recommendations_missing_cards_lab_and_decision(sessions, ws):
    with session_scope(sessions) as s:
        save_lab_run(s, owner=ws.ivy, candidate_id=ws.ada, variant="int8", model_sha256="0" * 64, settings={},
                     latency={"p50_ms": 3.25}, accuracy={"map50": 0.91}, environment={}, size_bytes=10)
        rows = pipeline_rows(s, viewer=ws.manager, extras={ws.bob: ["Take-home: F1 0.80"]})
    assert [r.name for r in rows] == ["Bob Builder", "Ada Lovelace"], "stage order: screen before onsite"
    bob, ada = rows
    assert [(v.interviewer, v.recommendation, v.submitted) for v in ada.verdicts] == [
        ("Ivy", "strong_yes", True), ("Max", "no", True), ("Zoe", None, False)]
    assert (ada.submitted, ada.missing) == (2, 1)
    assert (ada.lab.runs, ada.lab.fastest_p50_ms, ada.lab.best_map50) == (1, 3.25, 0.91)
    assert bob.missing == 1 and bob.extras == ("Take-home: F1 0.80",) and bob.decision is None


def test_pipeline_filters_by_role_stage_kit_and_interviewer(sessions, ws):
    with session_scope(sessions) as s:
        def names(**filters):
            return [r.name for r in pipeline_rows(s, viewer=ws.manager, **filters)]

        assert names(stage="screen") == ["Bob Builder"]
        assert names(role="CV engineer") == ["Ada Lovelace"]
        assert names(interviewer_id=ws.zoe.account_id) == ["Ada Lovelace"]
        assert names(kit="no-such-kit") == [] and set(names(kit=KIT)) == {"Ada Lovelace", "Bob Builder"}
        options = pipeline_options(s, viewer=ws.manager)
        assert options.roles == ("CV engineer",) and options.kits == (KIT,)
        assert [name for _, name in options.interviewers] == ["Ivy", "Max", "Zoe"]


def test_interviewers_and_candidates_cannot_read_the_pipeline(sessions, ws):
    for who in (ws.ivy, ws.candidate_user):
        with session_scope(sessions) as s:
            for call in (lambda: pipeline_rows(s, viewer=who), lambda: rating_records(s, viewer=who),
                         lambda: card_summaries(s, viewer=who, candidate_ids=[ws.ada]),
                         lambda: candidate_dossier(s, viewer=who, candidate_id=ws.ada)):
                with pytest.raises(NotAllowed):
                    call()


def test_compare_labels_namesakes_and_refuses_plainly(sessions, ws):
    with session_scope(sessions) as s:
        twin = create_candidate(s, actor=ws.manager, name="Ada Lovelace", stage="screen").id
        interview = create_interview(s, actor=ws.manager, candidate_id=twin, kit_id=KIT, interviewer_ids=[ws.zoe.account_id])
    submit(sessions, ws.zoe, interview.id, rating=3)
    with session_scope(sessions) as s:
        comparison, labels = compare(s, viewer=ws.manager, candidate_ids=[ws.ada, twin, ws.bob])
        assert labels[ws.ada] == f"Ada Lovelace (#{ws.ada})" and labels[ws.bob] == "Bob Builder"
        assert comparison.means[labels[ws.ada]]["latency_measurement"] == 3.0
        assert comparison.recommendations[labels[twin]] == {"Zoe": "yes"}
        [gap] = comparison.disagreements
        assert (gap.candidate, gap.competency, gap.gap) == (labels[ws.ada], "latency_measurement", 2)
        assert comparison.notices == ("Bob Builder has no submitted scorecard yet.",)
        with pytest.raises(ComparisonError, match="at least 2"):
            compare(s, viewer=ws.manager, candidate_ids=[ws.ada])
        with pytest.raises(ComparisonError, match="nothing to compare"):
            compare(s, viewer=ws.manager, candidate_ids=[ws.bob, ws.bob + 1000])


def test_rating_records_feed_calibration(sessions, ws):
    with session_scope(sessions) as s:
        records = rating_records(s, viewer=ws.manager)
        assert rating_records(s, viewer=ws.manager, kit="other") == []
    assert {(r.interviewer, r.competency, r.rating) for r in records} == {
        ("Ivy", "latency_measurement", 4), ("Ivy", "deployment_ownership", 4),
        ("Max", "latency_measurement", 2), ("Max", "deployment_ownership", 4)}
    report = calibrate(records).by_name()
    # latency: 4 vs 2 around a level of 3; ownership: both 4 -> offsets +-0.5 over two competencies
    assert report["Ivy"].offset == pytest.approx(0.5) and report["Max"].offset == pytest.approx(-0.5)


def test_dossier_opens_every_card_with_the_notes_evidence_and_lab_runs(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id=Q_LATENCY,
                  text="Warm-up runs, then p50/p99 over 300 runs.", base_version=0)
        record_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id=Q_LATENCY, text="old",
                         decisions=[("p1", "Warm-up", False, 0.2, False)])
        record_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id=Q_LATENCY, text="final",
                         decisions=[("p1", "Warm-up", False, 0.2, True), ("p2", "Percentiles", True, 0.9, False)])
        run = save_lab_run(s, owner=ws.ivy, variant="fp32", model_sha256="0" * 64, settings={},
                           latency={"p50_ms": 5.2, "p90_ms": 5.5}, accuracy={"map50": 0.97, "map50_95": 0.63},
                           environment={}, size_bytes=2_000_000)
        run_id = run.id
    from interviews.scorecards import Rating, submit_scorecard
    with session_scope(sessions) as s:
        submit_scorecard(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, token="t1", recommendation="yes",
                         ratings=[Rating(Q_LATENCY, "latency_measurement", 3)], rationale="Solid.",
                         lab_run_ids=[run_id])
    submit(sessions, ws.zoe, ws.ada_onsite.id)
    with session_scope(sessions) as s:
        dossier = candidate_dossier(s, viewer=ws.manager, candidate_id=ws.ada, extras=["Take-home: pending"])
    by_author = {d.card.interviewer_name: d for d in dossier.cards}
    assert set(by_author) == {"Ivy", "Zoe"} and [m.name for m in dossier.missing] == ["Max"]
    evidence = by_author["Ivy"].evidence[Q_LATENCY]
    assert evidence.note.startswith("Warm-up runs") and evidence.covered == ("Warm-up",)
    assert evidence.missed == ("Percentiles",), "the latest saved set counts, not the older one"
    assert by_author["Zoe"].evidence == {}
    [lab] = dossier.lab_runs
    assert (lab.variant, lab.p50_ms, lab.p90_ms, lab.map50_95, lab.attached_to_cards) == (
        "fp32", 5.2, 5.5, 0.63, (by_author["Ivy"].card.id,))
    assert dossier.extras == ("Take-home: pending",) and dossier.history[0].to_stage == "onsite"


def test_csv_reports_per_question_and_competency_keep_empty_cells_empty_and_neutralise_formulas(sessions):
    ws = build_workspace(sessions)
    with session_scope(sessions) as s:
        hostile = create_candidate(s, actor=ws.manager, name="=HYPERLINK(1)", stage="screen").id
        interview = create_interview(s, actor=ws.manager, candidate_id=hostile, kit_id=KIT,
                                     interviewer_ids=[ws.ivy.account_id])
    submit(sessions, ws.ivy, interview.id, rating=2)
    with session_scope(sessions) as s:
        cards = visible_scorecards(s, viewer=ws.manager, candidate_id=hostile, submitted_only=True)
    per_question = list(csv.DictReader(io.StringIO(question_csv(cards, {Q_LATENCY: "Latency?"}))))
    assert len(per_question) == 2 and per_question[0]["candidate"] == "'=HYPERLINK(1)"
    latency = next(r for r in per_question if r["question_id"] == Q_LATENCY)
    assert (latency["rating"], latency["question"], latency["matcher_suggested"]) == ("2", "Latency?", "")
    other = next(r for r in per_question if r["question_id"] != Q_LATENCY)
    assert other["question"] == "" and other["recommendation"] == "Yes"
    per_competency = list(csv.DictReader(io.StringIO(competency_csv(cards))))
    assert {(r["competency"], r["rating"], r["reason_for_change"]) for r in per_competency} == {
        ("latency_measurement", "2", ""), ("deployment_ownership", "4", "")}
    assert "'" not in competency_csv(cards).replace("'=HYPERLINK", "")


def test_report_facts_name_stage_decision_and_lab(sessions, ws):
    from interviews.decisions import record_decision

    with session_scope(sessions) as s:
        record_decision(s, actor=ws.manager, candidate_id=ws.ada, outcome="hold", reason="waiting for Zoe")
        facts = report_facts(s, viewer=ws.manager, candidate_ids=[ws.ada], labels={ws.ada: "Ada Lovelace"},
                             extras={ws.ada: ["Take-home: F1 0.80"]})
    ada = facts["Ada Lovelace"]
    assert ada.stage == "onsite" and ada.role == "CV engineer" and "waiting for Zoe" in ada.decision
    assert ada.extra == ("Take-home: F1 0.80",)


@pytest.mark.skipif(not shutil.which("chromium"), reason="charts are drawn by Debian's chromium")
def test_printed_charts_do_not_depend_on_the_hosts_plotly_template(monkeypatch):
    """Inside the app streamlit makes its own template plotly's default; the PDF's charts must look the same."""
    import plotly.io as pio

    from interviews.charts import heatmap_figure, render_png
    from interviews.comparison import CardSummary, compare_candidates

    cards = [CardSummary("Zoë", "ivan", "yes", {"a": 3, "b": 4}), CardSummary("Sam", "ivan", "no", {"a": 2})]
    comparison = compare_candidates(["Zoë", "Sam"], cards)
    plain_png = render_png(heatmap_figure(comparison), width=500, height=260)
    monkeypatch.setattr(pio.templates, "default", "plotly_dark")
    assert render_png(heatmap_figure(comparison), width=500, height=260) == plain_png
