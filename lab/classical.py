"""A classical OpenCV defect detector, scored on the same ground truth as the CNN ("classical or deep learning?").

Per image: grey level minus a median-filtered background; a threshold at a multiple of the residual's robust noise
(median absolute deviation); a small closing and dilation to join a defect's fragments; connected components; then
shape rules on each component's rotated rectangle:

- compact and filled (low elongation) -> spot;
- long, thin and straight (high elongation, a line fits it within a few pixels) -> scratch;
- anything else elongated, dark and ragged -> crack.

The score is the component's contrast over the threshold, so AP can rank the detections. The parameters were chosen
by hand and checked on the val split; the test split is only scored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from lab.dataset import load_split
from lab.detection import Detection
from lab.evaluate import AccuracyReport, evaluate_detections

SCRATCH, SPOT, CRACK = 0, 1, 2


@dataclass(frozen=True)
class ClassicalParams:
    background_kernel: int = 31  # median filter side; wider than the largest spot
    k_sigma: float = 4.5  # threshold = k_sigma * robust noise sigma of the residual
    min_contrast: float = 14.0  # grey levels; the floor of that threshold
    min_area: int = 14  # pixels in a component
    join_kernel: int = 5  # dilation that joins a defect's fragments into one component
    spot_max_elongation: float = 2.6
    spot_min_fill: float = 0.45
    scratch_min_elongation: float = 5.0
    scratch_max_line_residual: float = 2.2  # mean distance (px) of the pixels to their fitted line, per 50 px
    box_pad: int = 2  # the labelling convention: the defect's pixels plus 2 px each side


@dataclass(frozen=True)
class ClassicalResult:
    report: AccuracyReport
    latency_p50_ms: float
    latency_mean_ms: float
    n_images: int


def _residual(gray: np.ndarray, params: ClassicalParams) -> np.ndarray:
    background = cv2.medianBlur(gray, params.background_kernel)
    return gray.astype(np.float32) - background.astype(np.float32)


def _classify(points: np.ndarray, mean_residual: float, params: ClassicalParams) -> int:
    (_, _), (rw, rh), _ = cv2.minAreaRect(points)
    long_side, short_side = max(rw, rh, 1.0), max(min(rw, rh), 1.0)
    elongation = long_side / short_side
    fill = len(points) / (long_side * short_side)
    if elongation < params.spot_max_elongation and fill > params.spot_min_fill:
        return SPOT
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    distance = np.abs((points[:, 0] - x0) * vy - (points[:, 1] - y0) * vx)
    straight = float(distance.mean()) <= params.scratch_max_line_residual * max(1.0, long_side / 50.0)
    if mean_residual > 0 or (elongation >= params.scratch_min_elongation and straight):
        return SCRATCH  # cracks are never brighter than the surface
    return CRACK


def detect_defects(image: np.ndarray, params: ClassicalParams | None = None) -> list[Detection]:
    """Defects in one uint8 RGB image, as boxes in its pixels."""
    params = params or ClassicalParams()
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    residual = _residual(gray, params)
    sigma = 1.4826 * float(np.median(np.abs(residual)))
    threshold = max(params.k_sigma * sigma, params.min_contrast)
    mask = (np.abs(residual) > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    joined = cv2.dilate(mask, np.ones((params.join_kernel, params.join_kernel), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    height, width = gray.shape
    detections = []
    for component in range(1, count):
        ys, xs = np.nonzero((labels == component) & (mask > 0))
        if len(xs) < params.min_area:
            continue
        values = residual[ys, xs]
        mean_residual = float(values.mean())
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        label = _classify(points, mean_residual, params)
        score = float(np.clip(np.abs(values).mean() / (3.0 * threshold), 0.0, 1.0))
        pad = params.box_pad
        detections.append(Detection(float(max(0, xs.min() - pad)), float(max(0, ys.min() - pad)),
                                    float(min(width, xs.max() + 1 + pad)), float(min(height, ys.max() + 1 + pad)),
                                    score, label))
    return detections


def evaluate_classical(split: str = "test", params: ClassicalParams | None = None) -> ClassicalResult:
    """The classical pipeline's accuracy on a split (every detection counts: it has no operating threshold) and its
    per-image latency on this machine (OpenCV with its default threads)."""
    data = load_split(split)
    detect_defects(data.images[0], params)  # warm-up: first-call allocations
    predictions, timings = [], []
    for image in data.images:
        started = time.perf_counter()
        predictions.append(detect_defects(image, params))
        timings.append((time.perf_counter() - started) * 1000.0)
    report = evaluate_detections(predictions, data.boxes, data.class_names, score_threshold=0.0,
                                 input_size=data.images.shape[1])
    return ClassicalResult(report=report, latency_p50_ms=float(np.median(timings)),
                           latency_mean_ms=float(np.mean(timings)), n_images=len(timings))
