"""The model side of grading: decode a submission's raw outputs (either layout of the contract), read what its
inference script printed, and say whether the two agree on the same images."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab.detection import Detection, OutputFormatError, box_iou, decode

INPUT_SIZE = 160
SCRIPT_THRESHOLD = 0.25  # the contract: print every detection scoring at least this
_AGREE_SCORE = 0.4  # a detection this confident on one side must be found on the other
_AGREE_MARGIN = 0.15  # ... among the other side's detections scoring at least SCRIPT_THRESHOLD - margin
AGREEMENT_NEEDED = 0.9
MAX_DETECTIONS = 100  # per image, best first: a model that emits millions of boxes is cut, as the lab's decoder does


@dataclass(frozen=True)
class ModelPredictions:
    names: tuple[str, ...]
    detections: tuple[tuple[Detection, ...], ...]
    layout: str  # "boxes" or "centre maps"


def load_predictions(npz_path: Path, n_classes: int) -> ModelPredictions:
    """Raw outputs saved by ``predict_model.py`` -> detections per image, or :class:`OutputFormatError`."""
    with np.load(npz_path, allow_pickle=False) as data:
        names = tuple(str(n) for n in data["names"])
        outputs = [data[f"output_{i}"] for i in range(len(data.files) - 1) if f"output_{i}" in data.files]
    if len(outputs) == 1:
        return ModelPredictions(names, tuple(_decode_boxes(outputs[0], n_classes)), "boxes")
    if len(outputs) >= 2:
        heat = outputs[0]
        if heat.ndim != 4 or heat.shape[1] != n_classes:
            raise OutputFormatError(f"the heat map should be (N, {n_classes}, H/4, W/4); the model gives "
                                    f"{tuple(heat.shape)}")
        decoded = decode(outputs[:2], input_size=INPUT_SIZE, original_size=(INPUT_SIZE, INPUT_SIZE),
                         score_threshold=0.05)
        return ModelPredictions(names, tuple(tuple(d) for d in decoded), "centre maps")
    raise OutputFormatError("the model produced no output")


def _decode_boxes(array: np.ndarray, n_classes: int) -> list[tuple[Detection, ...]]:
    if array.ndim != 3 or array.shape[2] != 6:
        raise OutputFormatError(f"the boxes output should be (N, K, 6); the model gives {tuple(array.shape)}")
    result = []
    for rows in array:
        found = []
        rows = rows[np.argsort(-np.nan_to_num(rows[:, 4], nan=-1.0), kind="stable")[: MAX_DETECTIONS * 10]]
        for x1, y1, x2, y2, score, cls in rows:
            if not np.isfinite([x1, y1, x2, y2, score, cls]).all() or score <= 0:
                continue
            label = int(round(cls))
            if not 0 <= label < n_classes:
                raise OutputFormatError(f"a box has class id {cls:g}; ids run from 0 to {n_classes - 1}")
            found.append(Detection(float(x1), float(y1), float(x2), float(y2), float(score), label))
        result.append(tuple(sorted(found, key=lambda d: -d.score)[:MAX_DETECTIONS]))
    return result


def parse_script_output(stdout: str, classes: tuple[str, ...]) -> tuple[Detection, ...]:
    """The one JSON object the contract asks for -> detections; ValueError with a plain message otherwise."""
    try:
        data = json.loads(stdout.strip())
    except json.JSONDecodeError as exc:
        raise ValueError(f"standard output is not one JSON object ({exc.msg} at position {exc.pos})") from None
    except RecursionError:
        raise ValueError("standard output is JSON nested too deeply to read") from None
    if not isinstance(data, dict) or not isinstance(data.get("detections"), list):
        raise ValueError('the JSON has no "detections" list')
    found = []
    for item in data["detections"][: MAX_DETECTIONS * 10]:
        try:
            x1, y1, x2, y2 = (float(v) for v in item["box"])
            label, score = classes.index(item["label"]), float(item["score"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"a detection does not follow the contract: {str(item)[:120]}") from None
        found.append(Detection(x1, y1, x2, y2, score, label))
    return tuple(found)


def _found_in(wanted: list[Detection], pool: list[Detection]) -> int:
    hits = 0
    for d in wanted:
        same = [p for p in pool if p.label == d.label]
        if same and box_iou([[d.x1, d.y1, d.x2, d.y2]], [[p.x1, p.y1, p.x2, p.y2] for p in same]).max() >= 0.5:
            hits += 1
    return hits


def agreement(model: tuple[Detection, ...], script: tuple[Detection, ...]) -> tuple[int, int]:
    """(matched, compared): confident detections of either side found on the other side."""
    floor = SCRIPT_THRESHOLD - _AGREE_MARGIN
    model_sure = [d for d in model if d.score >= _AGREE_SCORE]
    script_sure = [d for d in script if d.score >= _AGREE_SCORE]
    matched = _found_in(model_sure, [d for d in script if d.score >= floor]) + \
        _found_in(script_sure, [d for d in model if d.score >= floor])
    return matched, len(model_sure) + len(script_sure)
