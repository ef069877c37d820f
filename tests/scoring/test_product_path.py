"""Rubric point examples, the product path of scoring.evaluate, interviewer decisions as rows. Fake encoder only."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from pydantic import ValidationError

from question_bank.schema import POINT_EXAMPLES, RubricPoint
from scoring import evaluate, train
from scoring.classifier import Classifier
from scoring.feedback import read_decisions
from scoring.features import FEATURES
from scoring.labelled import resolve
from scoring.matcher import match_question, match_rubric


def classifier_on(feature: str, threshold: float = 0.5) -> Classifier:
    coef = np.zeros(len(FEATURES) + 3)
    coef[FEATURES.index(feature)] = 12.0
    return Classifier(FEATURES, np.zeros(len(coef)), np.ones(len(coef)), coef, -6.0, threshold)


class Guide:
    def for_rating(self, rating: int) -> str:
        return f"guide {rating}"


@dataclass(frozen=True)
class Question:
    id: str
    rubric: tuple
    rating_guide: Guide = Guide()


TRANSFER = RubricPoint(id="transfer", text="Uses transfer learning from a pretrained network",
                       examples=("started from ImageNet weights and retrained the head",))
ROLLBACK = RubricPoint(id="rollback", text="Defines rollback triggers before launch", weight="nice")
QUESTION = Question("q-transfer", (TRANSFER, ROLLBACK))


def test_point_examples_are_validated():
    assert RubricPoint(id="a-point", text="Does a thing").examples == ()
    with pytest.raises(ValidationError, match="repeat"):
        RubricPoint(id="a-point", text="Does a thing", examples=("same words here", "Same  words here"))
    with pytest.raises(ValidationError):
        RubricPoint(id="a-point", text="Does a thing", examples=tuple(f"example {i}" for i in range(POINT_EXAMPLES + 1)))
    with pytest.raises(ValidationError):
        RubricPoint(id="a-point", text="Does a thing", examples=("x" * 161,))
    assert "examples" not in RubricPoint(id="a-point", text="Does a thing").model_dump(mode="json")


def test_every_bank_point_example_is_short_and_distinct_from_its_point(isolated_settings):
    from question_bank.loader import load_bank

    bank = load_bank(isolated_settings.bank_dir)
    points = [p for q in bank.questions for p in q.rubric]
    assert sum(bool(p.examples) for p in points) >= len(points) // 2
    for p in points:
        assert all(e.lower() != p.text.lower() for e in p.examples)


def test_an_example_lets_a_concrete_instance_count(fake_encoder):
    note = "Started from ImageNet weights, then retrained only the head on our parts."
    clf = classifier_on("lex_example")
    with_examples = match_rubric(note, [TRANSFER], encoder=fake_encoder, classifier=clf)[0]
    plain = match_rubric(note, [TRANSFER.text], encoder=fake_encoder, classifier=clf)[0]
    assert with_examples.covered and "ImageNet weights" in with_examples.evidence
    assert not plain.covered


def test_labelled_row_follows_the_bank_rubric_by_point_id():
    row = {"question_id": "q-transfer", "text": "x", "points": ["Defines rollback triggers"], "point_ids": ["rollback"],
           "covered": [0], "evidence": {"0": [[0, 1], [2, 3]]}, "quality": "weak"}
    resolved = resolve(row, {"q-transfer": QUESTION})
    assert resolved.product_path and resolved.labelled == (1,) and resolved.covered == {1}
    assert resolved.evidence == {1: ((0, 1), (2, 3))} and resolved.quality == "weak"
    unknown = resolve({**row, "point_ids": ["nope"]}, {"q-transfer": QUESTION})
    assert not unknown.product_path and unknown.points == ("Defines rollback triggers",)


def test_evaluate_reports_quality_weak_credit_and_evidence_accuracy(fake_encoder):
    text = "Started from ImageNet weights and retrained the head. Rollback? not sure."
    rows = [resolve({"question_id": "q-transfer", "text": text, "points": [TRANSFER.text, ROLLBACK.text],
                     "point_ids": ["transfer", "rollback"], "covered": [0], "evidence": {"0": [0, 30]},
                     "quality": "strong"}, {"q-transfer": QUESTION}),
            resolve({"text": "mentioned ImageNet", "points": [TRANSFER.text], "covered": [], "quality": "weak"}, {})]
    report = evaluate.evaluate(rows, encoder=fake_encoder, classifier=classifier_on("lex_example"))
    assert report["product_path_rows"] == 1 and report["n_pairs"] == 3
    assert report["by_quality"]["strong"]["f1"] == 1.0
    assert report["weak_credit_share"] == 0.0 and report["evidence_accuracy"] == 1.0
    assert report["evidence_checked"] == 1 and report["evidence_accuracy_main_quote"] == 1.0
    assert report["evidence_quote_precision"] == 1.0 and report["evidence_two_quotes_share"] == 0.0


def test_match_question_uses_examples_and_rates(fake_encoder):
    result = match_question("Started from ImageNet weights and retrained the head.", QUESTION,
                            encoder=fake_encoder, classifier=classifier_on("lex_example"))
    assert result.must_covered == 1 and result.rating in (3, 4)


@pytest.fixture
def decisions_db(tmp_path):
    from interviews.db import create_schema, make_engine, session_factory, session_scope
    from interviews.overrides import record_decisions

    url = f"sqlite:///{tmp_path / 'studio.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with session_scope(session_factory(engine)) as s:
        record_decisions(s, reviewer="Ivy", question_id="q1", text="TRT fp16; no accuracy check",
                         decisions=[("trt", "Builds a TensorRT engine", True, 0.9, True),
                                    ("acc", "Re-measures accuracy", True, 0.6, False)])
        record_decisions(s, reviewer="Ivy", question_id="q1", text="TRT fp16; no accuracy check",
                         decisions=[("acc", "Re-measures accuracy", True, 0.6, True)])
    engine.dispose()
    return url


def test_stored_decisions_read_back_as_rows(decisions_db, tmp_path):
    (row,) = read_decisions(decisions_db)
    assert row["points"] == ["Builds a TensorRT engine", "Re-measures accuracy"]
    assert row["covered"] == [0, 1] and row["model_covered"] == [0, 1]  # the later decision on "acc" wins
    assert read_decisions(f"sqlite:///{tmp_path / 'missing.db'}") == []


def test_train_folds_in_decisions_but_never_test_questions(decisions_db, tmp_path, monkeypatch):
    monkeypatch.setattr(train, "TEST_FILES", ())
    rows = train.training_rows([], db_url=decisions_db)
    assert [r.source for r in rows] == ["interviewers"] and rows[0].covered == {0, 1}
    monkeypatch.setattr(train, "held_out_questions", lambda: {"q1"})
    assert train.training_rows([], db_url=decisions_db) == []


def test_evaluate_reports_agreement_with_interviewers(decisions_db, patched_encoder, capsys):
    assert evaluate.main(["--decisions", decisions_db, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["interviewers"]
    assert report["decisions"] == 2 and report["agreement_when_decided"] == 1.0
    assert 0.0 <= report["agreement_now"] <= 1.0


def test_evaluate_needs_a_file_or_decisions(capsys):
    with pytest.raises(SystemExit):
        evaluate.main([])


def test_blind_data_is_split_by_question_and_never_trained_on_its_test_questions():
    from scoring.train import DATA_DIR, default_training_files, held_out_questions, load_rows

    splits = {name: load_rows(DATA_DIR / f"blind_{name}.jsonl") for name in ("train", "dev", "test")}
    questions = {name: {r["question_id"] for r in rows} for name, rows in splits.items()}
    assert not (questions["train"] & questions["dev"]) and not (questions["test"] & (questions["train"] |
                                                                                       questions["dev"]))
    assert sum(len(r["points"]) for rows in splits.values() for r in rows) >= 1500
    assert len(set().union(*questions.values())) >= 60
    assert {r["quality"] for rows in splits.values() for r in rows} == {"strong", "mixed", "weak"}
    assert all(r["split"] == name for name, rows in splits.items() for r in rows)
    assert questions["test"] <= held_out_questions()
    assert DATA_DIR / "blind_test.jsonl" not in default_training_files()
