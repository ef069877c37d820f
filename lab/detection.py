"""Decoding the demo detector's outputs into boxes: CenterNet peaks, sizes, offsets, then class-wise NMS (numpy only).

The model's two outputs, on a grid of stride ``input_size / grid_width`` (4 for the demo model):

- ``heatmap`` (N, C, h, w): sigmoid probability that a defect of class c is centred in the cell;
- ``box`` (N, 4, h, w): ``dx, dy`` the centre's offset inside the cell (in cells) and ``log_w, log_h`` the box size as
  ``log(size / stride)``. A peak at cell (i, j) gives centre ``((j + dx) * stride, (i + dy) * stride)`` and size
  ``exp(log_w) * stride`` by ``exp(log_h) * stride``, in input pixels, then scaled to the original image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lab.dataset import MANIFEST_PATH

DEFAULT_SCORE_THRESHOLD = 0.05
DEFAULT_NMS_IOU = 0.5
DEFAULT_MAX_DETECTIONS = 100
_MAX_LOG_SIZE = 8.0  # exp(8) cells: far beyond any image; keeps a wild output from overflowing


class OutputFormatError(ValueError):
    """The model's outputs are not the demo detector's (heatmap, box) pair."""


@dataclass(frozen=True)
class Detection:
    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    label: int


def postprocess_defaults() -> dict:
    """score_threshold, nms_iou and max_detections from the manifest, or the module defaults before training.
    Read once per version of the manifest file (a stat a call), so that timing a decode does not time a JSON read."""
    try:
        stamp = MANIFEST_PATH.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = None
    return dict(_postprocess_defaults(stamp))


@lru_cache(maxsize=2)
def _postprocess_defaults(stamp: int | None) -> tuple[tuple[str, float], ...]:
    defaults = {"score_threshold": DEFAULT_SCORE_THRESHOLD, "nms_iou": DEFAULT_NMS_IOU,
                "max_detections": DEFAULT_MAX_DETECTIONS}
    if stamp is not None:
        post = json.loads(MANIFEST_PATH.read_text()).get("postprocess", {})
        defaults.update({k: post[k] for k in defaults if k in post})
    return tuple(defaults.items())


def local_peaks(heatmap: np.ndarray) -> np.ndarray:
    """Boolean mask of cells that equal the maximum of their 3x3 neighbourhood (the CenterNet 'NMS'), per channel."""
    padded = np.pad(heatmap, [(0, 0)] * (heatmap.ndim - 2) + [(1, 1), (1, 1)], constant_values=-np.inf)
    h, w = heatmap.shape[-2:]
    rows = np.maximum(np.maximum(padded[..., 0:h, :], padded[..., 1 : h + 1, :]), padded[..., 2 : h + 2, :])
    neighbourhood = np.maximum(np.maximum(rows[..., 0:w], rows[..., 1 : w + 1]), rows[..., 2 : w + 2])
    return heatmap >= neighbourhood


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix between boxes a (N, 4) and b (M, 4) given as x1, y1, x2, y2 (continuous coordinates)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy class-wise non-maximum suppression; the kept indices, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    suppressed = np.zeros(len(order), bool)
    iou = box_iou(boxes, boxes)
    for rank, i in enumerate(order):
        if suppressed[rank]:
            continue
        keep.append(int(i))
        later = order[rank + 1 :]
        suppressed[rank + 1 :] |= (labels[later] == labels[i]) & (iou[i, later] > iou_threshold)
    return np.asarray(keep, np.int64)


def _decode_one(heat: np.ndarray, peaks: np.ndarray, reg: np.ndarray, stride_xy: tuple[float, float],
                scale_xy: tuple[float, float],
                original_size: tuple[int, int], score_threshold: float, nms_iou: float,
                max_detections: int) -> list[Detection]:
    labels, rows, cols = np.nonzero(peaks)
    if len(labels) == 0:
        return []
    scores = heat[labels, rows, cols]
    if len(scores) > max_detections:  # CenterNet's top-k peaks, before the (cheap) NMS
        top = np.argsort(-scores, kind="stable")[:max_detections]
        labels, rows, cols, scores = labels[top], rows[top], cols[top], scores[top]
    (sx, sy), (fx, fy) = stride_xy, scale_xy
    dx, dy = reg[0, rows, cols], reg[1, rows, cols]
    w = np.exp(np.clip(reg[2, rows, cols], -_MAX_LOG_SIZE, _MAX_LOG_SIZE)) * sx
    h = np.exp(np.clip(reg[3, rows, cols], -_MAX_LOG_SIZE, _MAX_LOG_SIZE)) * sy
    cx, cy = (cols + dx) * sx, (rows + dy) * sy
    height, width = original_size
    boxes = np.stack([np.clip((cx - w / 2) * fx, 0, width), np.clip((cy - h / 2) * fy, 0, height),
                      np.clip((cx + w / 2) * fx, 0, width), np.clip((cy + h / 2) * fy, 0, height)], axis=1)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, labels = boxes[valid], scores[valid], labels[valid]
    keep = nms(boxes, scores, labels, nms_iou)[:max_detections] if len(scores) > 1 else np.arange(len(scores))
    return [Detection(float(boxes[k, 0]), float(boxes[k, 1]), float(boxes[k, 2]), float(boxes[k, 3]),
                      float(scores[k]), int(labels[k])) for k in keep]


def decode(outputs: list[np.ndarray], *, input_size: int | tuple[int, int], original_size: tuple[int, int],
           score_threshold: float | None = None, nms_iou: float | None = None,
           max_detections: int | None = None) -> list[list[Detection]]:
    """Detections per image, in the original image's pixels. ``original_size`` is (height, width) of the images
    before pre-processing; ``input_size`` the side (or (height, width)) of the tensor the model was run on."""
    if len(outputs) < 2:
        raise OutputFormatError(f"expected the outputs heatmap and box, got {len(outputs)} output(s)")
    heatmap = np.asarray(outputs[0], np.float32)
    regression = np.asarray(outputs[1], np.float32)
    if heatmap.ndim != 4 or regression.ndim != 4 or regression.shape[1] != 4 \
            or heatmap.shape[0] != regression.shape[0] or heatmap.shape[2:] != regression.shape[2:]:
        raise OutputFormatError(
            f"expected heatmap (N, C, h, w) and box (N, 4, h, w), got {heatmap.shape} and {regression.shape}")
    defaults = postprocess_defaults()
    score_threshold = defaults["score_threshold"] if score_threshold is None else score_threshold
    nms_iou = defaults["nms_iou"] if nms_iou is None else nms_iou
    max_detections = int(defaults["max_detections"] if max_detections is None else max_detections)
    in_h, in_w = (input_size, input_size) if isinstance(input_size, int) else input_size
    grid_h, grid_w = heatmap.shape[2:]
    stride = (in_w / grid_w, in_h / grid_h)
    scale = (original_size[1] / in_w, original_size[0] / in_h)
    peaks = local_peaks(heatmap) & (heatmap >= score_threshold)
    return [_decode_one(heatmap[n], peaks[n], regression[n], stride, scale, original_size, score_threshold, nms_iou,
                        max_detections) for n in range(heatmap.shape[0])]
