"""Check the matcher's evidence features on public short-answer grading data that nobody in this project wrote.

    python -m scoring.asag [--data ../shared/benchmarks/asag] [--json]

- SciEntsBank (SemEval-2013 Task 7, 2-way): the reference answer is the one rubric point. A logistic regression on
  the matcher's features is fitted on the ``train`` split only and scored (macro-F1) on each test split. For
  test-unseen-answers the question was seen in training, so the features also compare the answer with the train
  answers to the same question (nearest correct vs nearest incorrect); the unseen-question and unseen-domain splits
  use a model fitted without those features.
- Mohler (ACL 2011), the 2,273 answers used in the literature: Pearson r between the grade and (a) the SciEntsBank
  model's probability, with no Mohler data used to fit, and (b) a ridge regression on the same features fitted by
  12-fold leave-one-assignment-out cross-validation, the convention in published work.

The data stays where it is (by default ``../shared/benchmarks/asag`` next to the repository); nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from scoring.embedder import BACKENDS
from scoring.features import FEATURES
from scoring.glossary import get_glossary
from settings import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "asag"
SEMEVAL_FILE = "semeval2013_sciEntsBank_2way.jsonl"
MOHLER_FILE = "mohler.jsonl"
TEST_SPLITS = ("test-unseen-answers", "test-unseen-questions", "test-unseen-domains")
GENERIC = (*FEATURES, "cos_whole", "cos_question", "lex_new", "lex_precision", "length_ratio", "cos_demoted",
           "lex_new_precision", "ref_clause_recall", "rubric_coverage")
NEIGHBOUR = ("nn_correct", "nn_incorrect", "nn_gap", "nn_top3_gap", "nn_vote")


def _read(path: Path) -> list[dict]:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; pass --data with the folder holding the ASAG files")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _recall(groups, terms) -> float:
    return sum(1 for g in groups if g & terms) / len(groups) if groups else 0.0


def _demote(text: str, question: str) -> str:
    """The text without the words it shares with the question (Sultan et al.'s question demoting)."""
    glossary = get_glossary()
    q_terms = glossary.text_terms(question)
    kept = [t.text for t in glossary.tokens(text) if not set(t.terms) & q_terms]
    return glossary.expand(" ".join(kept)) if kept else ""


def generic_features(rows: list[dict], encoder) -> tuple[np.ndarray, np.ndarray]:
    """Matcher features (reference answer as the one point) plus whole-answer and question-aware ones.

    Returns the features and the whole-answer embeddings (reused for the neighbour features).
    """
    from scoring.matcher import analyse_rubric, featurise
    from scoring.segment import split_clauses

    glossary = get_glossary()
    answers = encoder.encode([glossary.expand(r["answer"]) for r in rows])
    refs = encoder.encode([glossary.expand(r["reference_answer"]) for r in rows])
    questions = encoder.encode([glossary.expand(r["question"]) for r in rows])
    demoted_answers = encoder.encode([_demote(r["answer"], r["question"]) for r in rows])
    demoted_refs = encoder.encode([_demote(r["reference_answer"], r["question"]) for r in rows])
    out = np.zeros((len(rows), len(GENERIC)), dtype=np.float64)
    for i, row in enumerate(rows):
        base = featurise(row["answer"], [row["reference_answer"]], encoder=encoder)[0]
        ref_groups = glossary.content_groups(row["reference_answer"])
        q_terms = glossary.text_terms(row["question"])
        a_terms = glossary.text_terms(row["answer"])
        new_groups = [g for g in ref_groups if not g & q_terms] or ref_groups
        a_groups = glossary.content_groups(row["answer"])
        new_a_groups = [g for g in a_groups if not g & q_terms]
        ref_terms = glossary.text_terms(row["reference_answer"])
        ref_clauses = [c.text for c in split_clauses(row["reference_answer"])] or [row["reference_answer"]]
        answer_clauses = [glossary.expand(c.text) for c in split_clauses(row["answer"])]
        if answer_clauses:
            sims = encoder.encode([glossary.expand(t) for t in ref_clauses]) @ encoder.encode(answer_clauses).T
            clause_recall = float(sims.max(axis=1).mean())
        else:
            clause_recall = 0.0
        coverage = analyse_rubric(row["answer"], ref_clauses, encoder=encoder).matches
        out[i] = (*base, float(answers[i] @ refs[i]), float(answers[i] @ questions[i]), _recall(new_groups, a_terms),
                  _recall(a_groups, ref_terms), np.log((len(row["answer"]) + 1) / (len(row["reference_answer"]) + 1)),
                  float(demoted_answers[i] @ demoted_refs[i]), _recall(new_a_groups, ref_terms), clause_recall,
                  float(np.mean([m.probability for m in coverage])))
    return out, answers


def neighbour_features(rows: list[dict], vecs: np.ndarray, train_rows: list[dict], train_vecs: np.ndarray,
                       *, same_set: bool) -> np.ndarray:
    """Nearest correct / incorrect train answers to the same question (leave-one-out when ``same_set``)."""
    by_question: dict[str, list[int]] = defaultdict(list)
    for k, row in enumerate(train_rows):
        by_question[row["question_id"]].append(k)
    out = np.zeros((len(rows), len(NEIGHBOUR)))
    for i, row in enumerate(rows):
        idx = [k for k in by_question.get(row["question_id"], []) if not (same_set and k == i)]
        sims = train_vecs[idx] @ vecs[i] if idx else np.zeros(0)
        good = np.array([train_rows[k]["score"] >= 0.5 for k in idx], dtype=bool)
        best_good = float(sims[good].max()) if good.any() else 0.0
        best_bad = float(sims[~good].max()) if (~good).any() else 0.0
        top_good = float(np.sort(sims[good])[-3:].mean()) if good.any() else 0.0
        top_bad = float(np.sort(sims[~good])[-3:].mean()) if (~good).any() else 0.0
        weights = np.exp((sims - sims.max()) * 20) if len(sims) else np.zeros(0)
        vote = float((weights * good).sum() / weights.sum()) if len(sims) else 0.5
        out[i] = (best_good, best_bad, best_good - best_bad, top_good - top_bad, vote)
    return out


def _macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro"))


def _fit_classifier(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    model = make_pipeline(StandardScaler(), PolynomialFeatures(degree=2, include_bias=False), StandardScaler(),
                          LogisticRegression(C=0.05, max_iter=5000))
    return model.fit(x, y)


def run_semeval(data: Path, encoder) -> tuple[dict, object]:
    rows = _read(data / SEMEVAL_FILE)
    train = [r for r in rows if r["split"] == "train"]
    y_train = np.array([int(r["score"] >= 0.5) for r in train])
    x_train, v_train = generic_features(train, encoder)
    nn_train = neighbour_features(train, v_train, train, v_train, same_set=True)
    generic_model = _fit_classifier(x_train, y_train)
    seen_model = _fit_classifier(np.hstack([x_train, nn_train]), y_train)
    report = {}
    for split in TEST_SPLITS:
        test = [r for r in rows if r["split"] == split]
        y = np.array([int(r["score"] >= 0.5) for r in test])
        x, v = generic_features(test, encoder)
        cosine = x[:, GENERIC.index("cos_whole")]
        seen = split == "test-unseen-answers"
        if seen:
            prob = seen_model.predict_proba(np.hstack([x, neighbour_features(test, v, train, v_train,
                                                                              same_set=False)]))[:, 1]
        else:
            prob = generic_model.predict_proba(x)[:, 1]
        pred = (prob >= 0.5).astype(int)
        threshold = _best_threshold(x_train[:, GENERIC.index("cos_whole")], y_train)
        report[split] = {"n": len(test), "macro_f1": round(_macro_f1(y, pred), 4),
                         "accuracy": round(float((pred == y).mean()), 4),
                         "plain_cosine_macro_f1": round(_macro_f1(y, (cosine >= threshold).astype(int)), 4),
                         "uses_train_answers_to_same_question": seen}
    return report, generic_model


def _best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    candidates = np.quantile(scores, np.linspace(0.05, 0.95, 91))
    return float(max(candidates, key=lambda t: _macro_f1(y, (scores >= t).astype(int))))


def run_mohler(data: Path, encoder, semeval_model) -> dict:
    from scipy.stats import pearsonr
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    rows = [r for r in _read(data / MOHLER_FILE) if not r.get("excluded_in_published_work")]
    y = np.array([float(r["score"]) for r in rows])
    x, _ = generic_features(rows, encoder)
    assignment = np.array([r["question_id"].split(".")[0] for r in rows])
    cross = np.zeros(len(rows))
    for a in sorted(set(assignment.tolist())):
        held = assignment == a
        model = make_pipeline(StandardScaler(), PolynomialFeatures(degree=2, include_bias=False), StandardScaler(),
                              Ridge(alpha=300.0)).fit(x[~held], y[~held])
        cross[held] = model.predict(x[held])
    zero_shot = semeval_model.predict_proba(x)[:, 1]
    return {"n": len(rows),
            "pearson_r_cross_validated": round(float(pearsonr(cross, y)[0]), 4),
            "pearson_r_semeval_model": round(float(pearsonr(zero_shot, y)[0]), 4),
            "pearson_r_plain_cosine": round(float(pearsonr(x[:, GENERIC.index("cos_whole")], y)[0]), 4),
            "pearson_r_rubric_matcher": round(float(pearsonr(x[:, GENERIC.index("rubric_coverage")], y)[0]), 4),
            "folds": int(len(set(assignment.tolist())))}


class _DiskCache:
    """Keep the encodings of the benchmark texts (sentence and content-token vectors) under <cache_dir>/asag/ so
    that a second run skips the model."""

    def __init__(self, encoder, folder: Path) -> None:
        self.inner, self.dim, self.name = encoder, encoder.dim, getattr(encoder, "name", "encoder")
        # keyed by the export's digest too, so a rebuilt or different encoder never reads another one's vectors
        self.path = folder / f"embeddings-{self.name}-{getattr(encoder, 'version', 'unknown')}.npz"
        self.rows: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self.dirty = False
        self.gives_tokens = hasattr(encoder, "encode_with_tokens")
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as data:
                if "token_counts" in data or not self.gives_tokens:  # a file from before token vectors is redone
                    tokens = np.split(data["tokens"], np.cumsum(data["token_counts"])[:-1]) \
                        if "token_counts" in data else [None] * len(data["texts"])
                    self.rows = dict(zip(data["texts"].tolist(), zip(data["vectors"], tokens), strict=True))

    def encode_with_tokens(self, texts) -> tuple[np.ndarray, list[np.ndarray] | None]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.rows))
        if missing:
            if self.gives_tokens:
                vectors, tokens = self.inner.encode_with_tokens(missing)
                tokens = [np.asarray(t, dtype=np.float16) for t in tokens]
            else:
                vectors, tokens = self.inner.encode(missing), [None] * len(missing)
            self.rows.update(zip(missing, zip(vectors, tokens), strict=True))
            self.dirty = True
        if not len(texts):
            return np.zeros((0, self.dim), np.float32), ([] if self.gives_tokens else None)
        return np.stack([self.rows[t][0] for t in texts]), \
            ([self.rows[t][1] for t in texts] if self.gives_tokens else None)

    def encode(self, texts):
        return self.encode_with_tokens(texts)[0]

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            texts = list(self.rows)
            extra = {}
            if self.gives_tokens:
                extra = {"tokens": np.vstack([self.rows[t][1] for t in texts]).astype(np.float16),  # half the disk
                         "token_counts": np.array([len(self.rows[t][1]) for t in texts])}
            np.savez(self.path, texts=np.array(texts), vectors=np.stack([self.rows[t][0] for t in texts]), **extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.asag", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"folder with the ASAG files ({DEFAULT_DATA})")
    parser.add_argument("--backend", default="auto", choices=list(BACKENDS),
                        help="embedding back end (default auto: the one the app uses, which the matcher was fitted on)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    from scoring.embedder import load_encoder
    from settings import get_settings

    from scoring.adapter import adapt

    encoder = _DiskCache(adapt(load_encoder(args.backend)), get_settings().cache_dir / "asag")
    start = time.perf_counter()
    try:
        semeval, semeval_model = run_semeval(args.data, encoder)
        mohler = run_mohler(args.data, encoder, semeval_model)
    except FileNotFoundError as exc:
        print(f"scoring.asag: {exc}", file=sys.stderr)
        return 2
    finally:
        encoder.save()
    report = {"scientsbank_2way": semeval, "mohler": mohler, "embedder": encoder.name,
              "seconds": round(time.perf_counter() - start, 1)}
    if args.json:
        print(json.dumps(report))
    else:
        for split, r in semeval.items():
            print(f"SciEntsBank {split:22s} macro-F1 {r['macro_f1']:.3f}  (plain cosine {r['plain_cosine_macro_f1']:.3f})")
        print(f"Mohler Pearson r {mohler['pearson_r_cross_validated']:.3f} (12-fold CV), "
              f"{mohler['pearson_r_semeval_model']:.3f} (SciEntsBank model), "
              f"{mohler['pearson_r_rubric_matcher']:.3f} (project matcher, reference clauses as rubric), "
              f"{mohler['pearson_r_plain_cosine']:.3f} (plain cosine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
