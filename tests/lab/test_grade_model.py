"""Reading a submission's outputs: both layouts of the contract, the script's JSON, and the agreement rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lab.detection import Detection, OutputFormatError
from lab.grade_model import MAX_DETECTIONS, agreement, load_predictions, parse_script_output

CLASSES = ("scratch", "spot", "crack")


def save(path, *outputs, names=("a.png",)):
    np.savez(path, names=np.array(names), **{f"output_{i}": o for i, o in enumerate(outputs)})
    return path


def test_boxes_layout_is_read_best_first_and_padding_dropped(tmp_path):
    boxes = np.zeros((1, 4, 6), np.float32)
    boxes[0, 0] = [10, 10, 40, 40, 0.5, 1]
    boxes[0, 1] = [60, 60, 90, 90, 0.9, 2]
    predictions = load_predictions(save(tmp_path / "p.npz", boxes), 3)
    assert predictions.layout == "boxes"
    assert [(d.label, d.score) for d in predictions.detections[0]] == [(2, pytest.approx(0.9)), (1, 0.5)]


def test_a_flood_of_boxes_is_cut_to_the_best(tmp_path):
    boxes = np.tile(np.array([[1, 1, 9, 9, 0.1, 0]], np.float32), (1, 5000, 1))
    boxes[0, 4321, 4] = 0.99
    predictions = load_predictions(save(tmp_path / "p.npz", boxes), 3)
    assert len(predictions.detections[0]) == MAX_DETECTIONS
    assert predictions.detections[0][0].score == pytest.approx(0.99)


@pytest.mark.parametrize("array, message", [(np.zeros((1, 4, 5), np.float32), r"\(N, K, 6\)"),
                                            (np.array([[[1, 1, 5, 5, 0.9, 7]]], np.float32), "class id 7")])
def test_wrong_box_outputs_are_refused_with_the_reason(tmp_path, array, message):
    with pytest.raises(OutputFormatError, match=message):
        load_predictions(save(tmp_path / "p.npz", array), 3)


def test_centre_maps_need_one_channel_per_class(tmp_path):
    with pytest.raises(OutputFormatError, match="heat map"):
        load_predictions(save(tmp_path / "p.npz", np.zeros((1, 5, 40, 40), np.float32),
                              np.zeros((1, 4, 40, 40), np.float32)), 3)


def test_script_output_follows_the_contract_or_says_why():
    good = json.dumps({"image": "a.png", "detections": [{"label": "spot", "score": 0.8, "box": [1, 2, 3, 4]}]})
    assert parse_script_output(good, CLASSES) == (Detection(1.0, 2.0, 3.0, 4.0, 0.8, 1),)
    for text, message in [("loading model...\n{}", "not one JSON object"), ("[]", "detections"),
                          ('{"detections": [{"label": "dent", "score": 1, "box": [0, 0, 1, 1]}]}', "contract"),
                          ("[" * 100_000 + "]" * 100_000, "nested too deeply|not one JSON")]:
        with pytest.raises(ValueError, match=message):
            parse_script_output(text, CLASSES)


def test_agreement_counts_confident_detections_found_on_the_other_side():
    model = (Detection(10, 10, 40, 40, 0.9, 0), Detection(60, 60, 90, 90, 0.3, 1))
    same = (Detection(11, 10, 40, 41, 0.88, 0),)
    assert agreement(model, same) == (2, 2)
    assert agreement(model, ()) == (0, 1)
    assert agreement(model, (Detection(11, 10, 40, 41, 0.88, 2),)) == (0, 2)  # right place, wrong class
