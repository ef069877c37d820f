"""Detect objects in one image with model.onnx (the centre-map layout of CONTRACT.md) and print them as JSON.

    python infer.py IMAGE_PATH
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

SIZE, STRIDE, THRESHOLD, NMS_IOU = 160, 4, 0.25, 0.5
CLASSES = ("scratch", "spot", "crack")
MODEL = Path(__file__).resolve().parent / "model.onnx"


def preprocess(bgr: np.ndarray) -> np.ndarray:
    rgb = cv2.cvtColor(cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(((rgb.astype(np.float32) / 255.0 - 0.5) / 0.25).transpose(2, 0, 1)[None])


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - w * h
    return np.where(union > 0, w * h / np.maximum(union, 1e-9), 0.0)


def decode(heat: np.ndarray, reg: np.ndarray, scale_x: float, scale_y: float) -> list[dict]:
    padded = np.pad(heat, ((0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    h, w = heat.shape[1:]
    neighbours = np.max([padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=0)
    labels, rows, cols = np.nonzero((heat >= neighbours) & (heat >= THRESHOLD))
    scores = heat[labels, rows, cols]
    cx, cy = (cols + reg[0, rows, cols]) * STRIDE, (rows + reg[1, rows, cols]) * STRIDE
    bw = np.exp(np.clip(reg[2, rows, cols], -8, 8)) * STRIDE
    bh = np.exp(np.clip(reg[3, rows, cols], -8, 8)) * STRIDE
    boxes = np.stack([(cx - bw / 2) * scale_x, (cy - bh / 2) * scale_y, (cx + bw / 2) * scale_x,
                      (cy + bh / 2) * scale_y], axis=1)
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        same = [k for k in kept if labels[k] == labels[i]]
        if not same or iou(boxes[i], boxes[same]).max() <= NMS_IOU:
            kept.append(int(i))
    return [{"label": CLASSES[labels[k]], "score": round(float(scores[k]), 4),
             "box": [round(float(v), 2) for v in boxes[k]]} for k in kept]


def main(path: str) -> None:
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f"cannot read {path}")
    session = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    heat, reg = session.run(None, {session.get_inputs()[0].name: preprocess(bgr)})
    detections = decode(heat[0], reg[0], bgr.shape[1] / SIZE, bgr.shape[0] / SIZE)
    print(json.dumps({"image": Path(path).name, "detections": detections}))


if __name__ == "__main__":
    main(sys.argv[1])
