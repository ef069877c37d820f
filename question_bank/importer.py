"""Import user-written questions (YAML or CSV) into a bank, all or nothing.

A file is validated against the schema and against the bank it joins (known competencies and skills, no id that
the bank already has, no id twice in the file). Any problem rejects the whole file with the full list of problems.

CSV format: one row per question, with the columns ``id, prompt, competency, topics, kind, level, why_asked,
rubric, red_flags, follow_ups, model_answer, rating_1, rating_2, rating_3, rating_4`` (and optional ``seed_ref`` and ``visibility``: ``practice`` or ``interview``).
List cells separate their items with `` | ``; a rubric item is ``must: text`` or ``nice: text``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path

import yaml

from question_bank.csv_safe import restore_cell
from question_bank.loader import (MAX_FILE_BYTES, BankError, Problem, ProblemList, check_references, parse_yaml_text,
                                  validate_items)
from question_bank.schema import Bank, Question

CSV_COLUMNS = ("id", "prompt", "competency", "topics", "kind", "level", "why_asked", "rubric", "red_flags",
               "follow_ups", "model_answer", "rating_1", "rating_2", "rating_3", "rating_4")
LIST_SEPARATOR = " | "
MAX_IMPORT_QUESTIONS = 1000
MAX_CSV_COLUMNS = 40
MAX_CSV_CELL_CHARS = 20_000


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "point"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _csv_row_to_question(raw_row: dict[str, str]) -> dict:
    row = {k: restore_cell(v) for k, v in raw_row.items() if isinstance(k, str) and isinstance(v, str)}
    taken: set[str] = set()
    rubric = []
    for item in _split(row.get("rubric", "")):
        weight, _, text = item.partition(":")
        if weight.strip().lower() not in {"must", "nice"} or not text.strip():
            weight, text = "must", item
        rubric.append({"id": _slug(text, taken), "text": text.strip(), "weight": weight.strip().lower()})
    question = {
        "id": (row.get("id") or "").strip(),
        "prompt": row.get("prompt", ""),
        "competency": (row.get("competency") or "").strip(),
        "topics": [t.strip() for t in re.split(r"[|,;]", row.get("topics") or "") if t.strip()],
        "kind": (row.get("kind") or "").strip(),
        "level": (row.get("level") or "").strip(),
        "why_asked": row.get("why_asked", ""),
        "rubric": rubric,
        "red_flags": _split(row.get("red_flags", "")),
        "follow_ups": _split(row.get("follow_ups", "")),
        "model_answer": row.get("model_answer", ""),
        "rating_guide": {n: row.get(f"rating_{n}", "") for n in range(1, 5)},
    }
    if (row.get("seed_ref") or "").strip():
        question["seed_ref"] = row["seed_ref"].strip()
    if (row.get("visibility") or "").strip():
        question["visibility"] = row["visibility"].strip()
    return question


def parse_csv(data: bytes, name: str, problems: list[Problem]) -> list[dict]:
    """Rows of a questions CSV as raw question mappings; stops at ``MAX_IMPORT_QUESTIONS`` rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", "", f"is not UTF-8 text (byte {exc.start})"))
        return []
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, [])
        if len(header) > MAX_CSV_COLUMNS:
            problems.append(Problem(name, "", "header", f"has {len(header)} columns; at most {MAX_CSV_COLUMNS}"))
            return []
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            problems.append(Problem(name, "", "header", f"missing column(s): {', '.join(missing)}"))
            return []
        questions = []
        for line, cells in enumerate(rows, start=2):
            if len(questions) >= MAX_IMPORT_QUESTIONS:
                problems.append(_too_many(name))
                return []
            if len(cells) > len(header) or any(len(cell) > MAX_CSV_CELL_CHARS for cell in cells):
                problems.append(Problem(name, f"line {line}", "", f"has more cells than the header, or a cell over "
                                                                  f"{MAX_CSV_CELL_CHARS:,} characters"))
                continue
            if any(cell.strip() for cell in cells):
                questions.append(_csv_row_to_question(dict(zip(header, cells))))
        return questions
    except csv.Error as exc:
        problems.append(Problem(name, "", "", f"CSV error: {exc}"))
        return []


def _too_many(name: str) -> Problem:
    return Problem(name, "", "", f"holds more than {MAX_IMPORT_QUESTIONS:,} questions; split it into smaller files")


def _raw_questions(data: bytes, filename: str, problems: list[Problem]) -> list:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return parse_csv(data, filename, problems)
    if suffix not in {".yaml", ".yml"}:
        raise BankError([Problem(filename, "", "", "only .yaml, .yml and .csv files can be imported")])
    doc = parse_yaml_text(data, filename, problems)
    raw = doc.get("questions") if isinstance(doc, dict) else doc
    if problems:
        return []
    if not isinstance(raw, list):
        problems.append(Problem(filename, "", "questions", "expected a list of questions under 'questions:'"))
        return []
    if len(raw) > MAX_IMPORT_QUESTIONS:
        problems.append(_too_many(filename))
        return []
    return raw


def parse_questions(data: bytes, filename: str, bank: Bank) -> list[Question]:
    """Validate an uploaded file of questions against ``bank``; raise BankError with the problems (the first
    ``MAX_PROBLEMS`` of them, and a count of the rest)."""
    problems: list[Problem] = ProblemList()
    if len(data) > MAX_FILE_BYTES:
        raise BankError([Problem(filename, "", "",
                                 f"is {len(data) / 1e6:.1f} MB; at most {MAX_FILE_BYTES // 1e6:.0f} MB")])
    raw = _raw_questions(data, filename, problems)
    if not problems and not raw:
        problems.append(Problem(filename, "", "", "holds no questions"))
    questions = validate_items(raw, Question, filename, problems)
    check_references([(q, filename) for q in questions], {c.id for c in bank.competencies},
                     {s.id for s in bank.skills}, problems)
    existing = {q.id for q in bank.questions}
    seen: set[str] = set()
    for q in questions:
        if q.id in existing:
            problems.append(Problem(filename, q.id, "id", "the bank already has a question with this id"))
        if q.id in seen:
            problems.append(Problem(filename, q.id, "id", "appears twice in this file"))
        seen.add(q.id)
    if problems:
        raise BankError(problems)
    return questions


def dump_questions(questions: list[Question]) -> str:
    """YAML text of ``questions`` in the bank's own file format."""
    docs = [q.model_dump(mode="json", by_alias=True, exclude_none=True) for q in questions]
    for doc in docs:
        doc["rating_guide"] = {int(k): v for k, v in doc["rating_guide"].items()}
    return yaml.safe_dump({"questions": docs}, sort_keys=False, allow_unicode=True, width=110)


def import_file(data: bytes, filename: str, bank: Bank, into: Path) -> Path:
    """Validate and then write the questions to ``into/imported_<name>.yaml``; refuse to overwrite, also when two
    imports of the same name race (the loser gets the same clear refusal)."""
    questions = parse_questions(data, filename, bank)
    into.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(filename).stem)[:60] or "questions"
    target = into / f"imported_{stem}.yaml"
    taken = BankError([Problem(filename, "", "", f"a file named {target.name} was imported already; rename yours")])
    if target.exists():
        raise taken
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".part", dir=into)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(dump_questions(questions))
        os.link(tmp, target)  # atomic and exclusive: of two tabs importing one file, exactly one wins
    except FileExistsError:
        raise taken from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
