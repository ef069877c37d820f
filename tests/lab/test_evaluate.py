"""lab.evaluate: the metrics on hand-built boxes whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from lab.dataset import Box
from lab.detection import Detection
from lab.evaluate import average_precision, evaluate_detections

NAMES = ("scratch", "spot", "crack")


def _det(box: Box, score: float = 0.9, dx: float = 0.0, label: int | None = None) -> Detection:
    return Detection(box.x1 + dx, box.y1, box.x2 + dx, box.y2, score, box.label if label is None else label)


TRUTH = (
    (Box(10, 10, 30, 30, 0), Box(50, 50, 70, 60, 1)),
    (Box(0, 0, 40, 10, 2),),
    (),
)


def test_perfect_predictions_score_one():
    preds = [[_det(b) for b in boxes] for boxes in TRUTH]
    r = evaluate_detections(preds, TRUTH, NAMES)
    assert (r.precision, r.recall, r.f1, r.mean_iou, r.map50, r.map50_95) == (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert r.n_images == 3 and {m.n_truth for m in r.per_class.values()} == {1}
    assert all(m.ap50 == 1.0 and m.ap50_95 == 1.0 for m in r.per_class.values())


def test_shifted_box_has_the_iou_worked_out_by_hand():
    truth = ((Box(0, 0, 20, 20, 0),),)
    # shifted 4 px right: intersection 16 x 20 = 320, union 400 + 400 - 320 = 480, IoU = 2/3
    r = evaluate_detections([[_det(truth[0][0], dx=4)]], truth, NAMES)
    assert r.mean_iou == pytest.approx(2 / 3)
    assert r.per_class["scratch"].ap50 == 1.0
    # matched at IoU 0.50, 0.55, 0.60, 0.65 and missed from 0.70 on: 4 of 10 thresholds
    assert r.per_class["scratch"].ap50_95 == pytest.approx(0.4)
    assert r.map50 == 1.0 and r.map50_95 == pytest.approx(0.4)


def test_shift_past_half_iou_is_a_false_positive_and_a_miss():
    truth = ((Box(0, 0, 20, 20, 0),),)
    # shifted 8 px: 12 x 20 = 240 / (800 - 240) = 0.4286 < 0.5
    r = evaluate_detections([[_det(truth[0][0], dx=8)]], truth, NAMES)
    assert (r.precision, r.recall, r.map50, r.mean_iou) == (0.0, 0.0, 0.0, 0.0)


def test_a_false_positive_lowers_precision_only():
    preds = [[_det(b) for b in boxes] for boxes in TRUTH]
    preds[2] = [Detection(100, 100, 120, 120, 0.5, 1)]  # on an empty image
    r = evaluate_detections(preds, TRUTH, NAMES)
    assert r.precision == pytest.approx(3 / 4) and r.recall == 1.0
    assert r.f1 == pytest.approx(2 * 0.75 / 1.75)
    assert r.per_class["spot"].precision == pytest.approx(0.5)
    # it scores below the true spot, so the ranking still reaches recall 1 at precision 1
    assert r.per_class["spot"].ap50 == 1.0


def test_a_higher_scored_false_positive_costs_ap():
    preds = [[_det(TRUTH[0][1], score=0.5)], [], [Detection(100, 100, 120, 120, 0.9, 1)]]
    r = evaluate_detections(preds, TRUTH, NAMES)
    # ranking FP, TP: precision 1/2 at recall 1; envelope 0.5 at all 101 recall points
    assert r.per_class["spot"].ap50 == pytest.approx(0.5)
    assert r.per_class["scratch"].ap50 == 0.0 and r.per_class["scratch"].recall == 0.0


def test_wrong_class_is_no_match():
    truth = ((Box(0, 0, 20, 20, 0),),)
    r = evaluate_detections([[_det(truth[0][0], label=1)]], truth, NAMES)
    assert r.per_class["scratch"].recall == 0.0 and r.per_class["spot"].precision == 0.0


def test_duplicate_detection_counts_once():
    truth = ((Box(0, 0, 20, 20, 0),),)
    r = evaluate_detections([[_det(truth[0][0], 0.9), _det(truth[0][0], 0.8)]], truth, NAMES)
    assert r.precision == 0.5 and r.recall == 1.0 and r.per_class["scratch"].ap50 == 1.0


def test_average_precision_on_a_known_ranking():
    # 3 truths; ranking TP, FP, TP, FP, TP: precision 1, 1/2, 2/3, 1/2, 3/5 at recall 1/3, 1/3, 2/3, 2/3, 1
    # envelope: recall <= 1/3 -> 1 (34 points: 0.00..0.33), <= 2/3 -> 2/3 (33 points: 0.34..0.66), else 3/5 (34)
    ap = average_precision([0.9, 0.8, 0.7, 0.6, 0.5], [True, False, True, False, True], 3)
    assert ap == pytest.approx((34 * 1 + 33 * 2 / 3 + 34 * 3 / 5) / 101)


def test_average_precision_edges():
    assert math.isnan(average_precision([], [], 0))
    assert average_precision([], [], 2) == 0.0
    assert average_precision([0.9], [True], 2) == pytest.approx(51 / 101)  # recall 0.5 reaches 51 of 101 points


def test_class_without_truth_is_left_out_of_the_mean():
    truth = ((Box(0, 0, 20, 20, 0),),)
    r = evaluate_detections([[_det(truth[0][0])]], truth, NAMES)
    assert math.isnan(r.per_class["crack"].ap50) and r.per_class["crack"].n_truth == 0
    assert r.map50 == 1.0


def test_operating_threshold_filters_precision_but_not_ap():
    truth = ((Box(0, 0, 20, 20, 0),),)
    preds = [[_det(truth[0][0], 0.2)]]
    r = evaluate_detections(preds, truth, NAMES, score_threshold=0.3, input_size=160)
    assert r.recall == 0.0 and r.map50 == 1.0 and r.input_size == 160


def test_lengths_must_agree():
    with pytest.raises(ValueError):
        evaluate_detections([[]], ((), ()), NAMES)
