"""Fit the matcher's classifier on the project's labelled pairs.

    python -m scoring.train [--data FILE.jsonl ...] [--db URL] [--no-db] [--out scoring/data/matcher_model.json]

Only the ``train`` and ``dev`` questions are used: scoring/data/labelled_{train,dev}.jsonl (written with the rubric
in view) and scoring/data/blind_{train,dev}.jsonl (written from the question prompt only, labelled afterwards), when
present. Rows whose question is in the bank are featurised the way ``match_question`` matches them (the bank's
whole rubric, with the points' "listen for" examples).

Interviewers' stored confirmations and overrides (the ``rubric_decisions`` table of the app's database, the
VIS_DATABASE_URL setting or ``--db``) are folded in as extra rows; so are files given with ``--data`` (for example
``python -m interviews export`` output). Rows on held-out test questions are always left out.

The regularisation strength and the decision threshold are chosen by question-grouped cross-validation (a question's
rows never sit on both sides of a fold), then the model is refitted on all of them. Deterministic: same data and
code, same JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from scoring.classifier import MODEL_PATH, Classifier, expand
from scoring.features import FEATURES

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_FILES = (DATA_DIR / "labelled_train.jsonl", DATA_DIR / "labelled_dev.jsonl")
BLIND_TRAIN_FILES = (DATA_DIR / "blind_train.jsonl", DATA_DIR / "blind_dev.jsonl")
TEST_FILE = DATA_DIR / "labelled_test.jsonl"
TEST_FILES = (TEST_FILE, DATA_DIR / "blind_test.jsonl")


def default_training_files() -> list[Path]:
    """The old train and dev files, and the blind ones when they are there."""
    return [*TRAIN_FILES, *(p for p in BLIND_TRAIN_FILES if p.exists())]


def held_out_questions() -> set[str]:
    """Question ids of every test split: nothing is ever fitted on them."""
    return {r["question_id"] for path in TEST_FILES if path.exists() for r in load_rows(path) if r.get("question_id")}
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.02))
FOLDS = 6


def load_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def featurise_rows(rows: list, encoder=None, evidence: list | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and the row index of every labelled (text, point) pair.

    ``rows`` are scoring.labelled.LabelledRow (matched as the product does) or plain dicts (their point strings).
    With ``evidence`` (a list), one (LOCATOR_INPUTS of the clean clauses, 0/1 inside the labelled evidence) pair is
    appended to it for every covered point that has labelled evidence: the evidence locator's training rows.
    """
    from scoring.labelled import resolve
    from scoring.matcher import featurise

    xs, ys, owners = [], [], []
    for k, row in enumerate(rows):
        row = resolve(row, {}) if isinstance(row, dict) else row
        collected: list | None = [] if evidence is not None and row.evidence else None
        feats = featurise(row.text, row.points, encoder=encoder, prompt=getattr(row.question, "prompt", None),
                          locator_inputs=collected)
        if collected:
            evidence.extend(_evidence_rows(row, collected))
        xs.append(feats[list(row.labelled)])
        ys.extend(1 if j in row.covered else 0 for j in row.labelled)
        owners.extend([k] * len(row.labelled))
    x = np.vstack(xs) if xs else np.zeros((0, len(FEATURES)))
    return x, np.array(ys), np.array(owners)


def _evidence_rows(row, collected: list) -> list[tuple[np.ndarray, np.ndarray]]:
    from scoring.labelled import overlaps

    out = []
    for j, inputs, clean, clause_spans in collected:
        spans = row.evidence.get(j)
        if j not in row.covered or not spans or not clean.any():
            continue
        inside = np.array([overlaps(start, end, spans) for start, end in clause_spans])
        if inside[clean].any():
            out.append((inputs[clean], inside[clean].astype(int)))
    return out


MIN_EVIDENCE_POINTS = 50


def fit_locator(evidence: list[tuple[np.ndarray, np.ndarray]], c: float = 0.1):
    """The evidence locator: a logistic regression telling labelled evidence clauses from the other clean clauses
    (its probability decides whether a second clause is quoted, so it keeps its intercept).

    None (the matcher then shows the clause closest in meaning and words) with fewer than MIN_EVIDENCE_POINTS
    labelled points, or when no point had a clean clause outside its evidence to learn from."""
    from sklearn.linear_model import LogisticRegression

    from scoring.features import Locator

    if len(evidence) < MIN_EVIDENCE_POINTS:
        return None
    x = np.vstack([inputs for inputs, _ in evidence])
    y = np.concatenate([labels for _, labels in evidence])
    if y.min() == y.max():
        return None
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    model = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return Locator(mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def locator_top1(locator, evidence: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Share of points whose highest-scoring clause lies inside the labelled evidence."""
    hits = [labels[int(np.argmax(locator.score(inputs)))] for inputs, labels in evidence]
    return float(np.mean(hits)) if hits else 0.0


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


def training_rows(files: list[Path], *, db_url: str | None, use_db: bool = True, use_bank: bool = True) -> list:
    """Labelled rows from ``files`` and the stored interviewer decisions, minus the held-out test questions."""
    from scoring.feedback import FeedbackError, read_decisions
    from scoring.labelled import bank_questions, read_jsonl, resolve

    raw = [r for path in files for r in read_jsonl(path)]
    if any(r.get("split") == "test" for r in raw):
        raise ValueError("refusing to train on rows marked split=test")
    if use_db:
        try:
            decided = read_decisions(db_url)
        except FeedbackError as exc:
            print(f"scoring.train: interviewer decisions not read ({exc})", file=sys.stderr)
            decided = []
        raw += [{**r, "source": "interviewers"} for r in decided]
    held_out = held_out_questions()
    kept = [r for r in raw if r.get("question_id") not in held_out]
    if len(kept) < len(raw):  # e.g. interviewer overrides exported from the app for a test question
        print(f"scoring.train: left out {len(raw) - len(kept)} rows on held-out test questions", file=sys.stderr)
    questions = bank_questions() if use_bank else {}
    return [resolve({**r, "question_id": r.get("question_id") or f"row-{k}"}, questions) for k, r in enumerate(kept)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=None,
                        help="labelled JSONL files (default: the train and dev files under scoring/data)")
    parser.add_argument("--db", default=None, help="database URL holding interviewer decisions (default: settings)")
    parser.add_argument("--no-db", action="store_true", help="leave stored interviewer decisions out")
    parser.add_argument("--plain", action="store_true", help="featurise the rows' point strings, not the bank's rubric")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    try:
        rows = training_rows(args.data or default_training_files(), db_url=args.db, use_db=not args.no_db,
                             use_bank=not args.plain)
    except ValueError as exc:
        parser.error(str(exc))
    evidence: list = []
    x, y, owners = featurise_rows(rows, evidence=evidence)
    groups = np.array([rows[k].question_id for k in owners])
    c, threshold, cv_f1 = select(x, y, groups)
    locator = fit_locator(evidence)
    from scoring.embedder import get_encoder

    files = sorted({p.name for p in (args.data or default_training_files())})
    info = {"trained_on": files, "sources": sorted({r.source for r in rows}), "bank_rubrics": not args.plain,
            "embedder": getattr(get_encoder(), "name", "?"), "pairs": int(len(y)),
            "questions": int(len(set(groups.tolist()))), "C": c, "cv_f1": round(cv_f1, 4),
            "evidence_points": len(evidence),
            "evidence_top1_train": round(locator_top1(locator, evidence), 4) if locator else None}
    model = replace(fit(x, y, c, threshold, info), locator=locator)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
