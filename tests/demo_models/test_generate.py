"""The demo data set generator: deterministic bytes, sane labels, the imbalance it promises."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from demo_models import generate

SMALL = {"train": 6, "val": 3, "calibration": 3, "test": 4}


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(tmp_path):
    generate.write_dataset(tmp_path / "a", seed=7, sizes=SMALL)
    generate.write_dataset(tmp_path / "b", seed=7, sizes=SMALL)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(a) == sum(SMALL.values()) + len(SMALL) + 1  # images, one annotations.json a split, dataset.json
    assert a == b


def test_another_seed_gives_other_images(tmp_path):
    generate.write_dataset(tmp_path / "a", seed=7, sizes=SMALL)
    generate.write_dataset(tmp_path / "b", seed=8, sizes=SMALL)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert a["test/images/00000.png"] != b["test/images/00000.png"]


def test_a_split_does_not_depend_on_the_size_of_another(tmp_path):
    generate.write_dataset(tmp_path / "a", seed=7, sizes=SMALL)
    generate.write_dataset(tmp_path / "b", seed=7, sizes={**SMALL, "train": 2})
    assert _digest(tmp_path / "a")["test/images/00003.png"] == _digest(tmp_path / "b")["test/images/00003.png"]


def test_sample_is_rgb_160_with_at_most_three_defects_inside_the_image():
    for i in range(40):
        image, defects = generate.render_sample(generate.image_rng(1, 0, i))
        assert image.shape == (160, 160, 3) and image.dtype == np.uint8
        assert len(defects) <= 3
        for d in defects:
            assert 0 <= d.x1 < d.x2 <= 160 and 0 <= d.y1 < d.y2 <= 160
            assert d.label in (0, 1, 2)


def test_coco_labels_and_deliberate_imbalance(tmp_path):
    info = generate.write_dataset(tmp_path, seed=3, sizes={"train": 120, "val": 1, "calibration": 1, "test": 1})
    assert info["classes"] == ["scratch", "spot", "crack"]
    coco = json.loads((tmp_path / "train" / "annotations.json").read_text())
    assert {c["name"] for c in coco["categories"]} == set(generate.CLASSES)
    assert all(a["bbox"][2] > 0 and a["bbox"][3] > 0 and a["iscrowd"] == 0 for a in coco["annotations"])
    counts = generate.class_counts(coco)
    assert counts["scratch"] > counts["spot"] > counts["crack"] > 0
    per_image = np.bincount([a["image_id"] for a in coco["annotations"]], minlength=121)[1:]
    assert set(per_image) <= {0, 1, 2, 3} and 0 in per_image and 3 in per_image


def test_default_splits_hold_at_least_480_images():
    assert sum(generate.SPLIT_SIZES.values()) >= 480
    assert set(generate.SPLIT_SIZES) == {"train", "val", "calibration", "test"}
