"""Match a note or an answer against rubric points: which points the text really covers, with the evidence.

    from scoring.matcher import match_rubric, match_question
    for m in match_rubric("TRT fp16, PTQ int8; never checked acc on device", ["Builds a TensorRT engine", ...]):
        m.covered, m.probability, m.span, m.evidence, m.reason

The text is cut into clauses (scoring.segment); each clause is read for negation and name-dropping (scoring.cues);
clauses and points are embedded with shorthand expanded (scoring.glossary, scoring.embedder); semantic and lexical
evidence become features (scoring.features) and a calibrated logistic regression decides (scoring.classifier).
Matches are suggestions: the interviewer confirms or overrides each one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from scoring import embedder
from scoring.classifier import Classifier, load_classifier
from scoring.cues import read_cues, spread_remarks
from scoring.embedder import Encoder
from scoring.features import Evidence, PointExamples, TokenVectors, compute_features
from scoring.glossary import get_glossary
from scoring.segment import split_clauses, truncate
from settings import get_settings

NEGATED = "negated"
NAME_DROP = "name-drop only"
HEDGED = "hedged"
MISSTATED = "stated incorrectly"


class RubricPointLike(Protocol):
    """What the matcher needs from a rubric point (question_bank.schema.RubricPoint fits)."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def weight(self) -> object: ...  # "must" / "nice", or an enum whose value is one of them


class RatingGuideLike(Protocol):
    def for_rating(self, rating: int) -> str: ...


class QuestionLike(Protocol):
    @property
    def rubric(self) -> Sequence[RubricPointLike]: ...

    @property
    def rating_guide(self) -> RatingGuideLike: ...


@dataclass(frozen=True)
class PointMatch:
    index: int  # position of the point in the rubric
    point_id: str | None
    covered: bool
    probability: float  # calibrated probability that the text covers the point
    span: tuple[int, int] | None  # the main evidence (start, end) as character offsets into the original text
    evidence: str  # the original text of every quoted span in text order, joined by " … " ("" when there is none)
    reason: str | None = None  # why a close candidate was rejected: NEGATED, NAME_DROP, HEDGED or MISSTATED
    spans: tuple[tuple[int, int], ...] = ()  # every quoted span in text order: the main one, and for a covered
    # point a second clause the evidence locator judges evidence too (a point whose parts are said in two places)


@dataclass(frozen=True)
class RubricMatch:
    matches: tuple[PointMatch, ...]
    truncated: bool  # the text was longer than the max_text_chars setting and only its start was matched
    chars_matched: int
    notices: tuple[str, ...]  # plain-language notes for the user (cut text, no text, not English, no points)


@dataclass(frozen=True)
class QuestionMatch:
    matches: tuple[PointMatch, ...]
    rating: int | None  # suggested 1-4; None when the rubric has no points
    rating_text: str  # the question's rating guide for that rating
    must_covered: int
    must_total: int
    nice_covered: int
    nice_total: int
    truncated: bool
    notices: tuple[str, ...]
    chars_matched: int = 0  # how much of the text was read (all of it unless it was cut)


def _point_text(point: str | RubricPointLike) -> str:
    return point if isinstance(point, str) else point.text


def _point_examples(point: str | RubricPointLike) -> tuple[str, ...]:
    """The point's "listen for" examples (question_bank.schema.RubricPoint.examples); none for a plain string."""
    return () if isinstance(point, str) else tuple(getattr(point, "examples", None) or ())


def _weight(point: RubricPointLike) -> str:
    weight = point.weight
    return str(getattr(weight, "value", weight))


@lru_cache(maxsize=4096)
def _point_groups(text: str) -> tuple[frozenset[str], ...]:
    return tuple(get_glossary().content_groups(text))


@lru_cache(maxsize=256)
def _prompt_terms(prompt: str | None) -> frozenset[str]:
    """The terms of the question asked, for the question-demoted features (none without a question)."""
    return frozenset(get_glossary().text_terms(prompt)) if prompt else frozenset()


_LATIN = re.compile(r"[A-Za-z]+")
_LETTER = re.compile(r"[^\W\d_]+")


def _looks_foreign(text: str) -> bool:
    letters = sum(map(len, _LETTER.findall(text)))  # runs, not single letters: the same count in half the time
    return letters >= 20 and sum(map(len, _LATIN.findall(text))) < 0.6 * letters


QUOTE_GAP = " … "


def _spans(text: str, clauses, start_index: int | None, pair: bool, also: int | None = None):
    """(main span, every quoted span in text order, the quoted text): a clause, or two adjacent ones, and perhaps a
    second clause elsewhere (one span with the main one when the two touch or share a sentence, so that the quote
    reads as written)."""
    if start_index is None:
        return None, (), ""
    last = min(start_index + (1 if pair else 0), len(clauses) - 1)
    main = (clauses[start_index].start, clauses[last].end)
    if also is None:
        return main, (main,), text[main[0]:main[1]]
    if also in (start_index - 1, last + 1) or clauses[also].sentence in (clauses[start_index].sentence,
                                                                         clauses[last].sentence):
        main = (min(main[0], clauses[also].start), max(main[1], clauses[also].end))
        return main, (main,), text[main[0]:main[1]]
    spans = tuple(sorted([main, (clauses[also].start, clauses[also].end)]))
    return main, spans, QUOTE_GAP.join(text[a:b] for a, b in spans)


def _prepare(clauses, points: Sequence[str | RubricPointLike], encoder: Encoder):
    """What compute_features needs: clause cues and vectors, point groups and vectors, and the points' examples."""
    glossary = get_glossary()
    cues = spread_remarks([read_cues(c, glossary) for c in clauses])
    texts = [_point_text(p) for p in points]
    examples = [_point_examples(p) for p in points]
    flat = [e for ex in examples for e in ex]
    inputs = [glossary.expand(c.text) for c in clauses] + [glossary.expand(t) for t in texts + flat]
    if hasattr(encoder, "encode_with_tokens"):  # content-token vectors from the same pass, for tok_text
        vectors, token_rows = encoder.encode_with_tokens(inputs)
    else:
        vectors, token_rows = encoder.encode(inputs), None
    vectors = np.asarray(vectors, dtype=np.float32)
    n, m = len(clauses), len(texts)
    per_point, start, tokens = [], n + m, None
    for ex in examples:
        per_point.append(PointExamples(vectors[start:start + len(ex)], tuple(_point_groups(e) for e in ex))
                         if ex else None)
        start += len(ex)
    if token_rows is not None:
        starts = np.cumsum([n + m] + [len(ex) for ex in examples])
        tokens = TokenVectors(token_rows[:n], [(token_rows[n + j], *token_rows[starts[j]:starts[j + 1]])
                                               for j in range(m)], reuse=True)
    return (cues, vectors[:n], [_point_groups(t) for t in texts], vectors[n:n + m], tokens), \
        (per_point if flat else None)


def warm_points(points: Sequence[str | RubricPointLike], *, encoder: Encoder | None = None) -> None:
    """Encode a rubric's points ahead of time (when a question is opened), so the first match only encodes notes."""
    glossary = get_glossary()
    texts = [t for p in points for t in (_point_text(p), *_point_examples(p))]
    (encoder or embedder.get_encoder()).encode([glossary.expand(t) for t in texts])
    for t in texts:
        _point_groups(t)


def featurise(text: str, points: Sequence[str | RubricPointLike], *, encoder: Encoder | None = None,
              max_chars: int | None = None, prompt: str | None = None, locator_inputs: list | None = None) -> np.ndarray:
    """The classifier's input for each point (used to train and evaluate the classifier).

    With ``locator_inputs`` (a list), the evidence locator's inputs are appended to it per point (scoring.train)."""
    used, _ = truncate(text, max_chars or get_settings().max_text_chars)
    clauses = split_clauses(used)
    if not clauses or not points:
        groups = [_point_groups(_point_text(p)) for p in points]
        feats, _ = compute_features([], np.zeros((0, 1)), groups, np.zeros((0, 1)))
        return feats
    work, examples = _prepare(clauses, points, encoder or embedder.get_encoder())
    feats, _ = compute_features(*work, examples=examples, prompt_terms=_prompt_terms(prompt),
                                locator_inputs=locator_inputs)
    return feats


def _read_input(text: str, n_points: int, max_chars: int) -> tuple[str, bool, list, list[str]]:
    """The text actually matched, whether it was cut, its clauses, and notices about the input."""
    used, truncated = truncate(text if isinstance(text, str) else "", max_chars)
    notices: list[str] = []
    if truncated:
        notices.append(f"The text is longer than {max_chars:,} characters; only the first {len(used):,} were matched.")
    if not n_points:
        notices.append("There are no rubric points to match against.")
        return used, truncated, [], notices
    clauses = split_clauses(used)
    if not clauses:
        notices.append("There is no text to match yet." if not used.strip() else
                       "The text has no words the matcher can read.")
    elif _looks_foreign(used):
        notices.append("The text does not look like English; the matcher is tuned for English and may miss points.")
    return used, truncated, clauses, notices


def _counterfactuals(work, examples, covered: np.ndarray, classifier: Classifier, prompt_terms: frozenset[str],
                     shared: dict | None = None) -> dict:
    """Probabilities had negated clauses, or name-drop clauses, counted as evidence (only when that could matter).

    ``shared``: the main pass's (compute_features), so that what does not depend on the clean clauses is not redone."""
    cues = work[0]
    out: dict[str, tuple[np.ndarray, list[Evidence]]] = {}
    if covered.all():
        return out
    asked = {"examples": examples, "prompt_terms": prompt_terms, "locator": classifier.locator,
             "needed": ~covered, "second_quotes": False, "shared": shared}  # only uncovered points are explained, by one clause
    if any(c.negated for c in cues):
        f, ev = compute_features(*work, trust_negated=True, **asked)
        out[NEGATED] = (classifier.probability(f), ev)
    if any(c.unreliable for c in cues):
        f, ev = compute_features(*work, trust_name_drops=True, **asked)
        out[NAME_DROP] = (classifier.probability(f), ev)
    return out


CONTRADICTION_FLOOR = 0.4  # a clause judged wrong this close to a point (cosine with it or an example) is about it


def _contradicted(work, examples, covered: np.ndarray) -> dict[int, int]:
    """Covered points whose closest clause is a claim the note judges wrong: {point: that clause}.

    "Said batching frames will 'lower latency' - wrong" is what the note says about the latency/throughput point;
    whatever weaker clean clause lifted the point over the threshold (often only the rest of a strong note), the
    candidate got this one wrong, so it is not credited and the reason is shown. Only a verdict counts here (the
    clause judged wrong, ClauseCues.judged), not every misconception cue: a candidate who explains "a common
    misconception is that a bigger batch lowers latency" and then why has covered the point. On the train split's
    pairs this took out two false credits and no true one (the dev and test splits had none).
    """
    cues, clause_vecs, _, point_vecs = work[:4]
    wrong = np.flatnonzero([c.judged for c in cues])
    if not len(wrong) or not covered.any():
        return {}
    clean = np.array([not (c.negated or c.unreliable) for c in cues])
    out = {}
    for j in np.flatnonzero(covered):
        variants = [point_vecs[j]]
        if examples is not None and examples[j] is not None:
            variants.extend(examples[j].vecs)
        sims = (clause_vecs @ np.asarray(variants, dtype=np.float32).T).max(axis=1)
        closest = int(wrong[np.argmax(sims[wrong])])
        best_clean = float(sims[clean].max()) if clean.any() else -1.0
        if sims[closest] >= max(best_clean, CONTRADICTION_FLOOR):
            out[int(j)] = closest
    return out


def _rejection(j: int, cues, counterfactual: dict, threshold: float) -> tuple[str, int] | None:
    """(reason, clause index) when point ``j`` would have counted but for a negated or name-drop clause."""
    for label, (p_alt, ev_alt) in counterfactual.items():
        where = ev_alt[j].clean  # with those clauses trusted, the best evidence must be one of them
        flagged = where is not None and (cues[where].negated if label == NEGATED else cues[where].unreliable)
        if p_alt[j] >= threshold and flagged:
            return (label if label == NEGATED else cues[where].reason or NAME_DROP), where
    return None


def analyse_rubric(
    text: str,
    points: Sequence[str | RubricPointLike],
    *,
    encoder: Encoder | None = None,
    classifier: Classifier | None = None,
    max_chars: int | None = None,
    prompt: str | None = None,
) -> RubricMatch:
    """Match ``text`` against ``points`` and say what was cut or odd about the input.

    ``prompt`` is the question asked, when there is one: what the text merely echoes of it counts for less.
    """
    used, truncated, clauses, notices = _read_input(text, len(points), max_chars or get_settings().max_text_chars)
    ids = [None if isinstance(p, str) else p.id for p in points]
    if not clauses:
        matches = tuple(PointMatch(i, ids[i], False, 0.0, None, "") for i in range(len(points)))
        return RubricMatch(matches, truncated, len(used), tuple(notices))

    classifier = classifier or load_classifier()
    work, examples = _prepare(clauses, points, encoder or embedder.get_encoder())
    prompt_terms = _prompt_terms(prompt)
    shared: dict = {}  # what the main pass and the counterfactuals have in common
    feats, evidence = compute_features(*work, examples=examples, prompt_terms=prompt_terms, locator=classifier.locator,
                                       shared=shared)
    probs = classifier.probability(feats)
    covered = probs >= classifier.threshold
    contradicted = _contradicted(work, examples, covered)
    covered[list(contradicted)] = False
    counterfactual = _counterfactuals(work, examples, covered, classifier, prompt_terms, shared)
    matches = []
    for j in range(len(points)):
        found = evidence[j]
        span, spans, snippet = _spans(used, clauses, found.clean, found.clean_pair, found.also if covered[j] else None)
        rejected = (MISSTATED, contradicted[j]) if j in contradicted else \
            None if covered[j] else _rejection(j, work[0], counterfactual, classifier.threshold)
        if rejected:
            span, spans, snippet = _spans(used, clauses, rejected[1], False)
        matches.append(PointMatch(j, ids[j], bool(covered[j]), round(float(probs[j]), 4), span, snippet,
                                  rejected[0] if rejected else None, spans))
    return RubricMatch(tuple(matches), truncated, len(used), tuple(notices))


def match_rubric(
    text: str,
    points: Sequence[str | RubricPointLike],
    *,
    encoder: Encoder | None = None,
    classifier: Classifier | None = None,
) -> list[PointMatch]:
    """Per point: covered or not, a calibrated probability, the evidence span, and why a near miss was rejected."""
    return list(analyse_rubric(text, points, encoder=encoder, classifier=classifier).matches)


def suggest_rating(must: tuple[int, int], nice: tuple[int, int]) -> int:
    """A 1-4 rating from (covered, total) must and nice points.

    4: every must point and at least half of the nice ones; 3: at least 60% of the must points;
    2: anything covered; 1: nothing.
    """
    must_covered, must_total = must
    nice_covered, nice_total = nice
    must_share = must_covered / must_total if must_total else 1.0
    nice_share = nice_covered / nice_total if nice_total else 1.0
    if must_total and must_share == 1.0 and nice_share >= 0.5:
        return 4
    if must_share >= 0.6 and (must_covered or nice_covered):
        return 3
    if must_covered + nice_covered > 0:
        return 2
    return 1


def match_question(
    text: str,
    question: QuestionLike,
    *,
    encoder: Encoder | None = None,
    classifier: Classifier | None = None,
) -> QuestionMatch:
    """Match against a question's rubric and suggest a 1-4 rating with the question's guide for that rating.

    A question that has a ``prompt`` (the bank's do) passes it on: what the text merely echoes of it counts for less.
    """
    rubric = list(question.rubric)
    result = analyse_rubric(text, rubric, encoder=encoder, classifier=classifier,
                            prompt=getattr(question, "prompt", None))
    weights = [_weight(p) for p in rubric]
    must = [m.covered for m, w in zip(result.matches, weights, strict=True) if w == "must"]
    nice = [m.covered for m, w in zip(result.matches, weights, strict=True) if w != "must"]
    rating = suggest_rating((sum(must), len(must)), (sum(nice), len(nice))) if rubric else None
    rating_text = question.rating_guide.for_rating(rating) if rating is not None else ""
    return QuestionMatch(result.matches, rating, rating_text, sum(must), len(must), sum(nice), len(nice),
                         result.truncated, result.notices, result.chars_matched)
