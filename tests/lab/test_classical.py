"""lab.classical: the OpenCV pipeline finds drawn defects, names them by shape, and is scored like the CNN."""

from __future__ import annotations

import cv2
import numpy as np

from lab.classical import CRACK, SCRATCH, SPOT, detect_defects, evaluate_classical


def _plain(value: int = 128) -> np.ndarray:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 2.0, (160, 160, 1))
    return np.clip(value + noise, 0, 255).astype(np.uint8).repeat(3, axis=2)


def test_flat_surface_has_no_defects():
    assert detect_defects(_plain()) == []


def test_dark_disc_is_a_spot_with_a_tight_box():
    image = _plain()
    cv2.circle(image, (60, 90), 8, (60, 60, 60), -1)
    (d,) = detect_defects(image)
    assert d.label == SPOT
    assert abs(d.x1 - 50) <= 2 and abs(d.x2 - 71) <= 2 and abs(d.y1 - 80) <= 2 and abs(d.y2 - 101) <= 2
    assert 0 < d.score <= 1


def test_long_bright_line_is_a_scratch():
    image = _plain()
    cv2.line(image, (20, 30), (120, 70), (210, 210, 210), 1, cv2.LINE_AA)
    (d,) = detect_defects(image)
    assert d.label == SCRATCH


def test_dark_branching_jagged_line_is_a_crack():
    image = _plain()
    main = np.array([[40, 40], [46, 47], [50, 44], [57, 52], [60, 60], [67, 58], [72, 67], [78, 66], [84, 75]])
    branch = np.array([[57, 52], [63, 45], [70, 44], [74, 38]])
    cv2.polylines(image, [main.astype(np.int32), branch.astype(np.int32)], False, (50, 50, 50), 2)
    (d,) = detect_defects(image)
    assert d.label == CRACK


def test_evaluate_classical_reports_accuracy_and_latency():
    result = evaluate_classical("val")
    assert result.n_images == result.report.n_images > 0
    assert result.latency_p50_ms > 0 and result.latency_mean_ms > 0
    assert 0.3 < result.report.map50 <= 1.0
    assert set(result.report.per_class) == {"scratch", "spot", "crack"}
