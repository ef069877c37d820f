"""Fit the matcher's classifier on the project's labelled pairs (scoring/data/labelled.jsonl).

    python -m scoring.train [--data scoring/data/labelled.jsonl] [--out scoring/data/matcher_model.json]

Only the ``train`` and ``dev`` questions are used: the regularisation strength and the decision threshold are chosen
by question-grouped cross-validation over them (a question's rows never sit on both sides of a fold), then the
model is refitted on all of them. The ``test`` questions are left for ``python -m scoring.evaluate``.
Deterministic: same data and code, same JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from scoring.classifier import MODEL_PATH, Classifier, expand
from scoring.features import FEATURES

DATA_PATH = Path(__file__).resolve().parent / "data" / "labelled.jsonl"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.02))
FOLDS = 6


def load_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def featurise_rows(rows: list[dict], encoder=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    """Features, labels and the row index of every (text, point) pair."""
    from scoring.matcher import featurise

    xs, ys, owners = [], [], []
    for k, row in enumerate(rows):
        feats = featurise(row["text"], row["points"], encoder=encoder)
        covered = set(row.get("covered", []))
        xs.append(feats)
        ys.extend(1 if j in covered else 0 for j in range(len(row["points"])))
        owners.extend([k] * len(row["points"]))
    x = np.vstack(xs) if xs else np.zeros((0, len(FEATURES)))
    return x, np.array(ys), np.array(owners)


def f1_score(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def fit(x: np.ndarray, y: np.ndarray, c: float, threshold: float = 0.5, info: dict | None = None) -> Classifier:
    from sklearn.linear_model import LogisticRegression

    z = expand(x)
    mean, scale = z.mean(axis=0), z.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs").fit((z - mean) / scale, y)
    return Classifier(FEATURES, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]), threshold,
                      info or {})


def grouped_folds(groups: np.ndarray, k: int) -> list[np.ndarray]:
    """Assign whole groups (questions) to k folds, deterministically, balancing pair counts."""
    sizes = {g: int((groups == g).sum()) for g in sorted(set(groups.tolist()))}
    folds: list[list[str]] = [[] for _ in range(k)]
    load = [0] * k
    for g, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        i = int(np.argmin(load))
        folds[i].append(g)
        load[i] += n
    return [np.isin(groups, f) for f in folds]


def select(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[float, float, float]:
    """(C, threshold, out-of-fold F1) maximising question-grouped cross-validated F1."""
    best = (0.0, 0.5, -1.0)
    folds = grouped_folds(groups, FOLDS)
    for c in C_GRID:
        oof = np.zeros(len(y))
        for held in folds:
            oof[held] = fit(x[~held], y[~held], c).probability(x[held])
        for t in THRESHOLDS:
            f1 = f1_score(y, (oof >= t).astype(int))[2]
            if f1 > best[2] + 1e-9:
                best = (c, t, f1)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_PATH)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    rows = [r for r in load_rows(args.data) if r.get("split") in {"train", "dev"}]
    x, y, owners = featurise_rows(rows)
    groups = np.array([rows[k]["question_id"] for k in owners])
    c, threshold, cv_f1 = select(x, y, groups)
    info = {"trained_on": "train+dev", "pairs": int(len(y)), "questions": int(len(set(groups.tolist()))),
            "C": c, "cv_f1": round(cv_f1, 4)}
    model = fit(x, y, c, threshold, info)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
