"""The matcher's contract on a fake encoder: shapes, spans, bad input, ratings. Fast; no model is loaded."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pytest

from scoring.classifier import Classifier, load_classifier
from scoring.features import FEATURES, compute_features
from scoring.matcher import (HEDGED, MISSTATED, NAME_DROP, NEGATED, PointMatch, analyse_rubric, match_question, match_rubric,
                             suggest_rating)

POINTS = ["Builds a TensorRT FP16 engine on the Jetson itself",
          "Re-measures accuracy on the device after quantisation",
          "Uses Label Studio with a review pass and agreement checks"]


@dataclass(frozen=True)
class Point:
    id: str
    text: str
    weight: str


class Guide:
    def for_rating(self, rating: int) -> str:
        return f"guide for {rating}"


@dataclass(frozen=True)
class Question:
    rubric: tuple
    rating_guide: Guide


def lexical_classifier(threshold: float = 0.5) -> Classifier:
    """A hand-set classifier that trusts word overlap in a clean clause and ignores the fake embedding."""
    coef = np.zeros(len(FEATURES) + 3)
    coef[FEATURES.index("lex_sentence")] = 12.0
    return Classifier(FEATURES, np.zeros(len(coef)), np.ones(len(coef)), coef, -6.0, threshold)


@pytest.fixture
def clf():
    return lexical_classifier()


def test_covered_point_has_evidence_in_original_text(fake_encoder, clf):
    text = "Intro chat. Built a TensorRT FP16 engine on the Jetson itself; talked about budgets."
    matches = match_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)
    assert [m.index for m in matches] == [0, 1, 2]
    assert all(isinstance(m, PointMatch) for m in matches)
    first = matches[0]
    assert first.covered and 0.5 <= first.probability <= 1.0
    start, end = first.span
    assert text[start:end] == first.evidence and "TensorRT FP16 engine" in first.evidence
    assert not matches[2].covered and matches[2].reason is None


def test_negated_evidence_is_rejected_with_reason(fake_encoder, clf):
    text = "Never re-measured accuracy on the device after quantisation."
    m = match_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)[1]
    assert not m.covered and m.reason == NEGATED
    assert m.evidence.startswith("Never")


def test_name_drop_is_rejected_with_reason(fake_encoder, clf):
    m = match_rubric("Mentioned Label Studio.", ["Uses Label Studio"], encoder=fake_encoder, classifier=clf)[0]
    assert not m.covered
    assert m.reason == NAME_DROP and m.evidence == "Mentioned Label Studio"


@pytest.mark.parametrize("text, reason", [
    ("Thinks you re-measure accuracy on the device after quantisation only for fp16.", MISSTATED),
    ("Not sure, maybe re-measures accuracy on the device after quantisation?", HEDGED),
    ("Re-measures accuracy on the device after quantisation. Only when prompted.", HEDGED),
    ("Maybe we re-measure accuracy on the device after quantisation.", HEDGED),
    ("I think you could re-measure accuracy on the device after quantisation.", HEDGED),
    ("We might also re-measure accuracy on the device after quantisation.", HEDGED),
])
def test_hedges_and_misconceptions_are_rejected_with_reason(fake_encoder, clf, text, reason):
    m = match_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)[1]
    assert not m.covered and m.reason == reason
    assert "accuracy on the device" in m.evidence and text[m.span[0]:m.span[1]] == m.evidence


def test_a_point_the_note_says_was_stated_wrongly_is_not_credited(fake_encoder, clf):
    claim = "Said one re-measures accuracy on the device after quantisation only for fp16"
    text = f"Re-measured accuracy on device, after a fashion. {claim} - wrong, it drops."
    m = match_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)[1]
    assert not m.covered and m.reason == MISSTATED and m.evidence == claim
    # the same note without the verdict: the claim is evidence like any other, and the point is credited
    m = match_rubric(f"Re-measured accuracy on device, after a fashion. {claim}.", POINTS, encoder=fake_encoder,
                     classifier=clf)[1]
    assert m.covered and m.reason is None
    # a candidate naming a misconception is not a verdict on the candidate: the clause is no evidence, nothing more
    m = match_rubric("Re-measured accuracy on device, after a fashion. A common misconception is that one re-measures "
                     "accuracy on the device after quantisation only for fp16.", POINTS, encoder=fake_encoder,
                     classifier=clf)[1]
    assert m.covered and m.reason is None


def test_a_confident_probably_is_still_evidence(fake_encoder, clf):
    m = match_rubric("I think the drop came from calibration, so I re-measured accuracy on the device after quantisation,"
                     " probably twice.", POINTS, encoder=fake_encoder, classifier=clf)[1]
    assert m.covered and m.reason is None


def test_points_can_be_objects(fake_encoder, clf):
    points = [Point("trt", POINTS[0], "must"), Point("acc", POINTS[1], "nice")]
    matches = match_rubric("TensorRT FP16 engine built on the Jetson itself", points, encoder=fake_encoder,
                           classifier=clf)
    assert [m.point_id for m in matches] == ["trt", "acc"]


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "<br/>"])
def test_empty_or_unreadable_text(fake_encoder, clf, text):
    result = analyse_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)
    assert len(result.matches) == 3
    assert not any(m.covered for m in result.matches) and all(m.probability == 0.0 for m in result.matches)
    assert all(m.span is None and m.evidence == "" for m in result.matches)
    assert result.notices


def test_empty_rubric(fake_encoder, clf):
    result = analyse_rubric("built a TensorRT engine", [], encoder=fake_encoder, classifier=clf)
    assert result.matches == () and "no rubric points" in result.notices[0]
    assert match_rubric("anything", [], encoder=fake_encoder, classifier=clf) == []


def test_long_text_is_truncated_with_notice_and_bounded_time(fake_encoder, clf):
    text = "Built a TensorRT FP16 engine on the Jetson itself. " * 2000  # ~100,000 characters
    start = time.perf_counter()
    result = analyse_rubric(text, POINTS, encoder=fake_encoder, classifier=clf, max_chars=20_000)
    assert time.perf_counter() - start < 30
    assert result.truncated and result.chars_matched <= 20_000
    assert any(n.startswith("The text is longer than 20,000 characters; only the first 19,") for n in result.notices)
    assert result.matches[0].covered and result.matches[0].span[1] <= 20_000


def test_other_language_gets_notice(fake_encoder, clf):
    result = analyse_rubric("Мы собрали движок TensorRT и проверили точность на устройстве после квантования.",
                            POINTS, encoder=fake_encoder, classifier=clf)
    assert any("English" in n for n in result.notices)
    assert len(result.matches) == 3


def test_html_is_matched_as_text_and_spans_point_into_original(fake_encoder, clf):
    text = "<ul><li>Built a <b>TensorRT FP16 engine</b> on the Jetson itself</li><script>x</script></ul>"
    m = match_rubric(text, POINTS, encoder=fake_encoder, classifier=clf)[0]
    assert m.covered and text[m.span[0]:m.span[1]] == m.evidence


def test_match_question_rating_and_guide(fake_encoder, clf):
    q = Question((Point("trt", POINTS[0], "must"), Point("acc", POINTS[1], "must"), Point("ls", POINTS[2], "nice")),
                 Guide())
    result = match_question("TensorRT FP16 engine built on the Jetson itself. Re-measured accuracy on the device "
                            "after quantisation.", q, encoder=fake_encoder, classifier=clf)
    assert (result.must_covered, result.must_total, result.nice_covered, result.nice_total) == (2, 2, 0, 1)
    assert result.rating == 3 and result.rating_text == "guide for 3"
    empty = match_question("", q, encoder=fake_encoder, classifier=clf)
    assert empty.rating == 1 and empty.rating_text == "guide for 1" and empty.notices
    none = match_question("text", Question((), Guide()), encoder=fake_encoder, classifier=clf)
    assert none.rating is None and none.rating_text == "" and none.matches == ()


def test_weight_enum_values_are_read(fake_encoder, clf):
    from enum import Enum

    class W(str, Enum):
        must = "must"
        nice = "nice"

    q = Question((Point("trt", POINTS[0], W.must), Point("ls", POINTS[2], W.nice)), Guide())
    result = match_question("TensorRT FP16 engine built on the Jetson itself", q, encoder=fake_encoder, classifier=clf)
    assert (result.must_covered, result.must_total, result.nice_total) == (1, 1, 1)


@pytest.mark.parametrize("must, nice, rating", [
    ((0, 4), (0, 2), 1), ((1, 4), (0, 2), 2), ((0, 4), (1, 2), 2), ((3, 4), (0, 2), 3), ((4, 4), (0, 2), 3),
    ((4, 4), (1, 2), 4), ((3, 3), (0, 0), 4), ((2, 3), (2, 2), 3),
])
def test_suggest_rating(must, nice, rating):
    assert suggest_rating(must, nice) == rating


def test_features_on_hand_built_vectors():
    from scoring.cues import ClauseCues
    from scoring.segment import Clause

    def cue(text, sentence, negated=False, name_drop=False, terms=()):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(() if negated else terms),
                          frozenset(terms if negated else ()), negated, name_drop)

    clauses = [cue("a", 0, terms=("x",)), cue("b", 1, negated=True, terms=("y",)), cue("c", 1, name_drop=True)]
    clause_vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    point_vecs = np.array([[0.6, 0.8, 0], [0, 0, 1]], dtype=np.float32)
    groups = [[frozenset({"y"})], [frozenset({"z"})]]
    feats, evidence = compute_features(clauses, clause_vecs, groups, point_vecs)
    f = dict(zip(FEATURES, feats[0], strict=True))
    assert f["cos_clean"] == pytest.approx(0.6)
    assert f["lex_clean"] == 0.0 and f["lex_text"] == 0.0  # the negated clause's "y" is no evidence
    assert evidence[0].clean == 0 and evidence[0].negated == 1
    g = dict(zip(FEATURES, feats[1], strict=True))
    assert g["cos_clean"] == pytest.approx(0.0) and evidence[1].name_drop == 2  # nor is the name-drop's vector
    trusted, _ = compute_features(clauses, clause_vecs, groups, point_vecs, trust_negated=True)
    assert dict(zip(FEATURES, trusted[0], strict=True))["lex_clean"] == pytest.approx(1.0)


def test_token_alignment_reads_the_clean_clauses_token_by_token():
    from scoring.cues import ClauseCues
    from scoring.features import LOCATOR_INPUTS, TokenVectors
    from scoring.segment import Clause

    def cue(text, sentence, negated=False):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(), frozenset(), negated, False)

    x, y, z = np.eye(3, dtype=np.float32)
    # the point has two content tokens (x, y); one clause says x, a negated clause says y, another clause says y
    clauses = [cue("says x", 0), cue("never y", 1, negated=True), cue("says y", 2)]
    clause_vecs = np.array([[0.6, 0.0, 0.8], [0.0, 0.6, 0.8], [0.0, 0.6, 0.8]], dtype=np.float32)
    point_vecs = np.array([[0.7071, 0.7071, 0.0]], dtype=np.float32)
    groups = [[frozenset({"p"})]]
    tokens = TokenVectors([x[None], y[None], y[None]], [(np.stack([x, y]),)])
    both = dict(zip(FEATURES, compute_features(clauses, clause_vecs, groups, point_vecs, tokens)[0][0], strict=True))
    assert both["tok_text"] == pytest.approx(1.0)  # x and y each found, in different clauses
    assert both["cos_clean"] < 0.5  # where each clause's own vector is far from the point
    tokens = TokenVectors([x[None], y[None], z[None]], [(np.stack([x, y]),)])
    negated = dict(zip(FEATURES, compute_features(clauses, clause_vecs, groups, point_vecs, tokens)[0][0],
                       strict=True))
    assert negated["tok_text"] == pytest.approx(0.5)  # the negated clause's y is no evidence
    collected = []
    compute_features(clauses, clause_vecs, groups, point_vecs, tokens, locator_inputs=collected)
    per_clause = collected[0][1][:, LOCATOR_INPUTS.index("tok_clause")]
    assert per_clause.tolist() == pytest.approx([0.5, 0.0, 0.0])
    without = dict(zip(FEATURES, compute_features(clauses, clause_vecs, groups, point_vecs)[0][0], strict=True))
    assert without["tok_text"] == without["cos_example"]  # an encoder without token vectors: a clause is one token


def test_question_demoting_reads_only_what_the_answer_adds_to_the_question():
    from scoring.cues import ClauseCues
    from scoring.segment import Clause

    def cue(text, sentence, terms):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(terms), frozenset(), False, False)

    echo = [cue("the orin has a powerful gpu", 0, ("orin", "powerful", "gpu"))]
    point = [[frozenset({"nvdec"}), frozenset({"gpu"}), frozenset({"decode"})]]  # "decodes on NVDEC, resizes on the GPU"
    vecs, point_vecs = np.array([[1.0, 0.0]], dtype=np.float32), np.array([[1.0, 0.0]], dtype=np.float32)
    plain = dict(zip(FEATURES, compute_features(echo, vecs, point, point_vecs)[0][0], strict=True))
    demoted = dict(zip(FEATURES, compute_features(echo, vecs, point, point_vecs,
                                                  prompt_terms=frozenset({"orin", "gpu", "camera"}))[0][0], strict=True))
    assert plain["lex_novel"] == plain["lex_clean"] == pytest.approx(1 / 3) and plain["novelty"] == 1.0
    assert demoted["lex_novel"] == 0.0  # "gpu" came from the question: not what the point adds to it
    assert demoted["novelty"] == pytest.approx(1 / 3)  # the clause only adds "powerful"
    assert demoted["lex_clean"] == plain["lex_clean"]  # the other features are unchanged


def test_evidence_locator_moves_only_the_evidence_shown():
    from scoring.cues import ClauseCues
    from scoring.features import LOCATOR_INPUTS, Locator
    from scoring.segment import Clause

    def cue(text, sentence, terms=()):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(terms), frozenset(), False, False)

    clauses = [cue("generic", 0, ("a",)), cue("specific", 1)]
    # clause 0 shares point 0's word but fits point 1 better; clause 1 fits point 0 better than any other point
    clause_vecs = np.array([[0.8, 0.6, 0.0], [0.9, 0.0, 0.436]], dtype=np.float32)
    point_vecs = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]], dtype=np.float32)
    groups = [[frozenset({"a"})], [frozenset({"b"})]]
    plain_feats, plain = compute_features(clauses, clause_vecs, groups, point_vecs)
    margin_only = np.zeros(len(LOCATOR_INPUTS))
    margin_only[LOCATOR_INPUTS.index("margin")] = 1.0
    locator = Locator(np.zeros(len(LOCATOR_INPUTS)), np.ones(len(LOCATOR_INPUTS)), margin_only)
    collected = []
    feats, located = compute_features(clauses, clause_vecs, groups, point_vecs, locator=locator,
                                      locator_inputs=collected)
    assert plain[0].clean == 0 and (located[0].clean, located[0].clean_pair) == (1, False)
    assert np.array_equal(feats, plain_feats)  # coverage never depends on where the evidence is shown
    assert [j for j, *_ in collected] == [0, 1] and collected[0][1].shape == (2, len(LOCATOR_INPUTS))


def test_locator_quotes_a_second_clause_only_when_it_judges_it_evidence():
    from scoring.cues import ClauseCues
    from scoring.features import LOCATOR_INPUTS, Locator
    from scoring.segment import Clause

    def cue(text, sentence, negated=False):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(), frozenset(), negated, False)

    # one point; the locator reads only the cosine to the point: 0.9, 0.1, 0.7 and (negated) 0.95
    clauses = [cue("a", 0), cue("b", 1), cue("c", 2), cue("d", 3, negated=True)]
    clause_vecs = np.array([[0.9, 0.436], [0.1, 0.995], [0.7, 0.714], [0.95, 0.312]], dtype=np.float32)
    point_vecs = np.array([[1.0, 0.0]], dtype=np.float32)
    cos_only = np.zeros(len(LOCATOR_INPUTS))
    cos_only[LOCATOR_INPUTS.index("cos_point")] = 10.0

    def located(bias):
        locator = Locator(np.zeros(len(LOCATOR_INPUTS)), np.ones(len(LOCATOR_INPUTS)), cos_only, bias)
        return compute_features(clauses, clause_vecs, [[frozenset({"x"})]], point_vecs, locator=locator)[1][0]

    assert (located(-6.0).clean, located(-6.0).also) == (0, 2)  # p(c) = 0.73: quoted too; b (p 0.007) is not
    assert (located(-8.0).clean, located(-8.0).also) == (0, None)  # p(c) = 0.27: one quote
    assert located(-6.0).negated == 3  # a negated clause is never quoted as evidence, however close
    assert located(None).also is None  # a locator without its intercept (p(c) would be 1.0) never quotes a second
    clauses[2] = cue("A", 2)  # the same words as the first quote (a pasted note twice): not quoted again
    assert (located(-6.0).clean, located(-6.0).also) == (0, None)


def test_group_shares_equal_the_plain_count_of_groups_met():
    from scoring.features import _Groups, _Terms, _vocabulary

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(30)]
    sets = tuple(tuple(frozenset(rng.choice(words, size=rng.integers(1, 4), replace=False)) for _ in range(k))
                 for k in (0, 1, 3, 6))  # a point may have no content word at all
    index, groups, _ = _vocabulary(sets, ())
    rows = [frozenset(rng.choice(words + ["unknown"], size=rng.integers(0, 8), replace=False)) for _ in range(40)]
    shares = groups.shares(_Terms.of(rows, index).hits(groups))
    expected = [[len([g for g in gs if g & r]) / len(gs) if gs else 0.0 for gs in sets] for r in rows]
    assert shares.tolist() == expected  # exactly, not approximately: the features must not move
    subsets = ((), (0,), (0, 2), ())
    expected = [[len([gs[i] for i in sub if gs[i] & r]) / len(sub) if sub else 0.0
                 for gs, sub in zip(sets, subsets)] for r in rows]
    assert groups.shares(_Terms.of(rows, index).hits(groups), subsets).tolist() == expected
    assert isinstance(groups, _Groups) and _vocabulary(sets, ())[1] is groups  # built once per rubric


def test_counterfactual_features_of_the_points_asked_about_are_the_full_ones():
    from scoring.cues import ClauseCues
    from scoring.features import LOCATOR_INPUTS, Locator
    from scoring.segment import Clause

    def cue(text, sentence, negated=False, terms=()):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(() if negated else terms),
                          frozenset(terms if negated else ()), negated, False)

    clauses = [cue("a", 0, terms=("x",)), cue("b", 1, negated=True, terms=("y",)), cue("c", 2, terms=("z",))]
    clause_vecs = np.array([[0.9, 0.436, 0.0], [0.0, 0.6, 0.8], [0.6, 0.0, 0.8]], dtype=np.float32)
    point_vecs = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8], [0.6, 0.0, 0.8]], dtype=np.float32)
    groups = [[frozenset({"x"})], [frozenset({"y"}), frozenset({"q"})], [frozenset({"z"})]]
    locator = Locator(np.zeros(len(LOCATOR_INPUTS)), np.ones(len(LOCATOR_INPUTS)),
                      np.eye(len(LOCATOR_INPUTS))[LOCATOR_INPUTS.index("cos_point")] * 10, -5.0)
    from scoring.features import TokenVectors

    x, y, z = np.eye(3, dtype=np.float32)
    tokens = TokenVectors([x[None], np.stack([y, z]), z[None]], [(x[None],), (np.stack([y, x]), y[None]), (z[None],)])
    full, full_ev = compute_features(clauses, clause_vecs, groups, point_vecs, tokens, trust_negated=True,
                                     locator=locator)
    needed = np.array([False, True, False])
    part, part_ev = compute_features(clauses, clause_vecs, groups, point_vecs, tokens, trust_negated=True,
                                     locator=locator, needed=needed, second_quotes=False)
    assert np.array_equal(part[1], full[1])  # rubric_mean still reads the whole rubric, tok_text the same variants
    assert full[1][FEATURES.index("tok_text")] == pytest.approx(1.0)  # its second variant, y, is said
    assert not part[~needed].any() and part_ev[0].clean is None and part_ev[2].clean is None
    assert (part_ev[1].clean, part_ev[1].negated) == (full_ev[1].clean, full_ev[1].negated) == (1, None)
    assert full_ev[0].also == 2 and part_ev[1].also is None  # the second quote is only chosen for the shown evidence


def test_quoted_spans_join_a_touching_clause_and_mark_a_distant_one():
    from scoring.matcher import QUOTE_GAP, _spans
    from scoring.segment import split_clauses

    text = "Started from ImageNet weights. Froze the backbone. Shipped it. Retrained only the head."
    clauses = split_clauses(text)
    assert len(clauses) == 4
    main, spans, quote = _spans(text, clauses, 0, False, 3)
    assert main == (0, clauses[0].end) and spans == (main, (clauses[3].start, clauses[3].end))
    assert quote == "Started from ImageNet weights" + QUOTE_GAP + "Retrained only the head"
    main, spans, quote = _spans(text, clauses, 0, False, 1)  # the next clause: one span over both
    assert spans == (main,) and quote == text[clauses[0].start:clauses[1].end]
    assert _spans(text, clauses, 2, False) == ((clauses[2].start, clauses[2].end), ((clauses[2].start,
                                                                                      clauses[2].end),), "Shipped it")
    text = "Bad files, such as CMYK ones, go to a CPU path instead of failing the batch. Then ship."
    clauses = split_clauses(text)
    assert len(clauses) == 5 and clauses[3].sentence == clauses[1].sentence
    main, spans, quote = _spans(text, clauses, 1, False, 3)  # one sentence: quoted whole between the two
    assert main == spans[0] and len(spans) == 1 and quote == "such as CMYK ones, go to a CPU path instead of failing the batch"
    assert _spans(text, clauses, None, False, 1) == (None, (), "")


def test_classifier_json_keeps_its_locator():
    clf = load_classifier()
    assert clf.locator is not None and clf.locator.coef.shape == (len(__import__("scoring.features").features
                                                                      .LOCATOR_INPUTS),)
    again = Classifier.from_json(clf.to_json())
    assert np.allclose(again.locator.coef, clf.locator.coef) and again.to_json() == clf.to_json()
    assert again.locator.bias == clf.locator.bias != 0.0  # the intercept decides whether a second clause is quoted
    import json

    data = json.loads(clf.to_json())
    del data["locator"]["bias"]  # a model file written before the intercept was kept: one quote, never a wrong second
    older = Classifier.from_json(json.dumps(data))
    assert older.locator.bias is None and np.allclose(older.locator.coef, clf.locator.coef)
    assert "bias" not in json.loads(older.to_json())["locator"]


def test_match_question_passes_the_question_asked(monkeypatch):
    import scoring.matcher as matcher

    seen = []
    real = matcher.compute_features

    def spy(*args, **kwargs):
        seen.append(kwargs.get("prompt_terms"))
        return real(*args, **kwargs)

    monkeypatch.setattr(matcher, "compute_features", spy)

    @dataclass(frozen=True)
    class Asked(Question):
        prompt: str = "How would you ship a detector to a Jetson?"

    match_question("Built a TensorRT FP16 engine on the Jetson.", Asked(tuple(Point(f"p{i}", t, "must")
                                                                            for i, t in enumerate(POINTS)), Guide()))
    assert seen and {"detector", "ship"} <= seen[0]  # the terms of the question asked reach the features


def test_shipped_classifier_loads_and_is_monotone_in_evidence():
    clf = load_classifier()
    assert clf.features == FEATURES and 0 < clf.threshold < 1
    weak, strong = np.zeros((1, len(FEATURES))), np.zeros((1, len(FEATURES)))
    strong[0, FEATURES.index("point_terms")] = weak[0, FEATURES.index("point_terms")] = 2.3
    for name, value in (("cos_clean", 0.8), ("cos_pair", 0.8), ("cos_sentence", 0.8), ("lex_clean", 0.8),
                        ("lex_sentence", 0.8), ("lex_text", 0.8), ("cos_x_lex", 0.64),
                        ("cos_example", 0.8), ("lex_example", 0.8),  # never below cos_clean / lex_clean
                        ("rubric_mean", 0.8),  # a one-point rubric: the mean of cos_example is its own
                        ("lex_novel", 0.8), ("novelty", 0.8)):
        strong[0, FEATURES.index(name)] = value
    assert clf.probability(strong)[0] > clf.threshold > clf.probability(weak)[0]


@pytest.mark.parametrize("n_points", [1, 15])
def test_one_or_fifteen_points_each_get_a_result(fake_encoder, clf, n_points):
    points = [f"{POINTS[i % 3]} (variant {i})" for i in range(n_points)]
    text = "Built a TensorRT FP16 engine on the Jetson itself 🚀 <b>and</b> re-measured accuracy on the device."
    result = analyse_rubric(text, points, encoder=fake_encoder, classifier=clf)
    assert [m.index for m in result.matches] == list(range(n_points))
    assert result.matches[0].covered and not result.notices
    for m in result.matches:
        assert m.span is None or text[m.span[0]:m.span[1]] == m.evidence


def test_passes_sharing_their_common_work_equal_independent_passes():
    """The matcher's main pass and its counterfactuals share what does not depend on the clean clauses (one dict per
    match): each pass must give exactly what it gives alone, whichever pass runs first."""
    from scoring.cues import ClauseCues
    from scoring.features import LOCATOR_INPUTS, Locator, PointExamples, TokenVectors
    from scoring.segment import Clause

    def cue(text, sentence, negated=False, name_drop=False, terms=()):
        return ClauseCues(Clause(0, len(text), text, sentence), frozenset(() if negated else terms),
                          frozenset(terms if negated else ()), negated, name_drop)

    rng = np.random.default_rng(3)
    clauses = [cue("a", 0, terms=("x", "w")), cue("b", 0, negated=True, terms=("y", "q")),
               cue("c", 1, name_drop=True, terms=("z",)), cue("d", 2, terms=("q", "x"))]
    clause_vecs = rng.normal(size=(4, 6)).astype(np.float32)
    point_vecs = rng.normal(size=(3, 6)).astype(np.float32)
    groups = [[frozenset({"x"}), frozenset({"w"})], [frozenset({"y"}), frozenset({"q"})], [frozenset({"z"})]]
    examples = [None, PointExamples(rng.normal(size=(2, 6)).astype(np.float32),
                                    ((frozenset({"y"}), frozenset({"q"})), (frozenset({"x"}),))), None]
    tokens = TokenVectors([rng.normal(size=(2, 6)).astype(np.float32) for _ in range(4)],
                          [(rng.normal(size=(2, 6)).astype(np.float32),) for _ in range(3)])
    locator = Locator(np.zeros(len(LOCATOR_INPUTS)), np.ones(len(LOCATOR_INPUTS)),
                      np.eye(len(LOCATOR_INPUTS))[LOCATOR_INPUTS.index("cos_point")] * 10, -5.0)
    work = (clauses, clause_vecs, groups, point_vecs, tokens)
    common = {"examples": examples, "prompt_terms": frozenset({"w"}), "locator": locator}
    passes = [{}, {"trust_negated": True, "needed": np.array([False, True, True]), "second_quotes": False},
              {"trust_name_drops": True, "needed": np.array([True, False, True]), "second_quotes": False}]
    alone = [compute_features(*work, **common, **p) for p in passes]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        shared: dict = {}
        for k in order:
            feats, evidence = compute_features(*work, **common, **passes[k], shared=shared)
            assert np.array_equal(feats, alone[k][0]) and evidence == alone[k][1]
    assert alone[1][0][1].any() and not np.array_equal(alone[0][0][1], alone[1][0][1])  # the passes do differ


def test_word_rows_kept_per_rubric_equal_fresh_ones(monkeypatch):
    """A clause's word rows are kept for the next match against the same rubric; a full cache starts again."""
    import scoring.features as features
    from scoring.cues import ClauseCues
    from scoring.segment import Clause

    def cue(text, terms):
        return ClauseCues(Clause(0, len(text), text, 0), frozenset(terms), frozenset(), False, False)

    groups = [[frozenset({"x"}), frozenset({"w"})], [frozenset({"y"}), frozenset({"q"}), frozenset({"w"})]]
    vecs, point_vecs = np.eye(3, dtype=np.float32), np.eye(3, 2, dtype=np.float32).T.copy()
    notes = [[cue("a", ("x", "w")), cue("b", ("q",)), cue("c", ("y", "w", "v"))],
             [cue("a", ("x", "w")), cue("b2", ("q", "x")), cue("c", ("y", "w", "v"))],
             [cue("e", ("v",)), cue("a", ("x", "w")), cue("f", ("y", "q", "w"))]]

    asked = [frozenset({"w"}), frozenset({"q"}), frozenset()]  # the same rubric under three questions

    def run():
        return [compute_features(n, vecs, groups, point_vecs, prompt_terms=p)[0] for p in asked for n in notes]

    features._row_caches.clear()
    kept = run()
    monkeypatch.setattr(features, "ROW_CACHE_SIZE", 3)  # overflows within the first question
    features._row_caches.clear()
    small = run()
    fresh = []
    for p in asked:
        for n in notes:
            features._row_caches.clear()
            fresh.append(compute_features(n, vecs, groups, point_vecs, prompt_terms=p)[0])
    for a, b, c in zip(kept, small, fresh, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, c)
    novel = FEATURES.index("lex_novel")  # the second point's y and q: the question asked says w
    assert fresh[1][0, FEATURES.index("lex_clean")] == 1.0 and (fresh[0][1, novel], fresh[2][1, novel]) == (0.5, 1.0)
    assert fresh[3][1, novel] == 1.0  # asked about q instead: clause c's y is all the point adds


def _token_encoder():
    """The fake encoder with content-token vectors too (one hashed one-hot row per word), like the ONNX back ends."""
    import hashlib
    import re

    from tests.conftest import HashingEncoder

    class Tokens(HashingEncoder):
        def encode_with_tokens(self, texts):
            rows = []
            for text in texts:
                words = re.findall(r"[a-z0-9]+", text.lower())
                out = np.zeros((len(words), self.dim), dtype=np.float32)
                for k, w in enumerate(words):
                    out[k, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] = 1.0
                rows.append(out)
            return self.encode(texts), rows

    return Tokens()


def test_a_match_after_an_edit_multiplies_only_the_new_clause_and_equals_a_fresh_match(monkeypatch, clf):
    import scoring.features as features
    from scoring.embedder import CachedEncoder

    calls = []
    real = features._column_max
    monkeypatch.setattr(features, "_column_max", lambda rows, clauses: calls.append(len(clauses)) or real(rows, clauses))
    points = POINTS
    before = ("Built a TensorRT FP16 engine on the Jetson itself. Then re-measured accuracy on the device. "
              "Used Label Studio with a review pass.")
    after = before.replace("Then re-measured accuracy on the device.", "Then checked mAP on the device after INT8.")
    encoder = CachedEncoder(_token_encoder())
    analyse_rubric(before, points, encoder=encoder, classifier=clf)
    assert calls and sum(calls) >= 3
    calls.clear()
    edited = analyse_rubric(after, points, encoder=encoder, classifier=clf)
    assert sum(calls) == 1  # the one changed clause; the others' columns are kept
    features._column_caches.clear()
    fresh = analyse_rubric(after, points, encoder=CachedEncoder(_token_encoder()), classifier=clf)
    for a, b in zip(edited.matches, fresh.matches, strict=True):
        assert (a.covered, a.span, a.spans, a.evidence, a.reason) == (b.covered, b.span, b.spans, b.evidence, b.reason)
        assert a.probability == pytest.approx(b.probability, abs=1e-6)
