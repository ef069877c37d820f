"""Integrity of the real bank: counts, seed coverage, competency and skill coverage, kits, and searchability."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from question_bank.loader import load_bank
from question_bank.schema import Kind, Level, Weight, count_words

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "question_bank" / "data")


def test_at_least_80_questions(bank):
    assert len(bank.questions) >= 80


def test_every_seed_question_is_present_once(bank):
    refs = Counter(q.seed_ref for q in bank.questions if q.seed_ref)
    assert set(refs) == {f"questions-{n}" for n in range(1, 25)}
    assert all(count == 1 for count in refs.values())


def test_seven_competencies_and_ten_skills_each_with_three_questions(bank):
    assert len(bank.competencies) == 7 and len(bank.skills) == 10
    by_competency = Counter(q.competency for q in bank.questions)
    by_skill = Counter(t for q in bank.questions for t in q.topics)
    assert min(by_competency[c.id] for c in bank.competencies) >= 3
    assert min(by_skill[s.id] for s in bank.skills) >= 3
    for c in bank.competencies:
        assert c.strong_signals and c.weak_signals


def test_all_kinds_and_levels_are_used(bank):
    assert {q.kind for q in bank.questions} == set(Kind)
    assert {q.level for q in bank.questions} == set(Level)


def test_question_shape(bank):
    for q in bank.questions:
        assert 4 <= len(q.rubric) <= 8, q.id
        assert any(p.weight is Weight.must for p in q.rubric), q.id
        assert len(q.red_flags) >= 2 and len(q.follow_ups) >= 2, q.id
        assert 120 <= count_words(q.model_answer) <= 250, q.id
        assert len({p.text.lower() for p in q.rubric}) == len(q.rubric), q.id


def test_four_kits_by_role_cover_competencies(bank):
    assert len(bank.kits) >= 4
    for kit in bank.kits:
        assert len(set(kit.question_ids)) == len(kit.question_ids), kit.id
        assert len(bank.kit_competencies(kit)) >= 4, kit.id
    generalist = next(k for k in bank.kits if k.id == "generalist-cv")
    assert set(bank.kit_competencies(generalist)) == {c.id for c in bank.competencies}


def test_no_seed_sentence_is_copied(bank):
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in (REPO.parent / "shared" / "seeds").glob("*.txt")) \
        if (REPO.parent / "shared" / "seeds").is_dir() else ""
    if not seeds:
        pytest.skip("the seed documents are not beside this checkout")
    words = seeds.lower().split()
    shingles = {" ".join(words[i:i + 10]) for i in range(len(words) - 9)}
    for q in bank.questions:
        text = " ".join([q.model_answer, q.why_asked, *(p.text for p in q.rubric)]).lower().split()
        copied = [" ".join(text[i:i + 10]) for i in range(len(text) - 9) if " ".join(text[i:i + 10]) in shingles]
        assert not copied, (q.id, copied[:1])
