"""Fit the matcher's classifier on the project's labelled pairs (scoring/data/labelled.jsonl).

    python -m scoring.train [--data FILE.jsonl ...] [--out scoring/data/matcher_model.json]

Extra files (for example interviewer overrides exported by interviews.overrides.export_training_rows) can be added
with --data; rows on the held-out test questions are left out so the test figure stays honest.

Only the ``train`` and ``dev`` questions are used (scoring/data/labelled_{train,dev}.jsonl): the regularisation strength and the decision threshold are chosen
by question-grouped cross-validation over them (a question's rows never sit on both sides of a fold), then the
model is refitted on all of them. The ``test`` questions (labelled_test.jsonl) are left for ``python -m scoring.evaluate``.
Deterministic: same data and code, same JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from scoring.classifier import MODEL_PATH, Classifier, expand
from scoring.features import FEATURES

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_FILES = (DATA_DIR / "labelled_train.jsonl", DATA_DIR / "labelled_dev.jsonl")
TEST_FILE = DATA_DIR / "labelled_test.jsonl"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.02))
FOLDS = 6


def load_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def featurise_rows(rows: list[dict], encoder=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


FREE_SIGN = frozenset({"point_terms"})  # every other input is evidence: its weight may not be negative


def fit(x: np.ndarray, y: np.ndarray, c: float, threshold: float = 0.5, info: dict | None = None,
        sample_weight: np.ndarray | None = None) -> Classifier:
    """L2-regularised logistic regression whose evidence weights are held non-negative (L-BFGS-B).

    Monotone by construction: more similarity or more matched words never lowers a point's probability, which
    keeps the model sane on text unlike the few hundred pairs it was fitted on.
    """
    from scipy.optimize import minimize

    z = expand(x)
    mean, scale = z.mean(axis=0), z.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    z = (z - mean) / scale
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    names = [*FEATURES, *("sq_%d" % i for i in range(z.shape[1] - len(FEATURES)))]
    bounds = [(None, None) if n in FREE_SIGN else (0.0, None) for n in names] + [(None, None)]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logits = z @ theta[:-1] + theta[-1]
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
        nll = np.sum(w * (np.logaddexp(0.0, logits) - y * logits))
        grad_logits = w * (p - y)
        grad = np.append(z.T @ grad_logits, grad_logits.sum())
        grad[:-1] += theta[:-1] / c
        return float(nll + 0.5 * np.sum(theta[:-1] ** 2) / c), grad

    theta = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": 5000}).x
    return Classifier(FEATURES, mean, scale, theta[:-1], float(theta[-1]), threshold, info or {})


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
    parser.add_argument("--data", type=Path, nargs="+", default=list(TRAIN_FILES))
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    rows = [r for path in args.data for r in load_rows(path)]
    if any(r.get("split") == "test" for r in rows):
        parser.error("refusing to train on rows marked split=test")
    held_out = {r["question_id"] for r in load_rows(TEST_FILE)} if TEST_FILE.exists() else set()
    kept = [r for r in rows if r.get("question_id") not in held_out]
    if len(kept) < len(rows):  # e.g. interviewer overrides exported from the app for a test question
        print(f"scoring.train: left out {len(rows) - len(kept)} rows on held-out test questions", file=sys.stderr)
    rows = [{**r, "question_id": r.get("question_id", f"row-{k}")} for k, r in enumerate(kept)]
    x, y, owners = featurise_rows(rows)
    groups = np.array([rows[k]["question_id"] for k in owners])
    c, threshold, cv_f1 = select(x, y, groups)
    from scoring.embedder import get_encoder

    info = {"trained_on": "train+dev", "embedder": getattr(get_encoder(), "name", "?"), "pairs": int(len(y)), "questions": int(len(set(groups.tolist()))),
            "C": c, "cv_f1": round(cv_f1, 4)}
    model = fit(x, y, c, threshold, info)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
