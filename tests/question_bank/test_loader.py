"""The loader and validator on good and bad bank folders: every problem reported, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from question_bank.loader import BankError, load_bank
from question_bank.schema import Question, count_words

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "question_bank" / "data"


def good_question(qid: str = "sample-question", **overrides) -> dict:
    q = {
        "id": qid,
        "prompt": "How would you pick an input resolution for a small-object detector?",
        "competency": "failure_analysis",
        "topics": ["model_evaluation"],
        "kind": "technical",
        "level": "mid",
        "why_asked": "Shows whether the candidate connects resolution to object size and latency.",
        "rubric": [
            {"id": "object-size", "text": "Measures the pixel size of the smallest objects that matter", "weight": "must"},
            {"id": "stride", "text": "Relates the detector's stride to the smallest object size", "weight": "must"},
            {"id": "latency", "text": "Measures the latency cost of each candidate resolution", "weight": "must"},
            {"id": "tiling", "text": "Considers tiling large frames instead of upscaling", "weight": "nice"},
        ],
        "red_flags": ["Uses the default resolution without checking", "Ignores latency"],
        "follow_ups": ["What if the objects are 6 pixels wide?", "How would you tile without double counting?"],
        "model_answer": " ".join(["word"] * 150),
        "rating_guide": {1: "No link to object size.", 2: "Some awareness.", 3: "Solid reasoning.", 4: "Measured, complete."},
    }
    q.update(overrides)
    return q


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    (tmp_path / "questions").mkdir()
    shutil.copy(REAL / "competencies.yaml", tmp_path / "competencies.yaml")
    write_questions(tmp_path, [good_question()])
    return tmp_path


def write_questions(folder: Path, questions: list[dict], name: str = "q.yaml") -> Path:
    path = folder / "questions" / name
    path.write_text(yaml.safe_dump({"questions": questions}), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(BankError) as info:
        load_bank(folder)
    return [str(p) for p in info.value.problems]


def test_a_valid_folder_loads(bank_dir):
    bank = load_bank(bank_dir)
    assert [q.id for q in bank.questions] == ["sample-question"]
    assert bank.question("sample-question").must_points[0].id == "object-size"


def test_yaml_syntax_error_names_file_and_line(bank_dir):
    (bank_dir / "questions" / "broken.yaml").write_text("questions:\n  - id: x\n    prompt: [unclosed\n")
    problems = problems_of(bank_dir)
    assert any("broken.yaml" in p and "YAML syntax error at line" in p for p in problems)


def test_missing_field_is_reported_with_question_and_field(bank_dir):
    q = good_question("no-red-flags")
    del q["red_flags"]
    write_questions(bank_dir, [q], "missing.yaml")
    problems = problems_of(bank_dir)
    assert any("missing.yaml [no-red-flags] red_flags: Field required" in p for p in problems)


def test_wrong_type_is_reported(bank_dir):
    write_questions(bank_dir, [good_question("bad-topics", topics="model_evaluation")], "wrong.yaml")
    assert any("[bad-topics] topics" in p and "list" in p for p in problems_of(bank_dir))


def test_duplicate_id_across_files(bank_dir):
    write_questions(bank_dir, [good_question()], "again.yaml")
    assert any("duplicate question id" in p for p in problems_of(bank_dir))


def test_unknown_competency_and_skill(bank_dir):
    write_questions(bank_dir, [good_question("odd", competency="telepathy", topics=["juggling"])], "odd.yaml")
    problems = problems_of(bank_dir)
    assert any("unknown competency 'telepathy'" in p for p in problems)
    assert any("unknown skill 'juggling'" in p for p in problems)


def test_ten_megabyte_file_is_refused_before_parsing(bank_dir):
    (bank_dir / "questions" / "huge.yaml").write_bytes(b"# " + b"x" * (10 * 1024 * 1024))
    assert any("huge.yaml" in p and "10.5 MB" in p for p in problems_of(bank_dir))


def test_all_problems_are_reported_together(bank_dir):
    q1 = good_question("short-answer", model_answer="Too short.")
    q2 = good_question("few-points", rubric=good_question()["rubric"][:2])
    write_questions(bank_dir, [q1, q2], "many.yaml")
    problems = problems_of(bank_dir)
    assert any("[short-answer] model_answer" in p and "2 words" in p for p in problems)
    assert any("[few-points] rubric" in p for p in problems)


def test_rating_guide_accepts_integer_keys():
    q = Question.model_validate(good_question())
    assert q.rating_guide.for_rating(4) == "Measured, complete."


def test_word_count_counts_hyphenated_and_apostrophes():
    assert count_words("Don't over-fit: 3 runs, 2 GPUs.") == 6


def test_cli_validate_exit_codes(bank_dir):
    ok = subprocess.run([sys.executable, "-m", "question_bank", "validate", str(bank_dir)], capture_output=True,
                        text=True, cwd=REPO)
    assert ok.returncode == 0 and ok.stdout.startswith("valid: 1 questions")
    (bank_dir / "questions" / "broken.yaml").write_text("questions: [\n")
    bad = subprocess.run([sys.executable, "-m", "question_bank", "validate", str(bank_dir)], capture_output=True,
                         text=True, cwd=REPO)
    assert bad.returncode == 1
    assert "broken.yaml" in bad.stderr and "Traceback" not in bad.stderr
