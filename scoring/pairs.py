"""(clause, rubric point, label) pairs for training the matcher's embedding adapter (scoring.adapter).

- the project's labelled train splits (scoring/data/labelled_train.jsonl, and blind_train.jsonl when present): for a
  covered point, the clause inside the labelled evidence span (or, without one, the clause the encoder finds
  closest) is a positive; for an uncovered point, the closest clause is a hard negative;
- the bank's "listen for" examples: each is a positive for its own point (questions of any test split left out);
- SciEntsBank's train split, read where it lies and never copied (skipped when absent): a correct answer is a
  positive for its reference answer, an incorrect one a negative (transfer: telling "covers" from "contradicts").

Dev and test splits are never read. Deterministic: a fixed seed picks the SciEntsBank sample.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scoring.labelled import overlaps
from scoring.train import DATA_DIR, held_out_questions, load_rows

PROJECT_TRAIN = (DATA_DIR / "labelled_train.jsonl", DATA_DIR / "blind_train.jsonl")
SEED = 13

Pair = tuple[str, str, int]


def _best_clause(clauses, sims: np.ndarray, j: int, spans) -> int:
    """The clause closest to point ``j``, among those inside the labelled evidence spans when there are any."""
    if spans:
        inside = [k for k, c in enumerate(clauses) if overlaps(c.start, c.end, spans)]
        if inside:
            return max(inside, key=lambda k: sims[k, j])
    return int(np.argmax(sims[:, j]))


def project_pairs(encode: Callable, files: tuple[Path, ...] = PROJECT_TRAIN) -> list[Pair]:
    """Pairs from the labelled train files; ``encode`` (texts -> unit rows) picks clauses where no span is given."""
    from scoring.glossary import get_glossary
    from scoring.labelled import resolve
    from scoring.segment import split_clauses

    glossary = get_glossary()
    held_out = held_out_questions()
    pairs: list[Pair] = []
    for path in files:
        if not path.exists():
            continue
        for row in load_rows(path):
            if row.get("split") not in (None, "train") or row.get("question_id") in held_out:
                continue
            clauses = split_clauses(row["text"])
            if not clauses:
                continue
            texts = [glossary.expand(c.text) for c in clauses]
            points = [glossary.expand(p) for p in row["points"]]
            sims = encode(texts) @ encode(points).T
            spans = resolve(row, {}).evidence
            for j, point in enumerate(points):
                covered = j in row.get("covered", [])
                best = _best_clause(clauses, sims, j, spans.get(j) if covered else None)
                pairs.append((texts[best], point, int(covered)))
    return pairs


def example_pairs() -> list[Pair]:
    """Each bank point's examples as positives for it; questions of the test splits are left out."""
    from scoring.glossary import get_glossary
    from scoring.labelled import bank_questions

    glossary = get_glossary()
    held_out = held_out_questions()
    return [(glossary.expand(e), glossary.expand(p.text), 1)
            for qid, q in bank_questions().items() if qid not in held_out
            for p in q.rubric for e in getattr(p, "examples", ())]


def scientsbank_pairs(data: Path, limit: int) -> list[Pair]:
    """A seeded sample of SciEntsBank train answers against their reference answers."""
    from scoring.asag import SEMEVAL_FILE
    from scoring.glossary import get_glossary

    path = data / SEMEVAL_FILE
    if not path.exists():
        print(f"scoring.pairs: {path.name} not found; training without SciEntsBank", file=sys.stderr)
        return []
    glossary = get_glossary()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(glossary.expand(r["answer"]), glossary.expand(r["reference_answer"]), int(r["score"] >= 0.5))
             for r in rows if r["split"] == "train" and r["answer"].strip()]
    return random.Random(SEED).sample(pairs, min(limit, len(pairs)))
