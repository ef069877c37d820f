"""Score the matcher on labelled rows, matched the way the product matches them.

    python -m scoring.evaluate FILE.jsonl [--json] [--errors] [--plain] [--baseline]
    python -m scoring.evaluate --decisions [URL] [--json]

Each line is ``{"text": str, "points": [str, ...], "covered": [int, ...]}`` (``covered`` holds indices into
``points``) with optional ``question_id``, ``point_ids``, ``quality``, ``source`` and ``evidence``
(``{"<index>": [start, end]}``). A row whose ``question_id`` is in the bank is matched exactly as ``match_question``
matches it, against the bank's rubric and its points' "listen for" examples (``--plain``: always the row's strings).

Prints precision, recall and F1 over the labelled (text, point) pairs; F1 by ``quality`` and ``source``; the share of
points credited on weak answers (``weak_credit_share``); evidence accuracy (the share of true positives one of whose
quoted spans overlaps the labelled evidence span, over those that have one; also with the main quote alone, and the
share of quotes that lie in the evidence); and the latency of matching one row (``p50_ms``,
``p95_ms``: model loaded, the row's text not yet seen; ``*_cached``: the same row again). ``--decisions`` reports
agreement with the interviewers' stored decisions (the app's database, or URL).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from scoring.labelled import LabelledRow, RowsError, load_labelled, overlaps, read_jsonl, resolve
from scoring.train import f1_score

EvaluationError = RowsError  # the old name, kept for callers


def read_rows(path: Path) -> list[dict]:
    """The raw rows of a labelled JSONL file (checked)."""
    return read_jsonl(path)


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def _prf(pairs: list[tuple[int, int]]) -> dict:
    precision, recall, f1 = f1_score(np.array([t for t, _ in pairs]), np.array([g for _, g in pairs]))
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "n_pairs": len(pairs)}


def _match(row: LabelledRow, encoder, classifier):
    from scoring.matcher import analyse_rubric, match_question

    if row.product_path:
        return match_question(row.text, row.question, encoder=encoder, classifier=classifier).matches
    return analyse_rubric(row.text, row.points, encoder=encoder, classifier=classifier).matches


def _overlaps(span: tuple[int, int] | None, truth: tuple[tuple[int, int], ...]) -> bool:
    """The quoted span overlaps one of the labelled evidence spans."""
    return span is not None and overlaps(*span, truth)


def _point_label(row: LabelledRow, index: int) -> str:
    point = row.points[index]
    return point if isinstance(point, str) else point.text


def evaluate(rows: list, *, encoder=None, classifier=None) -> dict:
    """The report for ``rows`` (LabelledRow, or raw dicts matched on their plain points)."""
    from scoring import embedder
    from scoring.matcher import analyse_rubric

    rows = [resolve(r, {}) if isinstance(r, dict) else r for r in rows]
    encoder = encoder or embedder.get_encoder()
    analyse_rubric("warm-up: load the model and the classifier.", ["a warm-up point"], encoder=encoder,
                   classifier=classifier)
    pairs, cold, warm, errors = [], [], [], []
    by_source: dict[str, list] = defaultdict(list)
    by_quality: dict[str, list] = defaultdict(list)
    evidence_hits = evidence_checked = main_hits = quotes = quotes_inside = two_quotes = 0
    for row in rows:
        start = time.perf_counter()
        matches = _match(row, encoder, classifier)
        cold.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        _match(row, encoder, classifier)
        warm.append((time.perf_counter() - start) * 1000)
        for j in row.labelled:
            m = matches[j]
            truth, guess = int(j in row.covered), int(m.covered)
            pairs.append((truth, guess))
            by_source[row.source].append((truth, guess))
            if row.quality:
                by_quality[str(row.quality)].append((truth, guess))
            if truth and guess and j in row.evidence:
                quoted = m.spans  # every quoted span in text order, the main one among them
                inside = [_overlaps(span, row.evidence[j]) for span in quoted]
                evidence_checked += 1
                evidence_hits += any(inside)
                main_hits += _overlaps(m.span, row.evidence[j])
                quotes += len(quoted)
                quotes_inside += sum(inside)
                two_quotes += len(quoted) > 1
            if truth != guess:
                errors.append({"question_id": row.question_id, "text": row.text, "point": _point_label(row, j),
                               "truth": truth, "probability": m.probability, "evidence": m.evidence,
                               "reason": m.reason, "quality": row.quality})
    p50, p95 = _percentiles(cold)
    p50_cached, p95_cached = _percentiles(warm)
    weak = by_quality.get("weak", [])
    report = {
        **{k: v for k, v in _prf(pairs).items() if k != "n_pairs"},
        "n_pairs": len(pairs), "n_rows": len(rows), "positives": int(sum(t for t, _ in pairs)),
        "product_path_rows": sum(r.product_path for r in rows),
        "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
        "p50_ms_cached": round(p50_cached, 2), "p95_ms_cached": round(p95_cached, 2),
        "by_source": {s: _prf(v) for s, v in sorted(by_source.items())},
        "by_quality": {q: _prf(v) for q, v in sorted(by_quality.items())},
        "weak_credit_share": round(sum(g for _, g in weak) / len(weak), 4) if weak else None,
        "weak_labelled_share": round(sum(t for t, _ in weak) / len(weak), 4) if weak else None,
        "evidence_accuracy": round(evidence_hits / evidence_checked, 4) if evidence_checked else None,
        "evidence_checked": evidence_checked,
        # the same with the main quote alone; how many points quote two places; the share of quotes that are evidence
        "evidence_accuracy_main_quote": round(main_hits / evidence_checked, 4) if evidence_checked else None,
        "evidence_two_quotes_share": round(two_quotes / evidence_checked, 4) if evidence_checked else None,
        "evidence_quote_precision": round(quotes_inside / quotes, 4) if quotes else None,
        "embedder": getattr(encoder, "name", type(encoder).__name__),
    }
    return {**report, "errors": errors}


def agreement_with_interviewers(url: str | None = None, *, encoder=None, classifier=None) -> dict:
    """How the matcher does on the interviewers' stored decisions, now and when they were made."""
    from scoring.feedback import read_decisions
    from scoring.labelled import bank_questions

    decided = read_decisions(url)
    if not decided:
        return {"decisions": 0, "note": "no stored interviewer decisions yet"}
    questions = bank_questions()
    rows = [resolve(r, questions) for r in decided]
    report = evaluate(rows, encoder=encoder, classifier=classifier)
    then = [(int(i in r["covered"]), int(i in r["model_covered"])) for r in decided for i in range(len(r["points"]))]
    n = report["n_pairs"]
    return {"decisions": n, "texts": len(decided),
            "agreement_now": round(1 - len(report["errors"]) / n, 4) if n else None,
            "agreement_when_decided": round(sum(t == g for t, g in then) / len(then), 4) if then else None,
            "overrides_when_decided": sum(t != g for t, g in then),
            "precision": report["precision"], "recall": report["recall"], "f1": report["f1"]}


def plain_cosine_baseline(rows: list, *, encoder=None) -> dict:
    """What the issue started from: best cosine between a clause of the text and the point, thresholded.

    The threshold maximises F1 on the project's train and dev questions, never on ``rows``.
    """
    from scoring import embedder
    from scoring.segment import split_clauses
    from scoring.train import TRAIN_FILES, load_rows

    encoder = encoder or embedder.get_encoder()

    def best_cosines(batch: list[LabelledRow]) -> tuple[np.ndarray, np.ndarray]:
        scores, truth = [], []
        for row in batch:
            sentences = [c.text for c in split_clauses(row.text)]
            texts = [_point_label(row, j) for j in row.labelled]
            sims = (encoder.encode(sentences) @ encoder.encode(texts).T) if sentences else None
            for k, j in enumerate(row.labelled):
                scores.append(float(sims[:, k].max()) if sims is not None else 0.0)
                truth.append(int(j in row.covered))
        return np.array(scores), np.array(truth)

    tune = [resolve(r, {}) for path in TRAIN_FILES for r in load_rows(path)]
    tune_scores, tune_truth = best_cosines(tune)
    threshold = max(np.unique(tune_scores), key=lambda t: f1_score(tune_truth, (tune_scores >= t).astype(int))[2])
    scores, truth = best_cosines(rows)
    precision, recall, f1 = f1_score(truth, (scores >= threshold).astype(int))
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "threshold": round(float(threshold), 4)}


def _print_table(report: dict, errors: list[dict], show_errors: bool) -> None:
    print(f"pairs {report['n_pairs']}  precision {report['precision']:.3f}  recall {report['recall']:.3f}  "
          f"F1 {report['f1']:.3f}  latency p50 {report['p50_ms']:.1f} ms  p95 {report['p95_ms']:.1f} ms")
    for quality, r in report["by_quality"].items():
        print(f"  {quality:8s} F1 {r['f1']:.3f} ({r['n_pairs']} pairs)")
    if report["weak_credit_share"] is not None:
        print(f"  points credited on weak answers {report['weak_credit_share']:.1%} "
              f"(labelled covered: {report['weak_labelled_share']:.1%})")
    if report["evidence_accuracy"] is not None:
        print(f"  evidence accuracy {report['evidence_accuracy']:.1%} of {report['evidence_checked']} true positives")
    for e in errors if show_errors else []:
        print(f"  {'MISSED' if e['truth'] else 'FALSE '} p={e['probability']:.2f} {e['point'][:60]!r} <- "
              f"{e['evidence'][:60]!r} {e['reason'] or ''}")


def _load_model(path: Path | None):
    from scoring.classifier import ModelError, load_classifier

    if path is None:
        return None
    try:
        return load_classifier(path)
    except (ModelError, OSError, ValueError, KeyError) as exc:
        raise RowsError(f"cannot read the classifier {path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?", help="labelled rows, one JSON object per line")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default is a short table)")
    parser.add_argument("--errors", action="store_true", help="also list the misclassified pairs")
    parser.add_argument("--plain", action="store_true", help="match the rows' point strings, never the bank's rubric")
    parser.add_argument("--baseline", action="store_true",
                        help="also score plain cosine similarity (threshold fitted on the train and dev questions)")
    parser.add_argument("--model", type=Path, default=None,
                        help="classifier JSON to score (default: the shipped scoring/data/matcher_model.json)")
    parser.add_argument("--decisions", nargs="?", const="", default=None, metavar="URL",
                        help="report agreement with the interviewers' stored decisions (default: the app's database)")
    args = parser.parse_args(argv)
    if args.file is None and args.decisions is None:
        parser.error("give a FILE of labelled rows, or --decisions")
    try:
        report: dict = {}
        errors: list[dict] = []
        classifier = _load_model(args.model)
        if args.file is not None:
            rows = load_labelled([args.file], use_bank=not args.plain)
            report = evaluate(rows, classifier=classifier)
            errors = report.pop("errors")
            if args.baseline:
                report["plain_cosine"] = plain_cosine_baseline(rows)
        if args.decisions is not None:
            from scoring.feedback import FeedbackError

            try:
                report["interviewers"] = agreement_with_interviewers(args.decisions or None, classifier=classifier)
            except FeedbackError as exc:
                raise RowsError(str(exc)) from exc
    except RowsError as exc:
        print(f"scoring.evaluate: {exc}", file=sys.stderr)
        return 2
    if args.errors:
        report["errors"] = errors
    if args.json:
        print(json.dumps(report))
        return 0
    if args.file is not None:
        _print_table(report, errors, args.errors)
    if "interviewers" in report:
        print("interviewer decisions:", json.dumps(report["interviewers"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
