"""The demo data set and model as the lab sees them: splits of images with boxes, pre-processing, the manifest.

The data set is generated deterministically by ``demo_models.generate`` into ``<settings.cache_dir>/demo_data`` on first
use (a few seconds; a file lock keeps concurrent first uses from racing), then read from its PNG and COCO JSON files.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from settings import PROJECT_ROOT, get_settings

SPLITS = ("train", "val", "calibration", "test")
MODEL_DIR = PROJECT_ROOT / "demo_models"
MANIFEST_PATH = MODEL_DIR / "manifest.json"

# Pre-processing contract of the demo model (train.py writes the same values into the manifest).
PIXEL_SCALE = 1.0 / 255.0
PIXEL_MEAN = (0.5, 0.5, 0.5)
PIXEL_STD = (0.25, 0.25, 0.25)
DEFAULT_SIZE = 160
SIZE_MULTIPLE = 32


class DatasetError(RuntimeError):
    """The demo data set could not be generated or read."""


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float
    label: int


@dataclass(frozen=True)
class DetectionSplit:
    name: str
    images: np.ndarray  # (N, H, W, 3) uint8 RGB, read-only
    boxes: tuple[tuple[Box, ...], ...]
    class_names: tuple[str, ...] = ("scratch", "spot", "crack")

    def __len__(self) -> int:
        return len(self.boxes)


def data_root() -> Path:
    return get_settings().cache_dir / "demo_data"


def _is_current(root: Path) -> bool:
    from demo_models.generate import DEFAULT_SEED, GENERATOR_VERSION, SPLIT_SIZES

    try:
        info = json.loads((root / "dataset.json").read_text())
    except (OSError, ValueError):
        return False
    return (info.get("generator_version"), info.get("seed"), info.get("splits")) == (
        GENERATOR_VERSION, DEFAULT_SEED, SPLIT_SIZES)


def ensure_dataset(root: Path | None = None) -> Path:
    """Generate the data set into ``root`` unless an up-to-date copy is already there; return ``root``."""
    from demo_models.generate import write_dataset

    root = Path(root) if root is not None else data_root()
    if _is_current(root):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_current(root):  # another process finished it while we waited
            return root
        staging = root.parent / f".{root.name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        write_dataset(staging)
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    return root


@lru_cache(maxsize=16)
def _read_split(root: str, name: str) -> DetectionSplit:
    split_dir = Path(root) / name
    try:
        coco = json.loads((split_dir / "annotations.json").read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read the {name} annotations in {split_dir}: {exc}") from exc
    class_names = tuple(c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"]))
    by_image: dict[int, list[Box]] = {img["id"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        x, y, w, h = ann["bbox"]
        by_image[ann["image_id"]].append(Box(float(x), float(y), float(x + w), float(y + h), ann["category_id"] - 1))
    images = []
    for img in coco["images"]:
        bgr = cv2.imread(str(split_dir / img["file_name"]), cv2.IMREAD_COLOR)
        if bgr is None:
            raise DatasetError(f"cannot read image {split_dir / img['file_name']}")
        images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    array = np.stack(images)
    array.setflags(write=False)
    boxes = tuple(tuple(by_image[img["id"]]) for img in coco["images"])
    return DetectionSplit(name=name, images=array, boxes=boxes, class_names=class_names)


def load_split(name: str, *, root: Path | None = None) -> DetectionSplit:
    """One split of the demo data set, generated on first use. The arrays are shared and read-only."""
    if name not in SPLITS:
        raise ValueError(f"unknown split {name!r}; choose one of {', '.join(SPLITS)}")
    root = ensure_dataset(root)
    return _read_split(str(root.resolve()), name)


def preprocess(images: np.ndarray, size: int | None = None) -> np.ndarray:
    """uint8 (N, H, W, 3) RGB -> float32 (N, 3, size, size), scaled and normalised as the manifest says."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images shaped (N, H, W, 3), got {images.dtype} {images.shape}")
    size = DEFAULT_SIZE if size is None else int(size)
    if size <= 0 or size % SIZE_MULTIPLE:
        raise ValueError(f"input size must be a positive multiple of {SIZE_MULTIPLE}, not {size}")
    if images.shape[1:3] != (size, size):
        images = np.stack([_resize(img, size) for img in images])
    x = images.astype(np.float32) * np.float32(PIXEL_SCALE)
    x = (x - np.asarray(PIXEL_MEAN, np.float32)) / np.asarray(PIXEL_STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    shrinking = size < max(image.shape[:2])
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def load_manifest() -> dict:
    try:
        return json.loads(MANIFEST_PATH.read_text())
    except FileNotFoundError:
        raise DatasetError(f"no model manifest at {MANIFEST_PATH}; run python -m demo_models.train") from None


def baseline_model_path() -> Path:
    """The committed fp32 demo model (its name comes from the manifest when there is one)."""
    name = json.loads(MANIFEST_PATH.read_text()).get("model") if MANIFEST_PATH.exists() else None
    return MODEL_DIR / (name or "defect_detector.onnx")
