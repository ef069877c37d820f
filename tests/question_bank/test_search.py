"""Search and filters with a deterministic encoder (the real model is exercised by the browser journey)."""

from __future__ import annotations

from pathlib import Path

import pytest

from question_bank.loader import load_bank
from question_bank.search import BankIndex, Filters, filter_questions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "question_bank" / "data")


def test_word_overlap_finds_the_question_it_quotes(bank, fake_encoder):
    index = BankIndex(bank, fake_encoder)
    target = bank.question("letterbox-resize-and-box-mapping")
    hits = index.search(target.prompt, k=3)
    assert hits[0].question.id == target.id
    assert hits[0].score >= hits[-1].score


def test_filters_apply_to_search_and_listing(bank, fake_encoder):
    index = BankIndex(bank, fake_encoder)
    only = Filters(kinds=frozenset({"behavioural"}), levels=frozenset({"senior"}))
    hits = index.search("a time you shipped something", k=50, filters=only)
    assert hits and all(h.question.kind.value == "behavioural" and h.question.level.value == "senior" for h in hits)
    listed = filter_questions(bank, only)
    assert {h.question.id for h in hits} <= {q.id for q in listed}


def test_kit_restriction(bank):
    kit = bank.kits[0]
    listed = filter_questions(bank, Filters().within(frozenset(kit.question_ids)))
    assert sorted(q.id for q in listed) == sorted(kit.question_ids)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_blank_queries_return_nothing(bank, fake_encoder, query):
    assert BankIndex(bank, fake_encoder).search(query) == []


def test_huge_and_odd_queries_are_bounded(bank, fake_encoder):
    index = BankIndex(bank, fake_encoder)
    assert len(index.search("🚀 <script>alert(1)</script> " * 10_000, k=5)) == 5


def test_vectors_are_cached_on_disk_and_invalidated_by_content(bank, fake_encoder, tmp_path):
    from question_bank.search import question_vectors

    class Counting:
        def __init__(self, inner):
            self.inner, self.texts = inner, 0

        def encode(self, texts):
            self.texts += len(texts)
            return self.inner.encode(texts)

    first = Counting(fake_encoder)
    vectors = question_vectors(bank, first, tmp_path)
    assert first.texts == len(bank.questions) + 1
    again = Counting(fake_encoder)
    assert (question_vectors(bank, again, tmp_path) == vectors).all()
    assert again.texts == 1, "only the probe sentence is encoded when the cache is valid"
    smaller = bank.model_copy(update={"questions": bank.questions[:-1]})
    third = Counting(fake_encoder)
    assert question_vectors(smaller, third, tmp_path).shape[0] == len(bank.questions) - 1
    assert third.texts == len(bank.questions), "changed content is re-encoded"


@pytest.mark.slow
@pytest.mark.parametrize("query,expected", [
    ("how do I hit 30 fps on a Jetson", "jetson-30fps-realtime-detection"),
    ("int8 quantization lost accuracy", {"int8-drop-on-faint-defects", "int8-static-ptq-calibration"}),
    ("OCR receipts on a phone", "mobile-receipt-ocr-design"),
])
def test_real_model_finds_the_question_a_person_means(bank, query, expected):
    from scoring.embedder import get_search_encoder

    top = BankIndex(bank, get_search_encoder()).search(query, k=1)[0].question.id
    assert top in ({expected} if isinstance(expected, str) else expected)
