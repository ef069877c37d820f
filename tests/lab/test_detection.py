"""lab.detection: CenterNet decoding and NMS on hand-built output tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.detection import Detection, OutputFormatError, box_iou, decode, local_peaks, nms


def _outputs(peaks: list[tuple[int, int, int, float, float, float, float, float]], grid: int = 10, classes: int = 3):
    """peaks: (label, row, col, score, dx, dy, w_cells, h_cells)."""
    heat = np.full((1, classes, grid, grid), 0.01, np.float32)
    reg = np.zeros((1, 4, grid, grid), np.float32)
    for label, row, col, score, dx, dy, w, h in peaks:
        heat[0, label, row, col] = score
        reg[0, :, row, col] = (dx, dy, math.log(w), math.log(h))
    return [heat, reg]


def test_box_iou_by_hand():
    a = [[0, 0, 10, 10]]
    b = [[5, 0, 15, 10], [0, 0, 10, 10], [20, 20, 30, 30]]
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 1.0, 0.0]])


def test_decode_puts_the_box_where_the_peak_and_offsets_say():
    outputs = _outputs([(1, 3, 5, 0.9, 0.5, 0.25, 4.0, 2.0)])
    (dets,) = decode(outputs, input_size=40, original_size=(40, 40), score_threshold=0.1, nms_iou=0.5)
    assert len(dets) == 1
    d = dets[0]
    # stride 4: centre ((5 + 0.5) * 4, (3 + 0.25) * 4) = (22, 13); size 16 x 8
    assert (d.label, round(d.score, 3)) == (1, 0.9)
    assert (d.x1, d.y1, d.x2, d.y2) == pytest.approx((14.0, 9.0, 30.0, 17.0))


def test_decode_scales_to_the_original_image_and_clips():
    outputs = _outputs([(0, 0, 0, 0.8, 0.0, 0.0, 4.0, 4.0)])
    (dets,) = decode(outputs, input_size=40, original_size=(80, 120), score_threshold=0.1, nms_iou=0.5)
    assert (dets[0].x1, dets[0].y1, dets[0].x2, dets[0].y2) == pytest.approx((0.0, 0.0, 24.0, 16.0))


def test_decode_drops_low_scores_and_non_peaks():
    outputs = _outputs([(0, 2, 2, 0.9, 0, 0, 2, 2), (0, 2, 3, 0.5, 0, 0, 2, 2), (2, 7, 7, 0.04, 0, 0, 2, 2)])
    (dets,) = decode(outputs, input_size=40, original_size=(40, 40), score_threshold=0.05, nms_iou=0.5)
    assert [(d.label, round(d.score, 2)) for d in dets] == [(0, 0.9)]


def test_decode_keeps_the_best_first_and_caps_the_count():
    peaks = [(0, r, c, 0.1 + 0.01 * (r * 10 + c), 0, 0, 1, 1) for r in range(0, 10, 2) for c in range(0, 10, 2)]
    (dets,) = decode(_outputs(peaks), input_size=40, original_size=(40, 40), score_threshold=0.05, nms_iou=0.5,
                     max_detections=5)
    scores = [d.score for d in dets]
    assert len(dets) == 5 and scores == sorted(scores, reverse=True)


def test_decode_refuses_foreign_outputs():
    with pytest.raises(OutputFormatError):
        decode([np.zeros((1, 1000), np.float32)], input_size=160, original_size=(160, 160))
    with pytest.raises(OutputFormatError):
        decode([np.zeros((1, 3, 4, 4)), np.zeros((1, 2, 4, 4))], input_size=16, original_size=(16, 16))


def test_local_peaks():
    heat = np.zeros((1, 4, 4), np.float32)
    heat[0, 1, 1], heat[0, 1, 2], heat[0, 3, 3] = 0.9, 0.5, 0.3
    peaks = local_peaks(heat) & (heat > 0)
    assert list(zip(*np.nonzero(peaks[0]))) == [(1, 1), (3, 3)]


def test_nms_is_class_wise():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60]], np.float64)
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    labels = np.array([0, 0, 1, 0])
    assert nms(boxes, scores, labels, 0.5).tolist() == [0, 2, 3]


def test_detection_is_frozen():
    d = Detection(0, 0, 1, 1, 0.5, 0)
    with pytest.raises(AttributeError):
        d.score = 1.0  # type: ignore[misc]
