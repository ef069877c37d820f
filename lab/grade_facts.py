"""Facts about a submission's files that need no running: code size, tests, README, notebooks, requirements, notes."""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path

_MAX_FILES_READ = 200  # files of one kind read for facts (each at most 200 kB)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_IMAGE_NAME = re.compile(r"(?:train/)?(?:images/)?(\d{5})\.png", re.IGNORECASE)
_NOISE_WORDS = re.compile(r"\b(noisy|noise|mislabel\w*|wrong(?:ly)? label\w*|label errors?|incorrect label\w*|"
                          r"annotation errors?|bad labels?)\b", re.IGNORECASE)
_METRIC_WORDS = {"precision": re.compile(r"\bprecision\b", re.I), "recall": re.compile(r"\brecall\b", re.I),
                 "IoU": re.compile(r"\b(iou|intersection over union)\b", re.I),
                 "mAP": re.compile(r"\bmap(@|50|\b)", re.I)}
_ALIASES = {"opencv-python": ("opencv-python", "opencv-python-headless", "opencv-contrib-python"),
            "cv2": ("opencv-python-headless", "opencv-python"), "pil": ("pillow",), "sklearn": ("scikit-learn",),
            "onnxruntime-gpu": ("onnxruntime-gpu",)}


@dataclass(frozen=True)
class CodeFacts:
    files: int
    python_files: int
    python_lines: int
    notebooks: int
    notebooks_only: bool
    tests_present: bool
    readme_present: bool
    notes_present: bool
    largest_files: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Requirements:
    listed: tuple[str, ...]
    available: tuple[str, ...]
    missing: tuple[str, ...]
    present: bool


@dataclass(frozen=True)
class NotesFacts:
    mentions_label_noise: bool
    flagged_images: tuple[str, ...]  # kit paths, e.g. train/images/00012.png
    metrics_named: tuple[str, ...]


def code_facts(root: Path, files: tuple[str, ...]) -> CodeFacts:
    python = [f for f in files if f.endswith(".py")]
    notebooks = [f for f in files if f.endswith(".ipynb")]
    lines = 0
    for name in python[:_MAX_FILES_READ]:
        lines += sum(1 for line in _head(root / name).splitlines() if line.strip())
    own_python = [f for f in python if Path(f).name != "infer.py"]
    tests = any(Path(f).name.startswith("test_") or Path(f).name.endswith("_test.py") or "tests" in Path(f).parts
                for f in python)
    sizes = sorted(((f, (root / f).stat().st_size) for f in files), key=lambda item: -item[1])[:3]
    return CodeFacts(files=len(files), python_files=len(python), python_lines=lines, notebooks=len(notebooks),
                     notebooks_only=bool(notebooks) and not own_python, tests_present=tests,
                     readme_present=any(Path(f).name.lower().startswith("readme") for f in files),
                     notes_present=any(Path(f).name.lower().startswith("notes") for f in files),
                     largest_files=tuple(sizes))


def _installed() -> set[str]:
    return {(d.metadata["Name"] or "").lower().replace("_", "-") for d in importlib.metadata.distributions()}


def check_requirements(root: Path) -> Requirements:
    """Every requirement named in requirements.txt, and which of them this environment already has. Nothing is ever
    installed: a missing one is only reported."""
    path = root / "requirements.txt"
    if not path.is_file():
        return Requirements((), (), (), False)
    installed, listed, available, missing = _installed(), [], [], []
    for line in _head(path, 50_000).splitlines()[:200]:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _NAME.match(line)
        if not match:
            continue
        name = match.group(1).lower().replace("_", "-")
        listed.append(name)
        options = _ALIASES.get(name, (name,))
        (available if any(o in installed for o in options) else missing).append(name)
    return Requirements(tuple(listed), tuple(available), tuple(missing), True)


def _head(path: Path, limit: int = 200_000) -> str:
    """The first ``limit`` bytes of a file as text: an uploaded file is never read whole."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _read_texts(root: Path, files: tuple[str, ...], prefixes: tuple[str, ...]) -> str:
    names = [n for n in files if Path(n).name.lower().startswith(prefixes)
             and Path(n).suffix.lower() in (".md", ".txt", "")]
    return "\n".join(_head(root / name) for name in names[:_MAX_FILES_READ])


def notes_facts(root: Path, files: tuple[str, ...]) -> NotesFacts:
    notes = _read_texts(root, files, ("notes",))
    code = [f for f in files if f.endswith(".py")][:_MAX_FILES_READ]
    everything = "\n".join([notes, _read_texts(root, files, ("readme",))] + [_head(root / f) for f in code])
    flagged = sorted({f"train/images/{m}.png" for m in _IMAGE_NAME.findall(notes)})
    return NotesFacts(mentions_label_noise=bool(_NOISE_WORDS.search(notes)), flagged_images=tuple(flagged),
                      metrics_named=tuple(k for k, rx in _METRIC_WORDS.items() if rx.search(everything)))
