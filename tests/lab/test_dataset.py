"""lab.dataset: splits generated on first use, read back as boxes, pre-processing per the manifest."""

from __future__ import annotations

import json

import numpy as np
import pytest

from demo_models import generate
from lab import dataset
from lab.dataset import Box, load_split, preprocess


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("demo") / "demo_data"


def test_load_split_generates_then_reads_the_coco_files(root):
    split = load_split("val", root=root)
    assert (root / "dataset.json").exists()
    assert split.name == "val" and len(split) == generate.SPLIT_SIZES["val"]
    assert split.images.shape == (generate.SPLIT_SIZES["val"], 160, 160, 3) and split.images.dtype == np.uint8
    assert split.class_names == ("scratch", "spot", "crack")
    assert all(isinstance(b, Box) and b.x2 > b.x1 and b.y2 > b.y1 for boxes in split.boxes for b in boxes)
    assert not split.images.flags.writeable


def test_loaded_images_and_boxes_match_the_generator(root):
    split = load_split("test", root=root)
    image, defects = generate.render_sample(generate.image_rng(generate.DEFAULT_SEED, dataset.SPLITS.index("test"), 5))
    np.testing.assert_array_equal(split.images[5], image)
    assert split.boxes[5] == tuple(Box(d.x1, d.y1, d.x2, d.y2, d.label) for d in defects)


def test_splits_are_disjoint(root):
    first = {load_split(name, root=root).images[0].tobytes() for name in dataset.SPLITS}
    assert len(first) == len(dataset.SPLITS)


def test_stale_data_set_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "SPLIT_SIZES", {"train": 2, "val": 2, "calibration": 1, "test": 1})
    root = dataset.ensure_dataset(tmp_path / "demo_data")
    info = json.loads((root / "dataset.json").read_text())
    (root / "dataset.json").write_text(json.dumps({**info, "generator_version": -1}))
    (root / "train" / "images" / "00000.png").write_bytes(b"junk")
    dataset.ensure_dataset(root)
    assert json.loads((root / "dataset.json").read_text())["generator_version"] == generate.GENERATOR_VERSION
    assert (root / "train" / "images" / "00000.png").read_bytes() != b"junk"
    assert not list(tmp_path.glob(".demo_data.staging"))


def test_unknown_split_is_refused(root):
    with pytest.raises(ValueError, match="unknown split"):
        load_split("holdout", root=root)


def test_preprocess_scales_normalises_and_transposes():
    images = np.zeros((2, 160, 160, 3), np.uint8)
    images[..., 0] = 255
    x = preprocess(images)
    assert x.shape == (2, 3, 160, 160) and x.dtype == np.float32
    assert np.allclose(x[:, 0], (1.0 - 0.5) / 0.25) and np.allclose(x[:, 1], (0.0 - 0.5) / 0.25)


def test_preprocess_resizes_and_checks_the_size_multiple():
    images = np.full((1, 160, 160, 3), 128, np.uint8)
    assert preprocess(images, size=96).shape == (1, 3, 96, 96)
    with pytest.raises(ValueError, match="multiple of 32"):
        preprocess(images, size=100)
    with pytest.raises(ValueError, match="uint8"):
        preprocess(images.astype(np.float32))


def test_manifest_matches_the_preprocessing_constants():
    if not dataset.MANIFEST_PATH.exists():
        pytest.skip("no trained model yet")
    spec = dataset.load_manifest()["input"]
    assert spec["scale"] == pytest.approx(dataset.PIXEL_SCALE)
    assert spec["mean"] == list(dataset.PIXEL_MEAN) and spec["std"] == list(dataset.PIXEL_STD)
    assert spec["default_size"] == dataset.DEFAULT_SIZE and spec["size_multiple"] == dataset.SIZE_MULTIPLE
    assert dataset.baseline_model_path().exists()
