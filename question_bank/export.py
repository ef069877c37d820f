"""Serialise the bank's questions as JSON, YAML or CSV (the CSV format is the one the importer reads)."""

from __future__ import annotations

import json

from question_bank.csv_safe import write_csv
from question_bank.importer import CSV_COLUMNS, LIST_SEPARATOR, dump_questions
from question_bank.schema import Question

FORMATS = ("json", "yaml", "csv")


def question_to_dict(q: Question) -> dict:
    doc = q.model_dump(mode="json", by_alias=True)
    doc["rating_guide"] = {str(k): v for k, v in doc["rating_guide"].items()}
    return doc


def _csv_row(q: Question) -> dict[str, str]:
    return {
        "id": q.id, "seed_ref": q.seed_ref or "", "prompt": q.prompt, "competency": q.competency,
        "topics": LIST_SEPARATOR.join(q.topics), "kind": q.kind.value, "level": q.level.value,
        "visibility": q.visibility.value,
        "why_asked": q.why_asked,
        "rubric": LIST_SEPARATOR.join(f"{p.weight.value}: {p.text}" for p in q.rubric),
        "red_flags": LIST_SEPARATOR.join(q.red_flags), "follow_ups": LIST_SEPARATOR.join(q.follow_ups),
        "model_answer": q.model_answer,
        **{f"rating_{n}": q.rating_guide.for_rating(n) for n in range(1, 5)},
    }


def export_questions(questions: list[Question], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([question_to_dict(q) for q in questions], indent=2, ensure_ascii=False)
    if fmt == "yaml":
        return dump_questions(questions)
    if fmt == "csv":
        return write_csv([*CSV_COLUMNS, "seed_ref", "visibility"], (_csv_row(q) for q in questions))
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
