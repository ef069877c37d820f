"""The matcher with the real embedding model: loaded once for this module, and only under the slow marker."""

from __future__ import annotations

import pytest

from scoring.matcher import NAME_DROP, NEGATED, match_rubric
from settings import get_settings

pytestmark = pytest.mark.slow

POINTS = ["Builds a TensorRT FP16 or INT8 engine on the Jetson itself",
          "Re-measures accuracy on the device after quantisation",
          "Uses Label Studio with a review pass and inter-annotator agreement checks"]


@pytest.fixture(scope="module")
def encoder():
    from scoring.adapter import adapt
    from scoring.build import build
    from scoring.embedder import CachedEncoder, load_encoder

    build(log=lambda _m: None)
    return CachedEncoder(adapt(load_encoder("auto")))  # as scoring.embedder.get_encoder() serves it


def test_shorthand_negation_and_name_drop(encoder):
    text = "TRT fp16 engine built on the Orin. never checked acc on device after PTQ. mentioned Label Studio."
    trt, accuracy, label_studio = match_rubric(text, POINTS, encoder=encoder)
    assert trt.covered and trt.evidence == "TRT fp16 engine built on the Orin"
    assert not accuracy.covered and accuracy.reason == NEGATED
    assert not label_studio.covered and label_studio.reason == NAME_DROP


def test_substance_counts(encoder):
    text = "We labelled in Label Studio with a two-pass review and Cohen's kappa on a 10% overlap."
    assert match_rubric(text, POINTS, encoder=encoder)[2].covered


def test_project_test_questions_f1(encoder):
    from scoring.evaluate import evaluate
    from scoring.labelled import load_labelled
    from scoring.train import DATA_DIR

    rows = load_labelled([DATA_DIR / "labelled_test.jsonl"])  # matched as match_question does, with examples
    assert all(r.product_path for r in rows)
    report = evaluate(rows, encoder=encoder)
    assert report["f1"] >= 0.85  # 0.879 when fitted (BENCHMARKS.md)


def test_blind_test_questions(encoder):
    from scoring.evaluate import evaluate
    from scoring.labelled import load_labelled
    from scoring.train import DATA_DIR

    report = evaluate(load_labelled([DATA_DIR / "blind_test.jsonl"]), encoder=encoder)
    assert report["f1"] >= 0.77  # 0.801 when fitted; plain cosine 0.630
    assert report["weak_credit_share"] <= 0.05 and report["evidence_accuracy"] >= 0.82  # 0.021 and 0.882


def test_misconceptions_and_hedges_never_count(encoder):
    from scoring.matcher import HEDGED, MISSTATED

    point = ["Explains that larger batches raise throughput but also raise per-request latency"]
    wrong, = match_rubric("Thinks a bigger batch lowers latency per request.", point, encoder=encoder)
    assert not wrong.covered and wrong.reason == MISSTATED
    unsure, = match_rubric("Not sure, maybe bigger batches raise throughput but add latency?", point, encoder=encoder)
    assert not unsure.covered and unsure.reason == HEDGED
    right, = match_rubric("Bigger batches push throughput up, but each request waits longer.", point, encoder=encoder)
    assert right.covered


@pytest.mark.parametrize("text", ["", "😀" * 500, "<script>alert(1)</script><p>TRT fp16</p>",
                                  "Wir haben die Engine mit TensorRT gebaut und die Genauigkeit geprüft.",
                                  "Built a TensorRT FP16 engine on the Jetson. " * 2500])
def test_bad_input_gets_a_result(encoder, text):
    from scoring.matcher import analyse_rubric

    result = analyse_rubric(text, POINTS * 5, encoder=encoder)  # fifteen points
    assert len(result.matches) == 15
    assert result.truncated == (len(text) > get_settings().max_text_chars)
    assert all(m.span is None or 0 <= m.span[0] < m.span[1] <= result.chars_matched for m in result.matches)
