"""Evidence features for (text, rubric point) pairs: semantic (cosine on clause embeddings) and lexical
(glossary-normalised term recall), each split by whether the clause is clean, negated or a name-drop.

Pure functions on arrays: the embedding model is not called here, so tests can feed hand-built vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.cues import ClauseCues

FEATURES: tuple[str, ...] = (
    "cos_clean",  # best cosine between the point and a clean clause
    "cos_pair",  # best cosine with two adjacent clean clauses taken together
    "cos_sentence",  # best cosine with the clean clauses of one sentence taken together
    "cos_text",  # cosine with the whole clean text
    "lex_clean",  # best share of the point's content words found in one clean clause
    "lex_sentence",  # ... in one sentence's clean clauses
    "lex_text",  # ... anywhere in the clean text
    "cos_x_lex",  # cos_clean * lex_sentence: both kinds of evidence in the same place
    "margin",  # how much better the best clause fits this point than the other points of the rubric
    "point_terms",  # log(1 + content words in the point)
    "cos_example",  # best cosine between a clean clause and the point or one of its "listen for" examples
    "lex_example",  # best share of the content words of the point or of one example found in one clean clause
    "rubric_mean",  # mean of cos_example over the whole rubric: how much of the rubric the text engages with at all
)
# A point without examples has cos_example == cos_clean and lex_example == lex_clean.
LEXICAL_RELEVANCE = 0.5  # where the evidence lies: the clause maximising cosine + this * share of the point's words
# Negated and name-drop clauses (and hedged or misstated ones, which count as name-drops here) never count as evidence: they are masked out of every feature, and how close they
# came is deliberately not an input, so that no learned weight can turn "never checked X" into evidence for X.
# The matcher asks the counterfactual instead (trust_negated / trust_name_drops) to explain a rejection.


@dataclass(frozen=True)
class Evidence:
    """Where the best evidence for one point lies, for each kind of clause (indices into the clause list)."""

    clean: int | None
    clean_pair: bool  # the best clean evidence is the clause with its successor
    negated: int | None
    name_drop: int | None


def _recall(groups: Sequence[frozenset[str]], terms: frozenset[str] | set[str]) -> float:
    if not groups:
        return 0.0
    return sum(1 for g in groups if g & terms) / len(groups)


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def _masked_max(values: np.ndarray, mask: np.ndarray) -> tuple[float, int | None]:
    if not mask.any():
        return 0.0, None
    masked = np.where(mask, values, -np.inf)
    i = int(np.argmax(masked))
    return float(values[i]), i


@dataclass(frozen=True)
class PointExamples:
    """A rubric point's "listen for" examples: their unit vectors (k, dim) and content groups."""

    vecs: np.ndarray
    groups: tuple[tuple[frozenset[str], ...], ...]


def _example_evidence(clause_vecs: np.ndarray, terms: Sequence[frozenset[str]],
                      examples: PointExamples | None) -> tuple[np.ndarray, np.ndarray]:
    """Per clause: the best cosine to any example and the best share of one example's content words."""
    n = len(terms)
    if examples is None or not len(examples.groups):
        return np.full(n, -1.0), np.zeros(n)
    sims = (clause_vecs @ examples.vecs.T).max(axis=1)
    usable = [g for g in examples.groups if len(g) >= 2] or [()]  # one shared word is no evidence
    lex = np.array([max(_recall(g, t) for g in usable) for t in terms])
    return sims, lex


def compute_features(
    cues: Sequence[ClauseCues],
    clause_vecs: np.ndarray,
    point_groups: Sequence[Sequence[frozenset[str]]],
    point_vecs: np.ndarray,
    *,
    trust_negated: bool = False,
    trust_name_drops: bool = False,
    examples: Sequence[PointExamples] | None = None,
) -> tuple[np.ndarray, list[Evidence]]:
    """Features (n_points, len(FEATURES)) and the evidence location of each point.

    ``trust_negated`` / ``trust_name_drops`` treat those clauses as clean: the matcher uses the counterfactual to say
    that a point would have counted but for a negation or a name-drop. ``examples`` holds each point's example
    phrasings (their vectors and content groups), or None for no examples at all.
    """
    n_points, n_clauses = len(point_groups), len(cues)
    feats = np.zeros((n_points, len(FEATURES)), dtype=np.float32)
    evidence: list[Evidence] = []
    if n_points == 0:
        return feats, evidence
    if n_clauses == 0:
        feats[:, FEATURES.index("point_terms")] = [np.log1p(len(g)) for g in point_groups]
        feats[:, FEATURES.index("lex_example")] = 0.0
        return feats, [Evidence(None, False, None, None) for _ in range(n_points)]

    negated = np.array([c.negated and not trust_negated for c in cues])
    dropped = np.array([c.unreliable and not trust_name_drops for c in cues]) & ~negated
    clean = ~negated & ~dropped
    sims = clause_vecs @ point_vecs.T  # (n_clauses, n_points)

    pair_ok = clean[:-1] & clean[1:]
    pair_sims = _normalise(clause_vecs[:-1] + clause_vecs[1:]) @ point_vecs.T if n_clauses > 1 else None
    terms = [c.terms | (c.negated_terms if trust_negated else frozenset()) for c in cues]
    sentences = sorted({c.clause.sentence for c in cues})
    sent_index = np.array([c.clause.sentence for c in cues])
    sent_vecs, sent_terms = [], []
    for s in sentences:
        members = (sent_index == s) & clean
        sent_vecs.append(clause_vecs[members].sum(axis=0) if members.any() else np.zeros(clause_vecs.shape[1]))
        sent_terms.append(frozenset().union(*[terms[i] for i in np.flatnonzero(members)]))
    sent_sims = _normalise(np.array(sent_vecs)) @ point_vecs.T
    text_vec = clause_vecs[clean].sum(axis=0) if clean.any() else np.zeros(clause_vecs.shape[1])
    text_sims = _normalise(text_vec[None, :]) @ point_vecs.T
    all_terms = frozenset().union(*[t for t, ok in zip(terms, clean, strict=True) if ok])

    for j, groups in enumerate(point_groups):
        lex = np.array([_recall(groups, t) for t in terms])
        example_sims, example_lex = _example_evidence(clause_vecs, terms, examples[j] if examples else None)
        best_sims, best_lex = np.maximum(sims[:, j], example_sims), np.maximum(lex, example_lex)
        relevance = best_sims + LEXICAL_RELEVANCE * best_lex
        cos_clean, _ = _masked_max(sims[:, j], clean)
        cos_example, _ = _masked_max(best_sims, clean)
        lex_example, _ = _masked_max(best_lex, clean)
        _, best = _masked_max(relevance, clean)
        cos_pair, best_pair = (0.0, None) if pair_sims is None else _masked_max(pair_sims[:, j], pair_ok)
        lex_clean, _ = _masked_max(lex, clean)
        lex_sentence = max(_recall(groups, t) for t in sent_terms)
        _, neg_best = _masked_max(relevance, negated)
        _, drop_best = _masked_max(relevance, dropped)
        margin = 0.0
        if best is not None and n_points > 1:
            others = np.delete(sims[best], j)
            margin = float(sims[best, j] - others.max())
        use_pair = best_pair is not None and best is not None and cos_pair > sims[best, j] + 0.05 and \
            best_pair in (best, best - 1)
        feats[j] = (
            cos_clean, max(cos_pair, cos_clean), float(sent_sims[:, j].max()), float(text_sims[0, j]),
            lex_clean, lex_sentence, _recall(groups, all_terms), cos_clean * lex_sentence, margin,
            np.log1p(len(groups)), cos_example, lex_example, 0.0,
        )
        start = best_pair if use_pair else best
        evidence.append(Evidence(start, bool(use_pair), neg_best, drop_best))
    feats[:, FEATURES.index("rubric_mean")] = feats[:, FEATURES.index("cos_example")].mean()
    return feats, evidence
