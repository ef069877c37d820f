"""Score the matcher on labelled rows.

    python -m scoring.evaluate FILE.jsonl [--json] [--errors]

Each line is ``{"text": str, "points": [str, ...], "covered": [int, ...]}`` (other fields are ignored; ``covered``
holds indices into ``points``). Prints precision, recall and F1 over all (text, point) pairs, ``n_pairs``, and the
latency of matching one row (``p50_ms``, ``p95_ms``: model loaded, the row's text not yet seen;
``p50_ms_cached``, ``p95_ms_cached``: the same row again, every sentence already encoded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from scoring.train import f1_score


class EvaluationError(ValueError):
    """The file cannot be read as labelled rows."""


def read_rows(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, points, covered = row["text"], row["points"], row.get("covered", [])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvaluationError(f"{path}:{number}: not a labelled row ({exc})") from exc
        if not isinstance(text, str) or not isinstance(points, list) or \
                not all(isinstance(i, int) and 0 <= i < len(points) for i in covered):
            raise EvaluationError(f"{path}:{number}: needs text (str), points (list) and covered (indices)")
        rows.append(row)
    return rows


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def evaluate(rows: list[dict], *, encoder=None, classifier=None) -> dict:
    from scoring import embedder
    from scoring.matcher import analyse_rubric

    encoder = encoder or embedder.get_encoder()
    analyse_rubric("warm-up: load the model and the classifier.", ["a warm-up point"], encoder=encoder,
                   classifier=classifier)
    y, pred, cold, warm = [], [], [], []
    by_source: dict[str, list[tuple[int, int]]] = defaultdict(list)
    errors = []
    for row in rows:
        start = time.perf_counter()
        result = analyse_rubric(row["text"], row["points"], encoder=encoder, classifier=classifier)
        cold.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        analyse_rubric(row["text"], row["points"], encoder=encoder, classifier=classifier)
        warm.append((time.perf_counter() - start) * 1000)
        covered = set(row.get("covered", []))
        for m in result.matches:
            truth, guess = int(m.index in covered), int(m.covered)
            y.append(truth)
            pred.append(guess)
            by_source[str(row.get("source", "all"))].append((truth, guess))
            if truth != guess:
                errors.append({"text": row["text"], "point": row["points"][m.index], "truth": truth,
                               "probability": m.probability, "evidence": m.evidence, "reason": m.reason})
    precision, recall, f1 = f1_score(np.array(y), np.array(pred))
    p50, p95 = _percentiles(cold)
    p50_cached, p95_cached = _percentiles(warm)
    report = {
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "n_pairs": len(y), "n_rows": len(rows), "positives": int(sum(y)),
        "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
        "p50_ms_cached": round(p50_cached, 2), "p95_ms_cached": round(p95_cached, 2),
        "by_source": {
            source: dict(zip(("precision", "recall", "f1"),
                             (round(v, 4) for v in f1_score(np.array([t for t, _ in pairs]),
                                                            np.array([g for _, g in pairs])))))
            for source, pairs in sorted(by_source.items())
        },
        "embedder": getattr(encoder, "name", type(encoder).__name__),
    }
    return {**report, "errors": errors}


def plain_cosine_baseline(rows: list[dict], *, encoder=None) -> dict:
    """What the issue started from: best cosine between a sentence of the text and the point, thresholded.

    The threshold maximises F1 on the project's train and dev questions, never on ``rows``.
    """
    from scoring import embedder
    from scoring.segment import split_clauses
    from scoring.train import TRAIN_FILES, load_rows

    encoder = encoder or embedder.get_encoder()

    def best_cosines(batch: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        scores, truth = [], []
        for row in batch:
            sentences = [c.text for c in split_clauses(row["text"])]
            sims = (encoder.encode(sentences) @ encoder.encode(row["points"]).T) if sentences else None
            for j in range(len(row["points"])):
                scores.append(float(sims[:, j].max()) if sims is not None else 0.0)
                truth.append(int(j in set(row.get("covered", []))))
        return np.array(scores), np.array(truth)

    tune_scores, tune_truth = best_cosines([r for path in TRAIN_FILES for r in load_rows(path)])
    threshold = max(np.unique(tune_scores), key=lambda t: f1_score(tune_truth, (tune_scores >= t).astype(int))[2])
    scores, truth = best_cosines(rows)
    precision, recall, f1 = f1_score(truth, (scores >= threshold).astype(int))
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "threshold": round(float(threshold), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="labelled rows, one JSON object per line")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default is a short table)")
    parser.add_argument("--errors", action="store_true", help="also list the misclassified pairs")
    parser.add_argument("--baseline", action="store_true",
                        help="also score plain cosine similarity (threshold fitted on the train and dev questions)")
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.file)
        report = evaluate(rows)
        if args.baseline:
            report["plain_cosine"] = plain_cosine_baseline(rows)
    except EvaluationError as exc:
        print(f"scoring.evaluate: {exc}", file=sys.stderr)
        return 2
    errors = report.pop("errors")
    if args.errors:
        report["errors"] = errors
    if args.json:
        print(json.dumps(report))
    else:
        print(f"pairs {report['n_pairs']}  precision {report['precision']:.3f}  recall {report['recall']:.3f}  "
              f"F1 {report['f1']:.3f}  latency p50 {report['p50_ms']:.1f} ms  p95 {report['p95_ms']:.1f} ms")
        for e in errors if args.errors else []:
            print(f"  {'MISSED' if e['truth'] else 'FALSE '} p={e['probability']:.2f} {e['point'][:60]!r} <- "
                  f"{e['evidence'][:60]!r} {e['reason'] or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
