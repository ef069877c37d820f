"""Deterministic generator of the demo defect-inspection data set (OpenCV + numpy, no downloads).

Each image is a 160x160 RGB textured surface (fine noise, brushed metal, woven fabric or mottled casting, under a
lighting gradient) carrying 0-3 defects of three deliberately imbalanced classes:

- scratch (about half the defects): a thin, smooth, long line or gentle curve, usually brighter than the surface;
- spot (about a third): a soft-edged blob, usually a dark stain;
- crack (the rest): a dark, jagged polyline with one or two branches.

Every image is drawn from its own random stream, ``SeedSequence([seed, split index, image index])``, so the same seed
gives the same bytes and a split's size never changes another split's images. Labels are COCO JSON, one file per split;
a box is the defect's pixels plus ``BOX_PAD`` pixels each side, in pixel-edge coordinates ``[x1, x2)``.

    python -m demo_models.generate --out /tmp/demo_data [--seed 2026]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

GENERATOR_VERSION = 2
DEFAULT_SEED = 2026
IMAGE_SIZE = 160
CLASSES = ("scratch", "spot", "crack")
CLASS_WEIGHTS = (0.5, 0.32, 0.18)
DEFECT_COUNT_WEIGHTS = (0.12, 0.38, 0.32, 0.18)  # P(0), P(1), P(2), P(3) defects in an image
SPLIT_SIZES = {"train": 512, "val": 64, "calibration": 64, "test": 256}
BOX_PAD = 2
_MARGIN = 3
_TEXTURES = ("noise", "brushed", "fabric", "mottled")


@dataclass(frozen=True)
class Defect:
    x1: int
    y1: int
    x2: int
    y2: int
    label: int


def image_rng(seed: int, split_index: int, image_index: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, split_index, image_index])))


@lru_cache(maxsize=4)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    return yy, xx


def _normal(rng: np.random.Generator, sigma: float, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    kind = _TEXTURES[int(rng.integers(len(_TEXTURES)))]
    if kind == "noise":
        gray = cv2.GaussianBlur(_normal(rng, 9.0, (size, size)), (0, 0), rng.uniform(0.6, 1.5))
        gray *= 1.6
    elif kind == "brushed":
        big = size + 64
        streaks = _normal(rng, 12.0, (big, big))
        streaks = cv2.blur(streaks, (int(rng.integers(15, 41)), 1)) * 3.0
        rot = cv2.getRotationMatrix2D((big / 2, big / 2), float(rng.choice([0.0, 90.0, 45.0, -30.0, 15.0])), 1.0)
        streaks = cv2.warpAffine(streaks, rot, (big, big), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        gray = streaks[32 : 32 + size, 32 : 32 + size] + _normal(rng, 2.0, (size, size))
    elif kind == "fabric":
        period = rng.uniform(5.0, 11.0)
        yy, xx = _grid(size)
        weave = np.sin(np.float32(2 * np.pi / period) * xx) * np.sin(np.float32(2 * np.pi / period) * yy)
        gray = np.float32(rng.uniform(5.0, 11.0)) * weave + _normal(rng, 3.0, (size, size))
        gray = cv2.GaussianBlur(gray, (0, 0), 0.7)
    else:  # mottled casting: low-frequency blotches plus grain
        coarse = _normal(rng, 14.0, (size // 16, size // 16))
        gray = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
        gray += _normal(rng, 4.0, (size, size))
    color = np.float32(rng.uniform(85.0, 175.0)) + rng.uniform(-14.0, 14.0, 3).astype(np.float32)
    image = gray.astype(np.float32)[:, :, None] + color[None, None, :]
    yy, xx = _grid(size)
    angle = rng.uniform(0.0, 2 * np.pi)
    gain = rng.uniform(0.0, 0.35)  # light = 1 + gain * (cos a * (x/size - 1/2) + sin a * (y/size - 1/2))
    gx, gy = gain * np.cos(angle) / size, gain * np.sin(angle) / size
    light = np.float32(1.0 - 0.5 * size * (gx + gy)) + np.float32(gx) * xx + np.float32(gy) * yy
    return image * light[:, :, None]


def _nuisances(rng: np.random.Generator, image: np.ndarray) -> None:
    """Marks that are not defects, drawn under them: faint wide smudges and dust specks (in place)."""
    size = image.shape[0]
    for _ in range(int(rng.choice(3, p=[0.45, 0.35, 0.2]))):
        smudge = np.zeros((size, size), np.float32)
        center = rng.uniform(0, size, 2).astype(int)
        cv2.circle(smudge, (int(center[0]), int(center[1])), int(rng.uniform(12, 26)), 1.0, -1)
        smudge = cv2.GaussianBlur(smudge, (0, 0), rng.uniform(4.0, 8.0))
        image += smudge[:, :, None] * np.float32(rng.choice([-1.0, 1.0]) * rng.uniform(12.0, 30.0))
    specks = int(rng.integers(0, 16))
    if specks:
        dust = np.zeros((size, size), np.float32)
        xs, ys, signs = rng.integers(0, size, specks), rng.integers(0, size, specks), rng.choice([-1, 1], specks)
        for x, y, sign in zip(xs, ys, signs):
            cv2.circle(dust, (int(x), int(y)), int(rng.integers(0, 2)), float(sign * rng.uniform(35.0, 70.0)), -1)
        image += cv2.GaussianBlur(dust, (0, 0), 0.6)[:, :, None]


def _inside(points: np.ndarray, size: int) -> bool:
    return bool(points.min() >= _MARGIN and points.max() <= size - 1 - _MARGIN)


def _scratch(rng: np.random.Generator, size: int) -> tuple[np.ndarray, float] | None:
    length = rng.uniform(40.0, 100.0)
    angle = rng.uniform(0.0, np.pi)
    start = rng.uniform(_MARGIN, size - _MARGIN, 2)
    end = start + length * np.array([np.cos(angle), np.sin(angle)])
    bend = rng.uniform(-0.18, 0.18) * length
    control = (start + end) / 2 + bend * np.array([-np.sin(angle), np.cos(angle)])
    t = np.linspace(0.0, 1.0, 32)[:, None]
    points = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end
    if not _inside(points, size):
        return None
    mask = np.zeros((size, size), np.uint8)
    thickness = int(rng.choice([1, 2], p=[0.6, 0.4]))
    cv2.polylines(mask, [np.round(points).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    sign = 1.0 if rng.random() < 0.75 else -1.0
    return mask, sign * rng.uniform(40.0, 95.0)


def _spot(rng: np.random.Generator, size: int) -> tuple[np.ndarray, float] | None:
    radius = rng.uniform(4.0, 11.0)
    center = rng.uniform(_MARGIN + radius, size - _MARGIN - radius, 2)
    mask = np.zeros((size, size), np.uint8)
    axes = (int(round(radius)), int(round(radius * rng.uniform(0.6, 1.0))))
    cx, cy = int(round(center[0])), int(round(center[1]))
    cv2.ellipse(mask, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
    for _ in range(int(rng.integers(0, 3))):  # lobes make the outline irregular
        offset = rng.uniform(-0.6, 0.6, 2) * radius
        cv2.circle(mask, (int(cx + offset[0]), int(cy + offset[1])), max(2, int(radius * 0.55)), 255, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)
    mask[mask < 24] = 0
    sign = -1.0 if rng.random() < 0.7 else 1.0
    return mask, sign * rng.uniform(35.0, 85.0)


def _crack_path(rng: np.random.Generator, start: np.ndarray, heading: float, length: float) -> np.ndarray:
    points = [start]
    travelled = 0.0
    while travelled < length:
        step = rng.uniform(3.0, 7.0)
        heading += rng.uniform(-0.7, 0.7)
        points.append(points[-1] + step * np.array([np.cos(heading), np.sin(heading)]))
        travelled += step
    return np.array(points)


def _crack(rng: np.random.Generator, size: int) -> tuple[np.ndarray, float] | None:
    heading = rng.uniform(0.0, 2 * np.pi)
    main = _crack_path(rng, rng.uniform(_MARGIN, size - _MARGIN, 2), heading, rng.uniform(35.0, 75.0))
    paths = [main]
    for _ in range(int(rng.integers(1, 3))):
        root = main[int(rng.integers(len(main) // 4, max(len(main) // 4 + 1, len(main) - 1)))]
        turn = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.1)
        paths.append(_crack_path(rng, root, heading + turn, rng.uniform(10.0, 28.0)))
    if not all(_inside(p, size) for p in paths):
        return None
    mask = np.zeros((size, size), np.uint8)
    thickness = int(rng.choice([1, 2], p=[0.5, 0.5]))
    for path in paths:
        cv2.polylines(mask, [np.round(path).astype(np.int32)], False, 255, thickness, cv2.LINE_8)
    return mask, -rng.uniform(45.0, 100.0)


_DRAWERS = (_scratch, _spot, _crack)


def _box_of(mask: np.ndarray, label: int) -> Defect:
    ys, xs = np.nonzero(mask)
    size = mask.shape[0]
    return Defect(
        x1=max(0, int(xs.min()) - BOX_PAD),
        y1=max(0, int(ys.min()) - BOX_PAD),
        x2=min(size, int(xs.max()) + 1 + BOX_PAD),
        y2=min(size, int(ys.max()) + 1 + BOX_PAD),
        label=label,
    )


def _overlaps(box: Defect, others: list[Defect]) -> bool:
    return any(box.x1 < o.x2 and o.x1 < box.x2 and box.y1 < o.y2 and o.y1 < box.y2 for o in others)


def render_sample(rng: np.random.Generator, size: int = IMAGE_SIZE) -> tuple[np.ndarray, list[Defect]]:
    """One image (H, W, 3) uint8 RGB and its defects' boxes, drawn from ``rng`` alone."""
    image = _texture(rng, size)
    _nuisances(rng, image)
    wanted = int(rng.choice(len(DEFECT_COUNT_WEIGHTS), p=DEFECT_COUNT_WEIGHTS))
    defects: list[Defect] = []
    for _ in range(wanted):
        label = int(rng.choice(len(CLASSES), p=CLASS_WEIGHTS))
        for _attempt in range(30):
            drawn = _DRAWERS[label](rng, size)
            if drawn is None:
                continue
            mask, contrast = drawn
            box = _box_of(mask, label)
            if _overlaps(box, defects):
                continue
            window = (slice(box.y1, box.y2), slice(box.x1, box.x2))
            image[window] += mask[window].astype(np.float32)[:, :, None] * np.float32(contrast / 255.0)
            defects.append(box)
            break
    return np.clip(np.round(image), 0, 255).astype(np.uint8), defects


def _coco(split: str, records: list[tuple[str, list[Defect]]], size: int, seed: int) -> dict:
    images, annotations = [], []
    for image_id, (file_name, defects) in enumerate(records, start=1):
        images.append({"id": image_id, "file_name": file_name, "width": size, "height": size})
        for d in defects:
            w, h = d.x2 - d.x1, d.y2 - d.y1
            annotations.append(
                {"id": len(annotations) + 1, "image_id": image_id, "category_id": d.label + 1,
                 "bbox": [d.x1, d.y1, w, h], "area": w * h, "iscrowd": 0}
            )
    return {
        "info": {"description": f"Vision Interview Studio demo defects, {split} split",
                 "generator_version": GENERATOR_VERSION, "seed": seed},
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(CLASSES)],
        "images": images,
        "annotations": annotations,
    }


def write_dataset(out_dir: Path, *, seed: int = DEFAULT_SEED, sizes: dict[str, int] | None = None) -> dict:
    """Write every split as PNG images plus ``<split>/annotations.json`` (COCO), and ``dataset.json``, which it
    returns."""
    sizes = dict(SPLIT_SIZES if sizes is None else sizes)
    out_dir = Path(out_dir)
    for split_index, (split, count) in enumerate(sizes.items()):
        image_dir = out_dir / split / "images"
        image_dir.mkdir(parents=True, exist_ok=True)
        records = []
        for i in range(count):
            image, defects = render_sample(image_rng(seed, split_index, i))
            file_name = f"{i:05d}.png"
            ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
            if not ok:
                raise RuntimeError(f"OpenCV could not encode {split}/{file_name}")
            (image_dir / file_name).write_bytes(encoded.tobytes())
            records.append((f"images/{file_name}", defects))
        coco = _coco(split, records, IMAGE_SIZE, seed)
        (out_dir / split / "annotations.json").write_text(json.dumps(coco, sort_keys=True, indent=1))
    info = {"generator_version": GENERATOR_VERSION, "seed": seed, "classes": list(CLASSES), "image_size": IMAGE_SIZE,
            "splits": sizes, "format": "coco"}
    (out_dir / "dataset.json").write_text(json.dumps(info, sort_keys=True, indent=1))
    return info


def class_counts(coco: dict) -> dict[str, int]:
    counts = {name: 0 for name in CLASSES}
    for ann in coco["annotations"]:
        counts[CLASSES[ann["category_id"] - 1]] += 1
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the demo defect data set (COCO JSON + PNG).")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    info = write_dataset(args.out, seed=args.seed)
    for split in info["splits"]:
        coco = json.loads((args.out / split / "annotations.json").read_text())
        print(split, len(coco["images"]), "images", class_counts(coco))


if __name__ == "__main__":
    main()
