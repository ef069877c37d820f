"""Segmentation, glossary and cue reading: pure text logic, no model."""

from __future__ import annotations

import pytest

from scoring.cues import read_cues
from scoring.glossary import get_glossary, stem
from scoring.segment import blank_markup, split_clauses, truncate


@pytest.fixture(scope="module")
def glossary():
    return get_glossary()


def test_clauses_keep_offsets_into_original():
    text = "TRT fp16, PTQ int8 - never checked acc on device; mentioned Label Studio.\n- parity vs PT at 1e-3"
    clauses = split_clauses(text)
    assert [c.text for c in clauses] == ["TRT fp16", "PTQ int8", "never checked acc on device",
                                         "mentioned Label Studio", "parity vs PT at 1e-3"]
    for c in clauses:
        assert text[c.start:c.end] == c.text


def test_markup_blanked_but_offsets_kept():
    text = "<p>Used <b>opset 17</b> &amp; checked parity</p>\n**no** augmentation"
    assert len(blank_markup(text)) == len(text)
    clauses = split_clauses(text)
    assert [c.text for c in clauses] == ["Used opset 17 checked parity", "no augmentation"]
    assert "opset 17" in text[clauses[0].start:clauses[0].end]


def test_long_sentence_cut_at_conjunctions():
    text = ("I exported with dynamic axes for batch, height and width, and then compared ORT against PyTorch on "
            "three shapes, but I did not look at where NMS lives.")
    pieces = [c.text for c in split_clauses(text)]
    assert any(p.startswith("then compared ORT") for p in pieces)
    assert any(p.startswith("but I did not look") for p in pieces)
    assert len({c.sentence for c in split_clauses(text)}) == 1


@pytest.mark.parametrize("text", ["", "   ", "😀😀🎉", "...;;", "<br><br>"])
def test_nothing_readable_gives_no_clauses(text):
    assert split_clauses(text) == []


def test_abbreviation_inside_sentence_is_not_a_boundary():
    assert len(split_clauses("Uses e.g. TensorRT vs ONNX Runtime for the engine")) == 1
    assert [c.text for c in split_clauses("Timed e2e incl. NMS, approx. 30 ms. Then tuned")] == \
        ["Timed e2e incl. NMS", "approx. 30 ms", "Then tuned"]
    # code keeps its brackets and underscores: the quote reads as written
    assert [c.text for c in split_clauses("step: scaler.unscale_(optimizer) so that clipping sees true values, "
                                          "clip_grad_norm_ to 10")] == \
        ["step: scaler.unscale_(optimizer)", "so that clipping sees true values", "clip_grad_norm_ to 10"]
    assert [c.text for c in split_clauses("Ran a spike (quick baseline on 500 new boxes) then told the PM")] == \
        ["Ran a spike", "quick baseline on 500 new boxes", "then told the PM"]
    # interviewers write "Cand." for the candidate: it starts what they said, not a sentence of its own
    assert [c.text for c in split_clauses("Cand. said use DeepStream. cand. unsure on DLA")] == \
        ["Cand. said use DeepStream", "cand. unsure on DLA"]


@pytest.mark.parametrize("text,clauses", [
    ("Exported PyTorch -> ONNX -> TRT FP16. Measured 18 ms.", ["Exported PyTorch -> ONNX -> TRT FP16", "Measured 18 ms"]),
    ("1 wk shadow -> canary 10% -> full", ["1 wk shadow -> canary 10% -> full"]),
    # the piece next to the arrow decides, not the chain joined so far
    ("Exported PyTorch -> ONNX -> TRT fp16 engine built on the Orin", ["Exported PyTorch -> ONNX -> TRT fp16 engine built on the Orin"]),
    ("Calib set had no faint defects -> rebuilt calib set", ["Calib set had no faint defects", "rebuilt calib set"]),
    ("Saw drift. -> retrained", ["Saw drift", "retrained"]),  # a full stop before the arrow still ends the sentence
])
def test_an_arrow_cuts_only_between_pieces_of_three_words(text, clauses):
    found = split_clauses(text)
    assert [c.text for c in found] == clauses
    assert all(text[c.start:c.end] == c.text for c in found)  # offsets still point into the text


def test_truncate_at_word_boundary():
    text = "word " * 1000
    cut, truncated = truncate(text, 103)
    assert truncated and len(cut) <= 103 and not cut.endswith("wor")
    assert truncate("short", 100) == ("short", False)


def test_stem_folds_spellings():
    assert stem("quantisation") == stem("quantization") == stem("quantized") == stem("quantise")
    assert stem("labelled") == stem("labeled") == stem("labels")
    assert stem("calibration") == stem("calibrated")


def test_glossary_expands_shorthand(glossary):
    expanded = glossary.expand("PTQ to int8 on TRT, mAP dropped; bg sub + wd 1e-4, 30 fps")
    for phrase in ("post-training quantization", "TensorRT", "mean average precision", "background subtraction",
                   "weight decay", "frames per second"):
        assert phrase in expanded
    assert glossary.expand("a map of the site") == "a map of the site"  # "map" is only mAP when written so


def test_glossary_expands_each_part_of_slash_joined_shorthand(glossary):
    expanded = glossary.expand("reports p50/p95/p99, TRT/ONNX")
    for phrase in ("50th percentile", "95th percentile", "99th percentile", "TensorRT / ONNX"):
        assert phrase in expanded
    assert glossary.expand("and/or 1/2 of it") == "and/or 1/2 of it"  # nothing to expand: left as written


def test_point_content_groups_skip_phrasing_words(glossary):
    groups = glossary.content_groups("Names concrete fixes such as higher input resolution or tiling, e.g. SAHI")
    flat = {t for g in groups for t in g}
    assert stem("names") not in flat and "concrete" not in flat
    assert stem("resolution") in flat and "sahi" in flat


def test_abbreviation_matches_expansion(glossary):
    (group,) = [g for g in glossary.content_groups("Reports mAP") if "map" in g]
    assert group & glossary.text_terms("mean average precision on val")


@pytest.mark.parametrize("text, negated", [
    ("never checked acc on device", True),
    ("No augmentation", True),
    ("He didn't check parity", True),
    ("Calibration set: none", True),
    ("int8 with no accuracy drop", False),
    ("not only latency but", False),
    ("checked accuracy on the device", False),
    ("Ran on the Pi itself and not on a laptop", False),  # a side remark, not a missing step
    ("QAT as next step if calib fix not enough", False),
    ("If a batch fails it is quarantined", False),  # a condition, not a missing step
    ("If the model file is missing", False),
    ("If some labels are wrong it doesn't matter much", True),  # the main clause waves the practice away
    ("Add lineage tables if missing", False),
    ("If asked about drift: nothing", True),
    ("images WHERE NOT EXISTS a label row", False),  # SQL, not a negation
    ("did NOT check the engine on device", True),
    ("Says validation split unnecessary if test is big", True),  # a practice waved away is a negation of it
    ("Docker is overkill for a take-home", True),
    ("The box format doesn't matter", True),
    ("OpenCV is standard so it shouldn't matter", True),
    ("TensorRT handles the calibration automatically so it should be fine", True),
    ("Quantization 'optional'", True),
    ("blur faces if they're not needed", False),  # a condition, not a dismissal
    ("optional ML Kit OCR for offline preview", False),
])
def test_negation(glossary, text, negated):
    (clause,) = split_clauses(text)
    assert read_cues(clause, glossary).negated is negated


def test_negation_scope_holds_the_negated_terms(glossary):
    (clause,) = split_clauses("never checked accuracy on the device")
    cues = read_cues(clause, glossary)
    assert "accuracy" in cues.negated_terms and "accuracy" not in cues.terms


@pytest.mark.parametrize("text, dropped", [
    ("mentioned Label Studio", True),
    ("Knows TensorRT", True),
    ("Label Studio", True),
    ("Mentioned SAHI, couldn't explain how it works", True),
    ("Used Label Studio with a two-pass review and IoU agreement checks", False),
    ("TRT FP16 engine built on the Jetson", False),
])
def test_name_drop(glossary, text, dropped):
    clause = split_clauses(text)[0]
    assert read_cues(clause, glossary).name_drop is dropped


@pytest.mark.parametrize("text, hedged, misstated", [
    ("not sure, maybe calibration on prod frames", True, False),
    ("only when prompted", True, False),
    ("vague on monitoring", True, False),
    ("couldn't say how the threshold was chosen", True, False),
    ("thinks a bigger batch lowers latency", False, True),
    ("confused precision with recall", False, True),
    ("I think we would profile on the device first", False, False),
    ("thinks about the schema before labelling", False, False),
    ("re-labelled the incorrectly labelled boxes", False, False),
    ("measured p95 latency on the Jetson", False, False),
    ("guessed the threshold", True, False),
    ("input size tuned on val rather than guessed", False, False),  # the opposite of a guess
    ("Drift only after prompt", True, False),  # interviewer shorthand, noun and all
    ("memory leak idea only after hint", True, False),
    ("w/ help got to CUDA streams", True, False),
    ("runs SAM with a prompt box per object", False, False),  # a prompt that is part of the method
    ("confuses throughput w/ latency", False, True),
    ("said quantisation = pruning (confused)", False, True),
    ("Things that go wrong: forgetting to divide the loss", False, False),  # a pitfall named, not a verdict
    ("the wrong boxes come from baked-in shapes", False, False),
    ("Asked about calibration", True, False),  # the interviewer's prompt, not the candidate's answer
    ("asked whether older devices are a target", False, False),  # the candidate's own question
    ("Culture/size argument generic", True, False),
    ("instead of using a generic backbone", False, False),
    ("each GT is matched once: a pred takes the best GT that hasn't been claimed", False, False),
    ("got 0.71 IoU vs claimed 0.78", False, False),
])
def test_hedges_and_misconceptions(glossary, text, hedged, misstated):
    cues = read_cues(split_clauses(text)[0], glossary)
    assert (cues.hedged, cues.misstated) == (hedged, misstated)
    assert cues.unreliable is (hedged or misstated or cues.name_drop)


def test_a_lone_remark_governs_its_neighbour(glossary):
    from scoring.cues import spread_remarks

    for text, target in [("Only when prompted, mentioned drift alerts on inputs", 1),
                         ("Monitors drift with alerts in prod. Only when prompted.", 0)]:
        cues = spread_remarks([read_cues(c, glossary) for c in split_clauses(text)])
        assert cues[target].hedged and cues[target].reason == "hedged"
    clean = spread_remarks([read_cues(c, glossary) for c in split_clauses("Profiled first. Then built the engine.")])
    assert not any(c.unreliable for c in clean)


def _spread(glossary, text):
    from scoring.cues import spread_remarks

    return spread_remarks([read_cues(c, glossary) for c in split_clauses(text)])


@pytest.mark.parametrize("text", [
    "Said batching frames (batch 8) will 'lower latency' for real-time - wrong, adds waiting.",
    "Said 'a GT can match several preds, the extra ones are TPs too'. Confident, wrong.",
    "Thinks bigger batch => lower latency (wrong).",
    "Claimed 'INT8 only quantises the weights, activations stay FP16' - confident, wrong for full-int8 TRT.",
])
def test_a_verdict_makes_the_claim_before_it_misstated(glossary, text):
    cues = _spread(glossary, text)
    assert len(cues) >= 2 and all(c.misstated and c.reason == "stated incorrectly" for c in cues)


def test_a_verdict_reaches_back_only_to_its_claim(glossary):
    cues = _spread(glossary, "Profiled per stage with timers. Said INT8 is lossless - wrong. Built the engine on the Orin.")
    assert [c.misstated for c in cues] == [False, True, True, False]


def test_a_quoted_misconception_runs_to_the_closing_quote(glossary):
    cues = _spread(glossary, "Claimed 'more data only helps, the 0.68 still holds', but then checked the split by site.")
    assert [c.misstated for c in cues] == [True, True, False]


def test_a_remark_with_its_own_topic_governs_nothing_else(glossary):
    cues = _spread(glossary, "Good on profiling, weak on eval.")
    assert [c.hedged for c in cues] == [False, True]
    cues = _spread(glossary, "Calibrated on prod frames - not sure.")
    assert cues[0].hedged


@pytest.mark.parametrize("text, negated", [("✗ per-class eval", True), ("❌ thermal soak test", True),
                                           ("✓ built the TRT engine on the device", False)])
def test_a_cross_mark_means_not_done(glossary, text, negated):
    cues = read_cues(split_clauses(text)[0], glossary)
    assert cues.negated is negated and (cues.reason == "negated") is negated


def test_thr_is_a_threshold(glossary):
    assert "threshold" in glossary.expand("IoU thr 0.5")


def test_a_thousands_separator_is_not_a_clause_break():
    assert [c.text for c in split_clauses("time 1,000 runs, reporting p50")] == ["time 1,000 runs", "reporting p50"]
    assert [c.text for c in split_clauses("10,000 images, 3 classes")] == ["10,000 images", "3 classes"]
