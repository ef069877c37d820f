"""The matcher with the real embedding model: loaded once for this module, and only under the slow marker."""

from __future__ import annotations

import pytest

from scoring.matcher import NAME_DROP, NEGATED, match_rubric

pytestmark = pytest.mark.slow

POINTS = ["Builds a TensorRT FP16 or INT8 engine on the Jetson itself",
          "Re-measures accuracy on the device after quantisation",
          "Uses Label Studio with a review pass and inter-annotator agreement checks"]


@pytest.fixture(scope="module")
def encoder():
    from scoring.build import build
    from scoring.embedder import CachedEncoder, load_encoder

    build(log=lambda _m: None)
    return CachedEncoder(load_encoder("auto"))


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
    from scoring.evaluate import evaluate, read_rows
    from scoring.train import DATA_DIR

    report = evaluate(read_rows(DATA_DIR / "labelled_test.jsonl"), encoder=encoder)
    assert report["f1"] >= 0.85
