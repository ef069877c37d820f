"""Import of user-written questions (all or nothing) and the export formats other tools rely on."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from question_bank.export import export_questions
from question_bank.importer import import_file, parse_questions
from question_bank.loader import BankError, load_bank
from tests.question_bank.test_loader import good_question  # noqa: F401  (shared builder)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "question_bank" / "data")


def yaml_bytes(questions: list[dict]) -> bytes:
    return yaml.safe_dump({"questions": questions}).encode()


def test_valid_yaml_import_is_written_and_loads(bank, tmp_path):
    target = import_file(yaml_bytes([good_question("imported-one")]), "mine.yaml", bank, tmp_path)
    assert target.name == "imported_mine.yaml"
    reloaded = load_bank(REPO / "question_bank" / "data", extra_question_dirs=[tmp_path])
    assert reloaded.question("imported-one").rubric[0].id == "object-size"


def test_invalid_file_is_rejected_whole(bank, tmp_path):
    bad = good_question("second", competency="unknown_thing")
    with pytest.raises(BankError) as info:
        import_file(yaml_bytes([good_question("first-ok"), bad]), "mixed.yaml", bank, tmp_path)
    assert any("unknown competency" in str(p) for p in info.value.problems)
    assert list(tmp_path.iterdir()) == []


def test_duplicate_ids_are_refused(bank):
    existing = bank.questions[0].id
    with pytest.raises(BankError) as info:
        parse_questions(yaml_bytes([good_question(existing), good_question("twin"), good_question("twin")]), "d.yaml", bank)
    messages = [str(p) for p in info.value.problems]
    assert any("already has a question" in m for m in messages)
    assert any("appears twice" in m for m in messages)


def test_hostile_inputs_get_clear_messages(bank):
    for data, name, expected in [
        (b"\xff\xfe\x00bad", "x.yaml", "not UTF-8"),
        (b"questions: [", "x.yaml", "YAML syntax error"),
        (b"just a string", "x.yaml", "expected a list"),
        (b"a,b\n1,2\n", "x.csv", "missing column"),
        (b"x" * (3 * 1024 * 1024), "x.yaml", "MB"),
        (b"questions: []", "x.exe", "only .yaml"),
    ]:
        with pytest.raises(BankError) as info:
            parse_questions(data, name, bank)
        assert any(expected in str(p) for p in info.value.problems), (name, expected, info.value.problems)


def test_csv_round_trip_through_export_and_import(bank, tmp_path):
    text = export_questions(list(bank.questions[:2]), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["id"] = "copy-" + row["id"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    questions = parse_questions(buffer.getvalue().encode(), "copy.csv", bank)
    original = bank.questions[0]
    assert questions[0].prompt == original.prompt
    assert [p.text for p in questions[0].rubric] == [p.text for p in original.rubric]
    assert questions[0].rating_guide == original.rating_guide


def test_cli_export_json_uses_schema_field_names():
    out = subprocess.run([sys.executable, "-m", "question_bank", "export", "--format", "json"], capture_output=True,
                         text=True, cwd=REPO, check=True)
    data = json.loads(out.stdout)
    assert isinstance(data, list) and len(data) >= 1
    assert {"id", "prompt", "competency", "topics", "kind", "level", "rubric", "red_flags", "follow_ups",
            "model_answer", "rating_guide"} <= set(data[0])


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_cli_export_other_formats(fmt):
    out = subprocess.run([sys.executable, "-m", "question_bank", "export", "--format", fmt], capture_output=True,
                         text=True, cwd=REPO, check=True)
    assert len(out.stdout) > 1000
