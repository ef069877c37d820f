"""A second deterministic demo domain: parts on a conveyor belt (OpenCV + numpy, no downloads).

Each image is a 160x160 RGB top view of a rubber belt (dark, ribbed across the direction of travel, with seams, wear
and a lighting gradient) carrying 0-4 metal parts of three deliberately imbalanced classes:

- bolt (about half the parts): a shank with a hexagonal head, at any angle;
- nut (about a third): a hexagon with a dark round hole;
- washer (the rest): a thin ring.

Same contract as :func:`demo_models.generate.render_sample`: ``render_sample(rng) -> (image, [Defect])`` with boxes in
pixel-edge coordinates padded by ``BOX_PAD``; the same random stream always gives the same bytes.
"""

from __future__ import annotations

import cv2
import numpy as np

from demo_models.generate import BOX_PAD, IMAGE_SIZE, Defect

CLASSES = ("bolt", "nut", "washer")
CLASS_WEIGHTS = (0.52, 0.32, 0.16)
PART_COUNT_WEIGHTS = (0.08, 0.3, 0.32, 0.2, 0.1)
_MARGIN = 3


def _belt(rng: np.random.Generator, size: int) -> np.ndarray:
    base = rng.uniform(38.0, 70.0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    period = rng.uniform(6.0, 12.0)
    ribs = np.float32(rng.uniform(3.0, 8.0)) * np.sin(np.float32(2 * np.pi / period) * xx + rng.uniform(0, 6.3))
    grain = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32) * 6.0, (0, 0), 0.8)
    wear = cv2.resize(rng.standard_normal((5, 5)).astype(np.float32) * 6.0, (size, size),
                      interpolation=cv2.INTER_CUBIC)
    gray = base + ribs + grain + wear
    if rng.random() < 0.4:  # a seam across the belt
        x = int(rng.integers(10, size - 10))
        gray[:, x : x + 2] -= 18.0
    tint = rng.uniform(-4.0, 4.0, 3).astype(np.float32)
    light = 1.0 + rng.uniform(-0.2, 0.2) * (yy / size - 0.5) + rng.uniform(-0.2, 0.2) * (xx / size - 0.5)
    return (gray[:, :, None] + tint[None, None, :]) * light[:, :, None]


def _hexagon(center: np.ndarray, radius: float, angle: float) -> np.ndarray:
    turns = angle + np.arange(6) * np.pi / 3
    return np.stack([center[0] + radius * np.cos(turns), center[1] + radius * np.sin(turns)], axis=1)


def _bolt(rng: np.random.Generator, size: int, mask: np.ndarray) -> None:
    length, width = rng.uniform(30.0, 52.0), rng.uniform(5.0, 8.0)
    angle = rng.uniform(0.0, np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    start = rng.uniform(_MARGIN + 12, size - _MARGIN - 12, 2)
    end = start + length * direction
    cv2.line(mask, tuple(np.round(start).astype(int)), tuple(np.round(end).astype(int)), 255,
             int(round(width)), cv2.LINE_AA)
    head = _hexagon(start, width * 1.25, angle)
    cv2.fillPoly(mask, [np.round(head).astype(np.int32)], 255, cv2.LINE_AA)


def _nut(rng: np.random.Generator, size: int, mask: np.ndarray) -> None:
    radius = rng.uniform(7.0, 12.0)
    center = rng.uniform(_MARGIN + radius, size - _MARGIN - radius, 2)
    cv2.fillPoly(mask, [np.round(_hexagon(center, radius, rng.uniform(0, np.pi))).astype(np.int32)], 255,
                 cv2.LINE_AA)
    cv2.circle(mask, tuple(np.round(center).astype(int)), int(radius * 0.45), 0, -1, cv2.LINE_AA)


def _washer(rng: np.random.Generator, size: int, mask: np.ndarray) -> None:
    radius = rng.uniform(7.0, 13.0)
    center = rng.uniform(_MARGIN + radius, size - _MARGIN - radius, 2)
    cv2.circle(mask, tuple(np.round(center).astype(int)), int(round(radius)), 255, max(2, int(radius * 0.35)),
               cv2.LINE_AA)


_DRAWERS = (_bolt, _nut, _washer)


def _box(mask: np.ndarray, label: int) -> Defect | None:
    ys, xs = np.nonzero(mask > 40)
    if len(xs) == 0:
        return None
    size = mask.shape[0]
    if xs.min() < _MARGIN or ys.min() < _MARGIN or xs.max() > size - 1 - _MARGIN or ys.max() > size - 1 - _MARGIN:
        return None
    return Defect(max(0, int(xs.min()) - BOX_PAD), max(0, int(ys.min()) - BOX_PAD),
                  min(size, int(xs.max()) + 1 + BOX_PAD), min(size, int(ys.max()) + 1 + BOX_PAD), label)


def _overlaps(box: Defect, others: list[Defect]) -> bool:
    return any(box.x1 < o.x2 and o.x1 < box.x2 and box.y1 < o.y2 and o.y1 < box.y2 for o in others)


def _paint(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray) -> None:
    """Metal: bright, a little tinted, shaded across the part, with a soft shadow to the lower right."""
    alpha = mask.astype(np.float32) / 255.0
    shadow = cv2.GaussianBlur(np.roll(alpha, (2, 2), axis=(0, 1)), (0, 0), 1.5)
    image *= (1.0 - 0.45 * shadow)[:, :, None]
    metal = np.float32(rng.uniform(150.0, 215.0)) + rng.uniform(-10.0, 10.0, 3).astype(np.float32)
    shade = cv2.GaussianBlur(rng.standard_normal(mask.shape).astype(np.float32) * 10.0, (0, 0), 2.0)
    part = metal[None, None, :] + shade[:, :, None]
    image[:] = image * (1.0 - alpha[:, :, None]) + part * alpha[:, :, None]


def render_sample(rng: np.random.Generator, size: int = IMAGE_SIZE) -> tuple[np.ndarray, list[Defect]]:
    """One image (H, W, 3) uint8 RGB and its parts' boxes, drawn from ``rng`` alone."""
    image = _belt(rng, size)
    wanted = int(rng.choice(len(PART_COUNT_WEIGHTS), p=PART_COUNT_WEIGHTS))
    parts: list[Defect] = []
    for _ in range(wanted):
        label = int(rng.choice(len(CLASSES), p=CLASS_WEIGHTS))
        for _attempt in range(30):
            mask = np.zeros((size, size), np.uint8)
            _DRAWERS[label](rng, size, mask)
            box = _box(mask, label)
            if box is None or _overlaps(box, parts):
                continue
            _paint(rng, image, mask)
            parts.append(box)
            break
    image += rng.standard_normal(image.shape).astype(np.float32) * 2.0
    return np.clip(np.round(image), 0, 255).astype(np.uint8), parts
