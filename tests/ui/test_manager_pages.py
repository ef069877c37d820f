"""AppTest for the hiring manager's screens: pipeline, one candidate, compare, calibration. What a manager sees:
every recommendation and missing card, every card in full with its evidence, charts, plain refusals, decisions that
move the stage, CSV and PDF reports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.ui.apptest import make_candidate, make_interview, make_user, run_app, services

pytestmark = pytest.mark.usefixtures("fresh_services")
Q_LATENCY = "measuring-model-latency-correctly"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    import interviews.passwords

    monkeypatch.setattr(interviews.passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def submit(user, interview_id: int, latency: int, ownership: int = 3, recommendation: str = "yes",
           rationale: str = "Measured before optimising."):
    from interviews.db import session_scope
    from interviews.scorecards import Rating, submit_scorecard

    with session_scope(services().sessions) as session:
        submit_scorecard(session, viewer=user.identity, interview_id=interview_id, token=f"{user.id}-{interview_id}",
                         ratings=[Rating(Q_LATENCY, "latency_measurement", latency),
                                  Rating("end-to-end-project-ownership", "deployment_ownership", ownership)],
                         recommendation=recommendation, rationale=rationale)


@pytest.fixture
def world():
    from interviews.db import session_scope
    from interviews.notes import save_note

    ivy, otto = make_user("Ivy Interviewer", "interviewer"), make_user("Otto <b>Other</b>", "interviewer")
    ada, bob, cy = make_candidate("Ada Lovelace"), make_candidate("Bob Builder", "screen"), make_candidate("Cy Nocards")
    a1, a2, b1 = make_interview(ada, ivy, otto), make_interview(ada, ivy), make_interview(bob, ivy)
    with session_scope(services().sessions) as session:
        save_note(session, viewer=ivy.identity, interview_id=a1, question_id=Q_LATENCY,
                  text="Warm-up runs then p50 over 300 runs.", base_version=0)
    submit(ivy, a1, 4, recommendation="strong_yes")
    submit(otto, a1, 2, recommendation="no", rationale="Skipped <script>warm-up</script>")
    submit(ivy, b1, 3)
    return {"manager": make_user("Mia Manager", "manager"), "admin": make_user("Ann Admin", "admin"), "ivy": ivy,
            "ada": ada, "bob": bob, "cy": cy, "a2": a2}


def unescaped(markdown: str) -> str:
    """What the reader sees of inert text (its backslash escapes removed)."""
    return markdown.replace("\\", "")


def stage_of(candidate_id: int) -> str:
    from interviews.candidates import get_candidate
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        return get_candidate(session, viewer=COMMAND_LINE, candidate_id=candidate_id).stage


def test_pipeline_lists_recommendations_missing_cards_and_filters(world):
    at = run_app("views/pipeline.py", world["manager"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    ada = table[table["candidate"] == "Ada Lovelace"].iloc[0]
    assert "Ivy Interviewer: Strong yes" in ada["recommendations"] and "Otto <b>Other</b>: No" in ada["recommendations"]
    assert ada["cards missing"] == 1, "Ivy's second interview with Ada has no card yet"
    assert list(table["candidate"])[:1] == ["Bob Builder"], "screen comes before onsite"
    assert {m.label: m.value for m in at.metric}["Scorecards missing"] == "1"
    at.selectbox(key="pipeline.stage").set_value("screen").run()
    assert list(at.dataframe[0].value["candidate"]) == ["Bob Builder"]
    at.selectbox(key="pipeline.stage").set_value("offer").run()
    assert "No candidate matches these filters" in at.info[0].value


def test_pipeline_csv_reports_hold_per_question_rows(world):
    at = run_app("views/pipeline.py", world["manager"])
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Per question (CSV)", "Per competency (CSV)"}
    from interviews.db import session_scope
    from interviews.rating_csv import question_csv
    from interviews.visibility import visible_scorecards

    with session_scope(services().sessions) as session:
        cards = visible_scorecards(session, viewer=world["manager"].identity, submitted_only=True)
    rows = list(csv.DictReader(io.StringIO(question_csv(cards))))
    assert len(rows) == 6 and {r["candidate"] for r in rows} == {"Ada Lovelace", "Bob Builder"}


def test_candidate_page_opens_every_card_with_evidence(world):
    at = run_app("views/candidate.py", world["manager"], query={"candidate": str(world["ada"])})
    assert not at.exception and not at.error
    from ui.text import inert

    labels = [e.label for e in at.expander]
    assert inert("Ivy Interviewer: Strong yes · mean 3.50") in labels, labels
    assert inert("Otto <b>Other</b>: No · mean 2.50") in labels, "names shown inert"
    assert any("Warm-up runs then p50 over 300 runs." == t.value for t in at.text), "the note behind the rating"
    assert inert("Skipped <script>warm-up</script>") in [m.value for m in at.markdown], "rationale rendered inert"
    assert any("waiting for Ivy Interviewer" in c.value for c in at.caption), "the card still missing is named"


@pytest.mark.parametrize("bad", ["abc", "999999", "-1"])
def test_candidate_page_refuses_a_bad_link_plainly(world, bad):
    at = run_app("views/candidate.py", world["manager"], query={"candidate": bad})
    assert not at.exception
    if bad != "abc":
        assert "does not exist" in at.error[0].value


def test_a_decision_needs_a_reason_then_moves_the_stage(world):
    at = run_app("views/candidate.py", world["manager"], query={"candidate": str(world["bob"])})
    form = f"candidate.decision.{world['bob']}"
    at.radio(key=f"candidate.outcome.{world['bob']}").set_value("advance")
    at.button(key=f"FormSubmitter:{form}-Record the decision").click().run()
    assert "needs a reason" in at.error[0].value and stage_of(world["bob"]) == "screen"
    at.text_area(key=f"candidate.reason.{world['bob']}").input("Clear latency answers.")
    at.button(key=f"FormSubmitter:{form}-Record the decision").click().run()
    assert not at.exception and stage_of(world["bob"]) == "onsite"
    assert "Recorded: Advance to onsite (Mia Manager" in unescaped(at.success[0].value)
    assert "Latest: Advance to onsite" in unescaped(at.info[0].value)


def test_a_recorded_decision_clears_the_form_and_a_resent_one_is_recorded_once(world):
    from interviews.db import session_scope
    from interviews.decisions import list_decisions

    at = run_app("views/candidate.py", world["manager"], query={"candidate": str(world["bob"])})
    form, reason_key = f"candidate.decision.{world['bob']}", f"candidate.reason.{world['bob']}"
    at.radio(key=f"candidate.outcome.{world['bob']}").set_value("hold")
    at.text_area(key=reason_key).input("Wait for the onsite.")
    at.button(key=f"FormSubmitter:{form}-Record the decision").click().run()
    assert not at.exception and "Recorded: Hold at screen" in unescaped(at.success[0].value)
    assert at.text_area(key=reason_key).value == "", "the form is blank once the decision is recorded"
    assert at.radio(key=f"candidate.outcome.{world['bob']}").value == "advance"
    at.radio(key=f"candidate.outcome.{world['bob']}").set_value("hold")  # the same decision sent again at once
    at.text_area(key=reason_key).input("Wait for the onsite.")
    at.button(key=f"FormSubmitter:{form}-Record the decision").click().run()
    assert not at.exception and not at.error
    with session_scope(services().sessions) as session:
        decisions = list_decisions(session, viewer=world["manager"].identity, candidate_id=world["bob"])
    assert [(d.outcome, d.reason) for d in decisions] == [("hold", "Wait for the onsite.")]


def test_compare_refuses_one_candidate_and_candidates_without_cards_plainly(world):
    other = make_candidate("Dee Nocards")
    at = run_app("views/compare.py", world["manager"])
    assert "Choose 2 to 5 candidates" in at.info[0].value
    at.multiselect(key="compare.chosen").set_value([world["ada"]]).run()
    assert "at least 2" in at.warning[0].value and not at.get("plotly_chart")
    at.multiselect(key="compare.chosen").set_value([world["cy"], other]).run()
    assert "nothing to compare" in at.warning[0].value


def test_compare_shows_charts_disagreements_decision_and_reports(world):
    at = run_app("views/compare.py", world["manager"])
    at.multiselect(key="compare.chosen").set_value([world["ada"], world["bob"], world["cy"]]).run()
    assert not at.exception and not at.error
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    heat = json.loads(charts[0].proto.spec)
    [outline] = [t for t in heat["data"] if t.get("name") == "disagreement"]
    assert outline["y"] == ["Ada Lovelace"] and "Otto &lt;b&gt;Other&lt;/b&gt; 2" in outline["hovertext"][0]
    assert any("Cy Nocards has no submitted scorecard yet." in i.value for i in at.info)
    [gap] = [unescaped(w.value) for w in at.warning]
    assert "Ada Lovelace" in gap and "a gap of 2" in gap
    recs = at.dataframe[0].value
    assert set(recs["recommendation"]) == {"Strong yes", "No", "Yes"}
    at.selectbox(key="compare.decide_for").set_value(world["cy"]).run()
    at.radio(key=f"compare.outcome.{world['cy']}").set_value("reject")
    at.text_area(key=f"compare.reason.{world['cy']}").input("No cards after two reschedules.")
    at.button(key=f"FormSubmitter:compare.decision.{world['cy']}-Record the decision").click().run()
    assert stage_of(world["cy"]) == "rejected" and "Recorded for Cy Nocards: Reject" in unescaped(at.success[0].value)
    assert at.multiselect(key="compare.chosen").value == [world["ada"], world["bob"], world["cy"]], \
        "a decision changes the stage; the compared candidates stay chosen"
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {"Per question (CSV)", "Per competency (CSV)"}
    at.button(key="compare.build_pdf").click().run()
    assert not at.exception and not at.error
    assert "Download the committee PDF" in {b.proto.label for b in at.get("download_button")}
    pdf = at.session_state["compare.pdf"][1]
    assert pdf.startswith(b"%PDF")


def test_calibration_shows_offsets_alpha_and_flags(world):
    at = run_app("views/calibration.py", world["admin"])
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Interviewers"] == "2" and metrics["Competency ratings"] == "6"
    table = at.dataframe[0].value
    offsets = dict(zip(table["interviewer"], table["leniency (+) / severity (-)"]))
    assert offsets["Ivy Interviewer"] > 0 > offsets["Otto <b>Other</b>"]
    assert len(at.get("plotly_chart")) >= 1


def test_calibration_with_no_cards_says_so(fresh_services):
    at = run_app("views/calibration.py", make_user("Mia Manager", "manager"))
    assert not at.exception and "No submitted scorecards yet" in at.info[0].value


def test_pipeline_shows_the_counted_take_home_result(world):
    from datetime import datetime, timedelta, timezone

    from lab.takehome_store import (Takehome, add_submission, allocate_id, default_root, locked, save_takehome,
                                    update_submission)

    now = datetime.now(timezone.utc)
    with locked(default_root()):
        assert allocate_id(default_root()) == 1
    takehome = Takehome(id=1, candidate_name="Bob Builder", candidate_id=world["bob"], domain="surface-defects", seed=1,
                        hours=48, created_at=now.isoformat(), deadline=(now + timedelta(days=2)).isoformat(),
                        created_by="Mia Manager", summary={})
    save_takehome(takehome)
    add_submission(takehome, b"zip", "sub.zip", "Bob Builder", "0" * 64)
    update_submission(1, 1, state="done", report={"f1": 0.8, "map50": 0.71, "p50_ms": 12.6})
    at = run_app("views/pipeline.py", world["manager"])
    table = at.dataframe[0].value
    bob = table[table["candidate"] == "Bob Builder"].iloc[0]
    assert bob["take-home"] == "Take-home #1 (surface-defects): version 1, F1 0.800, mAP@50 0.710, p50 12.60 ms"
    assert table[table["candidate"] == "Ada Lovelace"].iloc[0]["take-home"] == ""


@pytest.mark.parametrize("path, message", [
    ("views/pipeline.py", "No candidates yet"),
    ("views/candidate.py", "No candidates yet"),
    ("views/compare.py", "Choose 2 to 5 candidates"),
])
def test_an_empty_workspace_says_what_to_do(fresh_services, path, message):
    at = run_app(path, make_user("Mia Manager", "manager"))
    assert not at.exception and not at.error and message in at.info[0].value


def test_the_candidates_screen_links_managers_to_the_candidate_page(world):
    link = "Every card with its evidence, and the decision"
    manager = run_app("views/candidates.py", world["manager"])
    assert link in [p.proto.label for p in manager.get("page_link")]
    interviewer = run_app("views/candidates.py", world["ivy"])
    assert link not in [p.proto.label for p in interviewer.get("page_link")]


def test_a_comparison_link_opens_the_same_candidates_and_bad_ids_are_named(world):
    at = run_app("views/compare.py", world["manager"], query={"candidates": f"{world['ada']},{world['bob']}"})
    assert not at.exception and at.multiselect(key="compare.chosen").value == [world["ada"], world["bob"]]
    assert len(at.get("plotly_chart")) == 2
    at.multiselect(key="compare.chosen").set_value([world["ada"], world["bob"], world["cy"]]).run()
    link = f"{world['ada']},{world['bob']},{world['cy']}"
    assert at.query_params["candidates"] in (link, [link]), "the URL follows the choice"
    bad = run_app("views/compare.py", world["manager"], query={"candidates": f"{world['ada']},99999,x"})
    assert not bad.exception and "do not exist" in bad.warning[0].value
    assert bad.multiselect(key="compare.chosen").value == [world["ada"]]
