"""A take-home's data set: 400 generated images in a domain the manager picks, with a per-candidate seed.

- Splits: train 240 and val 60 go to the candidate with labels; test 100 stays in the app (the held-out ground truth).
- Class imbalance is built into each domain's generator (about 50/32/18 per cent of the objects).
- Label noise, in the train split only: ``NOISE_SHARE`` of its boxes are corrupted on purpose (a wrong class, a box
  dropped, or a box shifted off its object). Which ones is recorded in the app, never in the kit, so the grader can say
  whether a candidate who reports noisy labels found real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from demo_models import conveyor, generate
from demo_models.generate import Defect, image_rng

SPLITS = {"train": 240, "val": 60, "test": 100}
NOISE_SHARE = 0.08
NOISE_KINDS = ("wrong class", "missing box", "shifted box")
_NOISE_SPLIT_INDEX = 97  # a stream of its own: noise never changes the images


@dataclass(frozen=True)
class Domain:
    key: str
    title: str
    task: str
    classes: tuple[str, ...]
    render: Callable[[np.random.Generator], tuple[np.ndarray, list[Defect]]]


DOMAINS: dict[str, Domain] = {
    "surface-defects": Domain("surface-defects", "Surface defects",
                              "find scratches, spots and cracks on metal, fabric and cast surfaces",
                              generate.CLASSES, generate.render_sample),
    "conveyor-parts": Domain("conveyor-parts", "Parts on a conveyor",
                             "find the bolts, nuts and washers on a moving conveyor belt",
                             conveyor.CLASSES, conveyor.render_sample),
}


class TakehomeDataError(ValueError):
    """A take-home data set cannot be made as asked (unknown domain, bad seed)."""


@dataclass(frozen=True)
class NoisyLabel:
    image: str  # file name as in the kit, e.g. "train/images/00012.png"
    kind: str
    true_label: str
    given_label: str | None  # None when the box was dropped


def get_domain(key: str) -> Domain:
    try:
        return DOMAINS[key]
    except KeyError:
        raise TakehomeDataError(f"unknown domain {key!r}; choose one of {', '.join(DOMAINS)}") from None


def _coco(domain: Domain, split: str, records: list[tuple[str, list[Defect]]], seed: int) -> dict:
    images, annotations = [], []
    for image_id, (file_name, boxes) in enumerate(records, start=1):
        images.append({"id": image_id, "file_name": file_name, "width": generate.IMAGE_SIZE,
                       "height": generate.IMAGE_SIZE})
        for b in boxes:
            w, h = b.x2 - b.x1, b.y2 - b.y1
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": b.label + 1,
                                "bbox": [b.x1, b.y1, w, h], "area": w * h, "iscrowd": 0})
    return {"info": {"description": f"{domain.title}, {split} split", "seed": seed},
            "categories": [{"id": i + 1, "name": n} for i, n in enumerate(domain.classes)],
            "images": images, "annotations": annotations}


def _corrupt(rng: np.random.Generator, boxes: list[Defect], n_classes: int, file_name: str,
             classes: tuple[str, ...]) -> tuple[list[Defect], list[NoisyLabel]]:
    kept, noise = [], []
    for b in boxes:
        if rng.random() >= NOISE_SHARE:
            kept.append(b)
            continue
        kind = NOISE_KINDS[int(rng.choice(3, p=[0.6, 0.25, 0.15]))]
        if kind == "wrong class":
            label = (b.label + int(rng.integers(1, n_classes))) % n_classes
            kept.append(Defect(b.x1, b.y1, b.x2, b.y2, label))
            noise.append(NoisyLabel(file_name, kind, classes[b.label], classes[label]))
        elif kind == "missing box":
            noise.append(NoisyLabel(file_name, kind, classes[b.label], None))
        else:
            dx = int((b.x2 - b.x1) * 0.6) + 2
            size = generate.IMAGE_SIZE
            x1 = min(size - (b.x2 - b.x1), b.x1 + dx) if b.x2 + dx <= size else max(0, b.x1 - dx)
            kept.append(Defect(x1, b.y1, x1 + (b.x2 - b.x1), b.y2, b.label))
            noise.append(NoisyLabel(file_name, kind, classes[b.label], classes[b.label]))
    return kept, noise


def _write_png(path: Path, image: np.ndarray) -> None:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode {path.name}")
    path.write_bytes(encoded.tobytes())


def write_takehome_data(kit_dir: Path, private_dir: Path, *, domain: str, seed: int,
                        sizes: dict[str, int] | None = None) -> dict:
    """Images and labels of train and val into ``kit_dir``; the test images, the test labels and the noise record
    into ``private_dir``. Returns the summary the app keeps (class counts, noise counts)."""
    spec = get_domain(domain)
    if not 0 <= seed < 2**63:
        raise TakehomeDataError("the seed must be a whole number between 0 and 2^63")
    sizes = dict(SPLITS if sizes is None else sizes)
    private_dir.mkdir(parents=True, exist_ok=True)
    noise: list[NoisyLabel] = []
    summary: dict = {"domain": domain, "seed": seed, "classes": list(spec.classes), "splits": sizes,
                     "class_counts": {}, "image_size": generate.IMAGE_SIZE}
    for split_index, (split, count) in enumerate(sizes.items()):
        root = (private_dir if split == "test" else kit_dir) / split
        (root / "images").mkdir(parents=True, exist_ok=True)
        noise_rng = image_rng(seed, _NOISE_SPLIT_INDEX, split_index)
        records, clean = [], []
        for i in range(count):
            image, boxes = spec.render(image_rng(seed, split_index, i))
            name = f"images/{i:05d}.png"
            _write_png(root / name, image)
            clean.append((name, boxes))
            if split == "train":
                boxes, found = _corrupt(noise_rng, boxes, len(spec.classes), f"train/{name}", spec.classes)
                noise.extend(found)
            records.append((name, boxes))
        (root / "annotations.json").write_text(json.dumps(_coco(spec, split, records, seed), indent=1))
        if split == "train":
            (private_dir / "train_clean_annotations.json").write_text(json.dumps(_coco(spec, split, clean, seed)))
        summary["class_counts"][split] = {c: sum(1 for _, bs in clean for b in bs if b.label == k)
                                          for k, c in enumerate(spec.classes)}
    n_train_boxes = sum(summary["class_counts"]["train"].values()) if "train" in sizes else 0
    summary["noise"] = {"share": NOISE_SHARE, "boxes": len(noise), "of_boxes": n_train_boxes,
                        "by_kind": {k: sum(1 for n in noise if n.kind == k) for k in NOISE_KINDS},
                        "images": sorted({n.image for n in noise})}
    (private_dir / "noise.json").write_text(json.dumps([n.__dict__ for n in noise], indent=1))
    (private_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
