"""Evidence features for (text, rubric point) pairs: semantic (cosine on clause embeddings) and lexical
(glossary-normalised term recall), each split by whether the clause is clean, negated or a name-drop.

Pure functions on arrays: the embedding model is not called here, so tests can feed hand-built vectors.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

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
    "lex_novel",  # best share, in one clean clause, of the point's content words that the question itself does not use
    "novelty",  # share of the evidence clause's own terms that are not the question's: more than an echo of the prompt
    "tok_text",  # token alignment: the point's content tokens, each matched to its closest token of the clean text
)
# Question demoting (Mohler et al. 2011; Sultan et al. 2016): a weak answer that repeats the question's words ("the
# Orin has a powerful GPU, 16 GB is a lot of memory") shares them with the rubric too; the last two features read only
# what the answer adds to the question. Without a question both fall back to the plain figures (lex_clean, 1.0).
# A point without examples has cos_example == cos_clean and lex_example == lex_clean.
# tok_text is BERTScore's recall (Zhang et al. 2020) over the contextual token vectors of the same encoder pass: the
# mean, over the point's content tokens (or one example's), of the best cosine to any token of a clean clause. It
# credits a point whose parts are said in different clauses, or in other words, where one sentence vector dilutes
# them. Without token vectors (an encoder that gives none) it falls back to cos_example, a clause taken as one token.
LEXICAL_RELEVANCE = 0.5  # where the evidence lies: the clause maximising cosine + this * share of the point's words
# Negated and name-drop clauses (and hedged or misstated ones, which count as name-drops here) never count as evidence: they are masked out of every feature, and how close they
# came is deliberately not an input, so that no learned weight can turn "never checked X" into evidence for X.
# The matcher asks the counterfactual instead (trust_negated / trust_name_drops) to explain a rejection.


LOCATOR_INPUTS: tuple[str, ...] = (
    "cos_point",  # cosine between the clause and the point
    "cos_example",  # ... and the closest of the point's "listen for" examples (-1 without examples)
    "cos_best",  # the larger of the two
    "lex_point",  # share of the point's content words in the clause
    "lex_example",  # best share of one example's content words in the clause
    "lex_novel",  # share of the point's words that the question does not use, found in the clause
    "gap_cos",  # cos_best minus the best cos_best of any clean clause (0 for the closest clause)
    "gap_lex",  # the same for the larger lexical share
    "margin",  # how much better the clause fits this point than any other point of the rubric
    "clause_terms",  # log(1 + terms in the clause)
    "novelty",  # share of the clause's terms that the question does not use
    "tok_clause",  # token alignment of the point to the clause (BERTScore recall; cos_best without token vectors)
)


LOCATOR_EVIDENCE = 0.5  # a second clause is quoted too when the locator's probability that it is evidence is this


@dataclass(frozen=True)
class Locator:
    """Which clean clauses hold a point's evidence: a logistic regression over LOCATOR_INPUTS, fitted by scoring.train
    on the labelled evidence spans. The clause it rates highest is quoted, and a second one when the locator judges
    that one evidence too (a point with two parts said in two places). It only moves the evidence shown; the
    features (and so coverage) never use it."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float | None = None  # None: a model file from before the intercept was kept, which quotes one clause only

    def score(self, inputs: np.ndarray) -> np.ndarray:
        return ((inputs - self.mean) / self.scale) @ self.coef + (self.bias or 0.0)

    def probability(self, inputs: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.score(inputs), -40, 40)))


@dataclass(frozen=True)
class Evidence:
    """Where the best evidence for one point lies, for each kind of clause (indices into the clause list)."""

    clean: int | None
    clean_pair: bool  # the best clean evidence is the clause with its successor
    negated: int | None
    name_drop: int | None
    also: int | None = None  # a second clean clause the locator judges evidence too (never part of the first quote)


COLUMN_CACHE_RUBRICS = 8  # rubrics whose clause columns are kept (a question open in each of a few sessions)
COLUMN_CACHE_CLAUSES = 2048  # clause columns kept per rubric (4 bytes per variant token: about 1 KB each)


class _Columns:
    """One rubric's token rows stacked, and per clause already seen the column of TokenVectors.clause_max, keyed by
    the clause's token array itself: the embedding cache hands back the same array for the same text, so a note
    matched again after an edit computes the columns of the changed clauses only. Weak references check that an
    entry is the array it was made from (an id is reused once its array is gone)."""

    def __init__(self, variants: Sequence[np.ndarray]) -> None:
        self.refs = [weakref.ref(v) for v in variants]
        self.rows = np.vstack(variants).astype(np.float32, copy=False)
        self.columns: OrderedDict[int, tuple[weakref.ref, np.ndarray]] = OrderedDict()

    def holds(self, variants: Sequence[np.ndarray]) -> bool:
        return len(self.refs) == len(variants) and all(r() is v for r, v in zip(self.refs, variants))


_column_caches: OrderedDict[tuple[int, ...], _Columns] = OrderedDict()
_column_lock = threading.Lock()


def _rubric_columns(variants: Sequence[np.ndarray]) -> _Columns:
    key = tuple(id(v) for v in variants)
    with _column_lock:
        found = _column_caches.get(key)
        if found is None or not found.holds(variants):
            found = _column_caches[key] = _Columns(variants)
        _column_caches.move_to_end(key)
        while len(_column_caches) > COLUMN_CACHE_RUBRICS:
            _column_caches.popitem(last=False)
        return found


@dataclass(frozen=True)
class TokenVectors:
    """Content-token vectors (rows L2-normalised) from the encoder pass that gave the sentence vectors: one matrix per
    clause, and per point a tuple of matrices (the point's own tokens, then each example's).

    ``reuse``: keep each clause's column of :attr:`clause_max` for the next match against the same rubric (the
    matcher's arrays come from the embedding cache, the same objects for the same texts). Only the clauses not seen
    before are multiplied then, together; a column computed in another batch can differ from a fresh one in the last
    bits of a float32 (about 1e-7), far below the int8 encoder's own batch effect (scoring.embedder)."""

    clauses: Sequence[np.ndarray]
    points: Sequence[Sequence[np.ndarray]]
    reuse: bool = False

    @cached_property
    def _variants(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the point that owns each non-empty variant, where its tokens start in the stacked rows, how many)."""
        variants = [(j, len(v)) for j, vs in enumerate(self.points) for v in vs if len(v)]
        owners = np.array([j for j, _ in variants], dtype=int)
        sizes = np.array([n for _, n in variants], dtype=int)
        return owners, np.cumsum(np.append(0, sizes[:-1])).astype(int), sizes

    @cached_property
    def token_clauses(self) -> np.ndarray:
        """The clauses that have content tokens, in order (the columns of :attr:`clause_max`)."""
        return np.array([i for i, c in enumerate(self.clauses) if len(c)], dtype=int)

    @cached_property
    def clause_max(self) -> np.ndarray:
        """Per variant token (rows) and clause with tokens (columns): the best cosine to any token of the clause;
        computed once per match, whichever clauses each pass reads as clean."""
        rows = [v for vs in self.points for v in vs if len(v)]
        cols = [self.clauses[i] for i in self.token_clauses]
        if not rows or not cols:
            return np.zeros((sum(len(r) for r in rows), len(cols)), dtype=np.float32)
        if not self.reuse:
            return _column_max(np.vstack(rows).astype(np.float32, copy=False), cols)
        rubric = _rubric_columns(rows)
        with _column_lock:
            found = {id(c): entry[1] for c in cols
                     if (entry := rubric.columns.get(id(c))) is not None and entry[0]() is c}
        missing = list({id(c): c for c in cols if id(c) not in found}.values())
        if missing:
            fresh = _column_max(rubric.rows, missing)
            with _column_lock:
                for k, c in enumerate(missing):
                    found[id(c)] = column = np.ascontiguousarray(fresh[:, k])  # not a view holding all of fresh
                    rubric.columns[id(c)] = (weakref.ref(c), column)
                    rubric.columns.move_to_end(id(c))
                while len(rubric.columns) > COLUMN_CACHE_CLAUSES:
                    rubric.columns.popitem(last=False)
        return np.stack([found[id(c)] for c in cols], axis=1)


def _column_max(rows: np.ndarray, clauses: Sequence[np.ndarray]) -> np.ndarray:
    """(rows, clauses): each row's best cosine to any token of each clause, from one product."""
    sims = rows @ np.vstack(clauses).astype(np.float32, copy=False).T
    return np.maximum.reduceat(sims, np.cumsum([0] + [len(c) for c in clauses[:-1]]), axis=1)


def _token_alignment(tokens: TokenVectors, clean: np.ndarray,
                     needed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """BERTScore recall of each point against the clean text (n_points,) and against each clause (n_clauses,
    n_points; 0 for a clause that is not clean): for each of the point's variants, the mean over its tokens of the best
    cosine to a token of the text (or of the clause), and the best variant. ``needed`` (a boolean per point): only
    those points (the others read 0)."""
    n_points, n_clauses = len(tokens.points), len(tokens.clauses)
    whole, per_clause = np.zeros(n_points), np.zeros((n_clauses, n_points))
    owners, starts, sizes = tokens._variants
    with_tokens = tokens.token_clauses
    read = clean[with_tokens]  # the clean clauses among those with tokens
    if not len(owners) or not read.any():
        return whole, per_clause
    maxima = tokens.clause_max
    if needed is not None and not needed.all():  # whole variants only, so each variant's sums are the same
        keep = np.asarray(needed, dtype=bool)[owners]
        if not keep.any():
            return whole, per_clause
        maxima = maxima[np.repeat(keep, sizes)]
        owners, sizes = owners[keep], sizes[keep]
        starts = np.cumsum(np.append(0, sizes[:-1])).astype(int)
    maxima, kept = maxima[:, read], with_tokens[read]
    by_variant = np.add.reduceat(maxima, starts, axis=0) / sizes[:, None]
    np.maximum.at(whole, owners, np.add.reduceat(maxima.max(axis=1), starts) / sizes)
    best = np.zeros((n_points, len(kept)))
    np.maximum.at(best, owners, by_variant)
    per_clause[kept] = best.T
    return whole, per_clause


class _Terms:
    """Which rows (clauses, sentences, the whole text) hold which of the rubric's terms, as a boolean matrix, so that a
    point's share of content words found in every row is a product instead of a Python loop over rows."""

    def __init__(self, rows: np.ndarray, index: dict[str, int]) -> None:
        self.rows, self.index = rows, index

    @classmethod
    def of(cls, term_sets: Sequence[frozenset[str]], index: dict[str, int]) -> "_Terms":
        """Rows for ``term_sets`` over the terms of ``index`` (a term outside it can meet no group)."""
        rows = np.zeros((len(term_sets), max(len(index), 1)), dtype=bool)
        for i, terms in enumerate(term_sets):
            rows[i, [index[t] for t in terms if t in index]] = True
        return cls(rows, index)

    def merged(self, members: np.ndarray) -> "_Terms":
        """One row per row of ``members`` (a boolean matrix over these rows): the union of the member rows' terms."""
        return _Terms(members.astype(np.float32) @ self.rows.astype(np.float32) > 0, self.index)

    def hits(self, groups: "_Groups") -> np.ndarray:
        """(rows, groups) 0/1: whether each row holds a term of each synonym group."""
        return (self.rows.astype(np.float32) @ groups.incidence > 0).astype(np.float64)


class _Groups:
    """Synonym groups as columns over a term index, and sets of them (a point's, an example's) as owners: the share of
    a set's groups that meet a row's terms is then ``hits @ owners / sizes``, for every row and set at once, equal to
    ``len([g for g in groups if g & terms]) / len(groups)`` (0 for an empty set)."""

    def __init__(self, sets: Sequence[Sequence[frozenset[str]]], index: dict[str, int]) -> None:
        self.sets = tuple(tuple(groups) for groups in sets)
        flat = [g for groups in self.sets for g in groups]
        self.incidence = np.zeros((max(len(index), 1), max(len(flat), 1)), dtype=np.float32)
        for column, group in enumerate(flat):
            self.incidence[[index[t] for t in group], column] = 1.0
        self._starts = np.cumsum([0] + [len(groups) for groups in self.sets])
        self._owners: dict[tuple | None, tuple[np.ndarray, np.ndarray]] = {}

    def _owned(self, subsets: tuple[tuple[int, ...], ...] | None) -> tuple[np.ndarray, np.ndarray]:
        if subsets not in self._owners:
            owners = np.zeros((self.incidence.shape[1], len(self.sets)))
            sizes = np.zeros(len(self.sets))
            for k in range(len(self.sets)):
                members = range(self._starts[k], self._starts[k + 1]) if subsets is None else \
                    [self._starts[k] + i for i in subsets[k]]
                owners[list(members), k] = 1.0
                sizes[k] = len(members)
            self._owners[subsets] = (owners, np.maximum(sizes, 1.0))  # per rubric: a few entries at most
        return self._owners[subsets]

    def shares(self, hits: np.ndarray, subsets: tuple[tuple[int, ...], ...] | None = None) -> np.ndarray:
        """(rows, sets): each set's share of groups met per row; ``subsets`` keeps only those groups of each set
        (positions within the set)."""
        owners, sizes = self._owned(subsets)
        return (hits @ owners) / sizes


@lru_cache(maxsize=256)
def _vocabulary(point_groups: tuple[tuple[frozenset[str], ...], ...],
                example_groups: tuple[tuple[frozenset[str], ...], ...]) -> tuple[dict[str, int], _Groups, _Groups]:
    """The terms of a rubric's points and examples, indexed, with both kinds of group sets over that index: built once
    per rubric, whatever text is matched against it."""
    index: dict[str, int] = {}
    for groups in (*point_groups, *example_groups):
        for group in groups:
            for term in group:
                index.setdefault(term, len(index))
    return index, _Groups(point_groups, index), _Groups(example_groups, index)


ROW_CACHE_SIZE = 4096  # clauses' word rows kept per rubric and question (a few hundred bytes each)
_row_caches: dict[tuple, tuple[tuple, dict]] = {}  # (id of a vocabulary, novel groups, owners...) -> (it, rows)
_row_lock = threading.Lock()


def _word_rows(terms: Sequence[frozenset[str]], vocabulary: tuple, novel: tuple, demoted: bool,
               owners: Sequence[int], n_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per clause (rows) and point: which of the rubric's terms the clause holds, the point's share of content words
    in it, the question-demoted share, and the best share of one example's words. Each clause's rows are computed
    once per rubric and question, and read again when the note is matched after an edit.

    Every figure is a count of 0/1 hits divided by a group count, so a row is the same whatever rows are computed with
    it: the cache never changes a result."""
    index, groups, by_example = vocabulary
    key = (id(vocabulary), novel, demoted, tuple(owners))  # the entry holds the vocabulary: its id is not reused
    with _row_lock:
        held, cache = _row_caches.get(key, (None, None))
        if held is not vocabulary:
            if len(_row_caches) >= 256:  # as many rubrics as _vocabulary keeps
                _row_caches.clear()
            cache = {}
            _row_caches[key] = (vocabulary, cache)
        missing = list(dict.fromkeys(t for t in terms if t not in cache))
        if missing and len(cache) + len(missing) > ROW_CACHE_SIZE:
            cache.clear()
            missing = list(dict.fromkeys(terms))
        if missing:
            rows = _Terms.of(missing, index)
            hits = rows.hits(groups)
            lex = groups.shares(hits)
            novel_lex = groups.shares(hits, novel) if demoted else lex
            example_lex = _example_shares(rows, by_example, owners, n_points)
            for k, t in enumerate(missing):
                cache[t] = (rows.rows[k], lex[k], novel_lex[k], example_lex[k])
        found = [cache[t] for t in terms]
    return tuple(np.stack([f[i] for f in found]) for i in range(4))


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def _masked_max(values: np.ndarray, mask: np.ndarray) -> tuple[float, int | None]:
    if not mask.any():
        return 0.0, None
    masked = np.where(mask, values, -np.inf)
    i = int(np.argmax(masked))
    return float(values[i]), i


def _masked_best(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """_masked_max for every column of ``values`` (rows, columns): the best values and their rows (the first on a
    tie); zeros and None when no row is in ``mask``."""
    if not mask.any():
        return np.zeros(values.shape[1]), None
    rows = np.argmax(np.where(mask[:, None], values, -np.inf), axis=0)
    return values[rows, np.arange(values.shape[1])], rows


@dataclass(frozen=True)
class PointExamples:
    """A rubric point's "listen for" examples: their unit vectors (k, dim) and content groups."""

    vecs: np.ndarray
    groups: tuple[tuple[frozenset[str], ...], ...]


def _example_cosines(clause_vecs: np.ndarray, examples: Sequence[PointExamples | None] | None,
                     has_examples: Sequence[bool]) -> np.ndarray:
    """Per clause and point (n_clauses, n_points): the best cosine to any of the point's examples (-1 without any)."""
    sims = np.full((len(clause_vecs), len(has_examples)), -1.0, dtype=np.float32)
    for j, has in enumerate(has_examples):
        if has:
            sims[:, j] = (clause_vecs @ examples[j].vecs.T).max(axis=1)
    return sims


def _example_shares(clause_terms: _Terms, by_example: _Groups, owners: Sequence[int], n_points: int) -> np.ndarray:
    """Per clause and point (n_clauses, n_points): the best share of one example's content words (0 without any).
    ``by_example`` holds the examples with at least two content words (one shared word is no evidence), ``owners``
    the point of each."""
    lex = np.zeros((len(clause_terms.rows), n_points))
    if owners:
        shares = by_example.shares(clause_terms.hits(by_example))
        for k, j in enumerate(owners):
            np.maximum(lex[:, j], shares[:, k], out=lex[:, j])
    return lex


def _once(shared: dict, key, make):
    """``shared[key]``, made on first use: what the passes of one match have in common is computed once."""
    if key not in shared:
        shared[key] = make()
    return shared[key]


def compute_features(
    cues: Sequence[ClauseCues],
    clause_vecs: np.ndarray,
    point_groups: Sequence[Sequence[frozenset[str]]],
    point_vecs: np.ndarray,
    tokens: TokenVectors | None = None,
    *,
    trust_negated: bool = False,
    trust_name_drops: bool = False,
    examples: Sequence[PointExamples] | None = None,
    prompt_terms: frozenset[str] = frozenset(),
    locator: Locator | None = None,
    locator_inputs: list | None = None,
    needed: np.ndarray | None = None,
    second_quotes: bool = True,
    shared: dict | None = None,
) -> tuple[np.ndarray, list[Evidence]]:
    """Features (n_points, len(FEATURES)) and the evidence location of each point.

    ``trust_negated`` / ``trust_name_drops`` treat those clauses as clean: the matcher uses the counterfactual to say
    that a point would have counted but for a negation or a name-drop. ``examples`` holds each point's example
    phrasings (their vectors and content groups), or None for no examples at all. ``prompt_terms`` are the terms of
    the question asked (scoring.glossary.Glossary.text_terms), for the question-demoted features. ``locator`` picks
    the evidence clause (else the clause maximising cosine + LEXICAL_RELEVANCE * word share); ``tokens`` gives
    tok_text (else it is cos_example); when
    ``locator_inputs`` is a list, (point index, LOCATOR_INPUTS per clause, clean mask, clause spans) is appended to it
    per point. ``needed`` (a boolean per point) limits the per-point work to those points: the rows of the others are
    left zero and their evidence empty (the counterfactuals ask only about points not covered); ``second_quotes=False``
    skips choosing a second quote (Evidence.also), which only the shown evidence uses. ``shared`` (a dict, empty at
    first) is handed to every pass over the same clauses, vectors, points, examples and prompt (the matcher's main
    pass and its counterfactuals): what does not depend on which clauses are read as clean is computed by the first
    pass and read by the others.
    """
    n_points, n_clauses = len(point_groups), len(cues)
    feats = np.zeros((n_points, len(FEATURES)), dtype=np.float32)
    evidence: list[Evidence] = []
    if n_points == 0:
        return feats, evidence
    if n_clauses == 0:
        feats[:, FEATURES.index("point_terms")] = [np.log1p(len(g)) for g in point_groups]
        feats[:, FEATURES.index("lex_example")] = 0.0
        feats[:, FEATURES.index("novelty")] = 0.0
        feats[:, FEATURES.index("tok_text")] = 0.0
        return feats, [Evidence(None, False, None, None) for _ in range(n_points)]

    shared = {} if shared is None else shared
    negated = np.array([c.negated and not trust_negated for c in cues])
    dropped = np.array([c.unreliable and not trust_name_drops for c in cues]) & ~negated
    clean = ~negated & ~dropped

    def common() -> dict:  # what does not depend on which clauses are read as clean
        usable = [(j, g) for j, ex in enumerate(examples or ()) if ex is not None for g in ex.groups if len(g) >= 2]
        has_examples = [bool(examples) and examples[j] is not None and len(examples[j].groups) > 0
                        for j in range(n_points)]
        novel = tuple(tuple(i for i, g in enumerate(gs) if not g & prompt_terms) for gs in point_groups)
        sims = clause_vecs @ point_vecs.T  # (n_clauses, n_points)
        out = {
            "sims": sims, "usable": usable, "has_examples": has_examples, "novel": novel,
            "demoted": [bool(n and prompt_terms) for n in novel],  # the question-demoted share differs from the plain
            "pair_sims": _normalise(clause_vecs[:-1] + clause_vecs[1:]) @ point_vecs.T if n_clauses > 1 else None,
            "sentences": sorted({c.clause.sentence for c in cues}),
            "sent_index": np.array([c.clause.sentence for c in cues]),
            "vocabulary": _vocabulary(tuple(tuple(g) for g in point_groups), tuple(tuple(g) for _, g in usable)),
            "example_sims": _example_cosines(clause_vecs, examples, has_examples),
        }
        if n_points > 1:  # per clause, the best cosine to any *other* point: the top one, or the runner-up for the top
            order = np.argsort(-sims, axis=1)
            out.update(order=order, top=sims[np.arange(n_clauses), order[:, 0]],
                       runner_up=sims[np.arange(n_clauses), order[:, 1]])
        return out

    def worded(trusting: bool) -> dict:  # the clauses' terms: a negated clause's own terms count when trusted
        terms = [c.terms | (c.negated_terms if trusting else frozenset()) for c in cues]
        term_rows, lex_all, novel_all, example_lex_all = _word_rows(
            terms, base["vocabulary"], base["novel"], any(base["demoted"]), [j for j, _ in base["usable"]], n_points)
        return {"clause_terms_of": _Terms(term_rows, base["vocabulary"][0]), "lex_all": lex_all,
                "novel_all": novel_all, "example_lex_all": example_lex_all,
                "novelty": np.array([len(t - prompt_terms) / len(t) if t else 0.0 for t in terms]),
                "clause_terms": np.log1p([len(t) for t in terms])}

    base = _once(shared, "common", common)
    trusting = trust_negated and any(c.negated_terms for c in cues)  # else the terms are the plain pass's
    words = _once(shared, ("words", trusting), lambda: worded(trusting))
    sims, pair_sims, demoted, has_examples = base["sims"], base["pair_sims"], base["demoted"], base["has_examples"]
    _, groups, _ = base["vocabulary"]
    clause_terms_of, lex_all = words["clause_terms_of"], words["lex_all"]
    novel_all, example_lex_all = words["novel_all"], words["example_lex_all"]
    novelty, clause_terms = words["novelty"], words["clause_terms"]
    example_sims_all = base["example_sims"]

    pair_ok = clean[:-1] & clean[1:]
    members = (base["sent_index"][None, :] == np.array(base["sentences"])[:, None]) & clean[None, :]  # (sentences, clauses)
    sent_vecs = members.astype(clause_vecs.dtype) @ clause_vecs
    sent_sims = _normalise(sent_vecs) @ point_vecs.T
    text_vec = clause_vecs[clean].sum(axis=0) if clean.any() else np.zeros(clause_vecs.shape[1])
    text_sims = _normalise(text_vec[None, :]) @ point_vecs.T

    # Every point's word shares at once: per clause, per sentence and over the whole clean text (n_rows, n_points).
    lex_sentence_all = groups.shares(clause_terms_of.merged(members).hits(groups)).max(axis=0)
    lex_text_all = groups.shares(clause_terms_of.merged(clean[None, :]).hits(groups))[0]
    best_sims_all = np.maximum(sims, example_sims_all)
    best_lex_all = np.maximum(lex_all, example_lex_all)
    relevance_all = best_sims_all + LEXICAL_RELEVANCE * best_lex_all
    cos_clean_all, _ = _masked_best(sims, clean)
    cos_example_all, _ = _masked_best(best_sims_all, clean)
    lex_example_all, _ = _masked_best(best_lex_all, clean)
    lex_clean_all, _ = _masked_best(lex_all, clean)
    lex_novel_all, _ = _masked_best(novel_all, clean)
    _, best_all = _masked_best(relevance_all, clean)
    _, neg_best_all = _masked_best(relevance_all, negated)
    _, drop_best_all = _masked_best(relevance_all, dropped)
    cos_pair_all, best_pair_all = (np.zeros(n_points), None) if pair_sims is None else _masked_best(pair_sims, pair_ok)

    wording = _once(shared, "wording", lambda: np.array([c.clause.text.strip().lower() for c in cues])) \
        if locator is not None and second_quotes else None
    aligned, aligned_clauses = _token_alignment(tokens, clean, needed) if tokens is not None else (None, None)
    if n_points > 1:
        order, top, runner_up = base["order"], base["top"], base["runner_up"]
    for j in range(n_points):
        if needed is not None and not needed[j]:
            evidence.append(Evidence(None, False, None, None))
            continue
        # per point, with the dtypes of the arithmetic as the locator was fitted on (a point without examples has
        # float64 example cosines of -1)
        example_sims = example_sims_all[:, j] if has_examples[j] else np.full(n_clauses, -1.0)
        best_sims, best_lex = np.maximum(sims[:, j], example_sims), best_lex_all[:, j]
        cos_clean, cos_example, lex_example = (float(v[j]) for v in (cos_clean_all, cos_example_all, lex_example_all))
        lex_clean, lex_sentence = float(lex_clean_all[j]), float(lex_sentence_all[j])
        best = None if best_all is None else int(best_all[j])
        neg_best = None if neg_best_all is None else int(neg_best_all[j])
        drop_best = None if drop_best_all is None else int(drop_best_all[j])
        cos_pair, best_pair = (0.0, None) if best_pair_all is None else (float(cos_pair_all[j]), int(best_pair_all[j]))
        margin = 0.0
        if best is not None and n_points > 1:
            margin = float(sims[best, j] - (runner_up[best] if order[best, 0] == j else top[best]))
        shown = best
        if (locator is not None or locator_inputs is not None) and best is not None:
            fit = sims[:, j] - np.where(order[:, 0] == j, runner_up, top) if n_points > 1 else np.zeros(n_clauses)
            inputs = np.column_stack([
                sims[:, j], example_sims, best_sims, lex_all[:, j], example_lex_all[:, j],
                novel_all[:, j] if demoted[j] else lex_all[:, j],
                best_sims - best_sims[clean].max(), best_lex - best_lex[clean].max(), fit, clause_terms, novelty,
                best_sims if aligned_clauses is None else aligned_clauses[:, j]])
            if locator_inputs is not None:
                locator_inputs.append((j, inputs, clean.copy(), [(c.clause.start, c.clause.end) for c in cues]))
            if locator is not None:
                located = locator.probability(inputs)
                _, shown = _masked_max(located, clean)
        use_pair = best_pair is not None and shown is not None and cos_pair > sims[shown, j] + 0.05 and \
            best_pair in (shown, shown - 1) and cues[best_pair].clause.sentence == cues[best_pair + 1].clause.sentence
        feats[j] = (
            cos_clean, max(cos_pair, cos_clean), float(sent_sims[:, j].max()), float(text_sims[0, j]),
            lex_clean, lex_sentence, float(lex_text_all[j]), cos_clean * lex_sentence, margin,
            np.log1p(len(point_groups[j])), cos_example, lex_example, 0.0,
            float(lex_novel_all[j]) if demoted[j] else lex_clean, 0.0 if best is None else float(novelty[best]),
            cos_example,
        )
        start = best_pair if use_pair else shown
        also = None
        if wording is not None and locator.bias is not None and start is not None:
            quoted_end = min(start + (2 if use_pair else 1), n_clauses)
            others = clean & ~np.isin(wording, wording[start:quoted_end])  # never the same words again
            others[start:quoted_end] = False
            p_also, also = _masked_max(located, others)
            also = also if p_also >= LOCATOR_EVIDENCE else None
        evidence.append(Evidence(start, bool(use_pair), neg_best, drop_best, also))
    rows = slice(None) if needed is None else np.asarray(needed, dtype=bool)
    # over the whole rubric, needed or not (the same float32 values the rows hold)
    feats[rows, FEATURES.index("rubric_mean")] = np.asarray(cos_example_all, dtype=np.float32).mean()
    if aligned is not None:
        feats[rows, FEATURES.index("tok_text")] = aligned[rows]
    return feats, evidence
