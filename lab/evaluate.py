"""Detection accuracy against the held-out ground truth, COCO-style.

- AP: per class, every prediction of that class over the split ranked by score (stable order), greedily matched to the
  unmatched ground-truth box of the same class in the same image with the highest IoU at or above the threshold;
  101-point interpolated precision (the precision envelope sampled at recall 0, 0.01, ..., 1). mAP@0.5 is the mean
  over classes that have ground truth; mAP@0.5:0.95 also averages over IoU 0.50, 0.55, ..., 0.95.
- Precision, recall and F1 at the operating point: the predictions scoring at least ``score_threshold`` (the manifest's
  ``operating_threshold`` for the demo model), matched the same way at IoU 0.5; overall figures pool all classes.
- Mean IoU: the mean IoU of the true positives at that operating point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from lab.dataset import Box, load_manifest, load_split, preprocess
from lab.detection import Detection, OutputFormatError, box_iou, decode

IOU_THRESHOLDS = tuple(np.round(np.linspace(0.5, 0.95, 10), 2).tolist())
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
DEFAULT_OPERATING_THRESHOLD = 0.3


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    ap50: float  # NaN when the class has no ground truth in the split
    ap50_95: float
    n_truth: int


@dataclass(frozen=True)
class AccuracyReport:
    precision: float
    recall: float
    f1: float
    mean_iou: float
    map50: float
    map50_95: float
    per_class: dict[str, ClassMetrics]
    n_images: int
    input_size: int | None


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _match_image(preds: Sequence[Detection], truth: Sequence[Box], label: int,
                 iou_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, true-positive flags and matched IoUs of one image's predictions of ``label``, best score first."""
    mine = sorted((p for p in preds if p.label == label), key=lambda p: -p.score)
    gts = [t for t in truth if t.label == label]
    scores = np.array([p.score for p in mine], np.float64)
    tp = np.zeros(len(mine), bool)
    ious = np.zeros(len(mine), np.float64)
    if mine and gts:
        iou = box_iou([[p.x1, p.y1, p.x2, p.y2] for p in mine], [[t.x1, t.y1, t.x2, t.y2] for t in gts])
        taken = np.zeros(len(gts), bool)
        for i in range(len(mine)):
            candidates = np.where(taken, -1.0, iou[i])
            best = int(np.argmax(candidates))
            if candidates[best] >= iou_threshold:
                taken[best] = True
                tp[i] = True
                ious[i] = iou[i, best]
    return scores, tp, ious


def average_precision(scores: np.ndarray, tp: np.ndarray, n_truth: int) -> float:
    """101-point interpolated AP of predictions (scores, true-positive flags) against n_truth boxes."""
    scores, tp = np.asarray(scores, np.float64), np.asarray(tp, bool)
    if n_truth == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind="mergesort")
    hits = tp[order].astype(np.float64)
    tps, fps = np.cumsum(hits), np.cumsum(1.0 - hits)
    recall = tps / n_truth
    precision = tps / (tps + fps)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.where(idx < len(envelope), envelope[np.minimum(idx, len(envelope) - 1)], 0.0)
    return float(sampled.mean())


def _class_ap(predictions, truth, label: int, iou_threshold: float, n_truth: int) -> float:
    parts = [_match_image(p, t, label, iou_threshold)[:2] for p, t in zip(predictions, truth)]
    scores = np.concatenate([s for s, _ in parts]) if parts else np.zeros(0)
    tp = np.concatenate([f for _, f in parts]) if parts else np.zeros(0, bool)
    return average_precision(scores, tp, n_truth)


def evaluate_detections(predictions: list[list[Detection]], truth: tuple[tuple[Box, ...], ...],
                        class_names: Sequence[str], *, score_threshold: float = 0.0,
                        input_size: int | None = None) -> AccuracyReport:
    """Accuracy of per-image predictions against per-image ground truth (same order, same length)."""
    if len(predictions) != len(truth):
        raise ValueError(f"{len(predictions)} prediction lists for {len(truth)} images")
    per_class: dict[str, ClassMetrics] = {}
    total_tp = total_pred = total_truth = 0
    matched_ious: list[np.ndarray] = []
    for label, name in enumerate(class_names):
        n_truth = sum(1 for boxes in truth for b in boxes if b.label == label)
        kept = [[p for p in preds if p.score >= score_threshold] for preds in predictions]
        matches = [_match_image(p, t, label, 0.5) for p, t in zip(kept, truth)]
        n_tp = int(sum(m[1].sum() for m in matches))
        n_pred = int(sum(len(m[0]) for m in matches))
        matched_ious.extend(m[2][m[1]] for m in matches)
        precision = n_tp / n_pred if n_pred else 0.0
        recall = n_tp / n_truth if n_truth else 0.0
        aps = [_class_ap(predictions, truth, label, t, n_truth) for t in IOU_THRESHOLDS]
        per_class[name] = ClassMetrics(precision=precision, recall=recall, f1=_f1(precision, recall), ap50=aps[0],
                                       ap50_95=float(np.mean(aps)), n_truth=n_truth)
        total_tp, total_pred, total_truth = total_tp + n_tp, total_pred + n_pred, total_truth + n_truth
    scored = [m for m in per_class.values() if m.n_truth > 0]
    precision = total_tp / total_pred if total_pred else 0.0
    recall = total_tp / total_truth if total_truth else 0.0
    ious = np.concatenate(matched_ious) if matched_ious else np.zeros(0)
    return AccuracyReport(
        precision=precision, recall=recall, f1=_f1(precision, recall),
        mean_iou=float(ious.mean()) if len(ious) else 0.0,
        map50=float(np.mean([m.ap50 for m in scored])) if scored else 0.0,
        map50_95=float(np.mean([m.ap50_95 for m in scored])) if scored else 0.0,
        per_class=per_class, n_images=len(truth), input_size=input_size,
    )


def _input_plan(session, input_size: int | None, batch_size: int, default_size: int) -> tuple[int, int, bool]:
    """(side, batch, fixed_batch) for a session: a fixed spatial size or batch in the model wins over the request."""
    shape = session.get_inputs()[0].shape
    if len(shape) != 4:
        raise OutputFormatError(f"expected a 4-D NCHW image input, the model declares {shape}")
    fixed_side = shape[2] if isinstance(shape[2], int) and shape[2] == shape[3] else None
    side = input_size or fixed_side or default_size
    if fixed_side is not None and side != fixed_side:
        raise ValueError(f"the model's input is fixed at {fixed_side}x{fixed_side}; cannot run it at {side}")
    fixed_batch = isinstance(shape[0], int) and shape[0] > 0
    return side, (shape[0] if fixed_batch else max(1, batch_size)), fixed_batch


def predict_onnx(session, images: np.ndarray, *, input_size: int, batch_size: int = 8, fixed_batch: bool = False,
                 score_threshold: float | None = None) -> list[list[Detection]]:
    """Run an onnxruntime session over uint8 RGB images in batches and decode its detections."""
    meta = session.get_inputs()[0]
    dtype = np.float16 if meta.type == "tensor(float16)" else np.float32
    detections: list[list[Detection]] = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        x = preprocess(chunk, input_size).astype(dtype, copy=False)
        if fixed_batch and len(chunk) < batch_size:
            x = np.concatenate([x, np.repeat(x[-1:], batch_size - len(chunk), axis=0)])
        outputs = [np.asarray(o, np.float32)[: len(chunk)] for o in session.run(None, {meta.name: x})]
        detections.extend(decode(outputs, input_size=input_size, original_size=chunk.shape[1:3],
                                 score_threshold=score_threshold))
    return detections


def evaluate_onnx(model_path: str | Path, *, split: str = "test", input_size: int | None = None, batch_size: int = 8,
                  providers: Sequence[str] = ("CPUExecutionProvider",), session_options=None) -> AccuracyReport:
    """Accuracy of an ONNX variant of the demo detector on a split of the demo data set (the test split by default)."""
    import onnxruntime as ort

    manifest = load_manifest()
    data = load_split(split)
    session = ort.InferenceSession(str(model_path), sess_options=session_options, providers=list(providers))
    side, batch, fixed_batch = _input_plan(session, input_size, batch_size, manifest["input"]["default_size"])
    predictions = predict_onnx(session, data.images, input_size=side, batch_size=batch, fixed_batch=fixed_batch)
    operating = manifest.get("postprocess", {}).get("operating_threshold", DEFAULT_OPERATING_THRESHOLD)
    return evaluate_detections(predictions, data.boxes, manifest.get("classes", data.class_names),
                               score_threshold=operating, input_size=side)
