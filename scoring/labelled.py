"""Labelled rows, read the way the product matches them.

A row is ``{"text", "points": [...], "covered": [indices]}`` with optional ``question_id``, ``point_ids``,
``quality`` (strong / mixed / weak), ``source``, and ``evidence`` (``{"<index>": [start, end]}`` or
``{"<index>": [[start, end], ...]}``: where in the text the labelled evidence for a covered point lies, one span per
labeller quote). When the row's ``question_id`` is a bank question and its points are
that question's rubric points (by id, else by text), the row is matched as ``match_question`` matches it: against the
bank's whole rubric, with each point's "listen for" examples. Otherwise it is matched on its plain point strings.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class RowsError(ValueError):
    """A file cannot be read as labelled rows."""


@dataclass(frozen=True)
class LabelledRow:
    text: str
    points: tuple  # what the matcher is given: the bank's rubric points, or the row's plain strings
    labelled: tuple[int, ...]  # indices into ``points`` that carry a label (all of them on the plain path)
    covered: frozenset[int]  # indices into ``points`` labelled as covered
    evidence: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # point index -> labelled spans
    quality: str | None = None
    source: str = "all"
    question_id: str | None = None
    question: object | None = None  # the bank question on the product path
    raw: Mapping = field(default_factory=dict, compare=False)

    @property
    def product_path(self) -> bool:
        return self.question is not None


def read_jsonl(path: Path) -> list[dict]:
    """Every row of a JSON-lines file of labelled rows, checked for the fields the tools need."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RowsError(f"cannot read {path}: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, points, covered = row["text"], row["points"], row.get("covered", [])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise RowsError(f"{path}:{number}: not a labelled row ({exc})") from exc
        if not isinstance(text, str) or not isinstance(points, list) or not isinstance(covered, list) or \
                not all(isinstance(i, int) and 0 <= i < len(points) for i in covered):
            raise RowsError(f"{path}:{number}: needs text (str), points (list) and covered (indices)")
        rows.append(row)
    return rows


def bank_questions(bank_dir: Path | None = None) -> dict[str, object]:
    """The bank's questions by id; empty (with a note on stderr) when the bank cannot be loaded."""
    from question_bank.loader import BankError, load_bank  # the CLIs read the bank; the matcher never does
    from settings import get_settings

    try:
        bank = load_bank(bank_dir or get_settings().bank_dir)
    except (BankError, OSError) as exc:
        print(f"scoring: the question bank could not be loaded ({exc}); rows are matched on their plain points",
              file=sys.stderr)
        return {}
    return {q.id: q for q in bank.questions}


def overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the text between ``start`` and ``end`` overlaps one of the labelled evidence ``spans``."""
    return any(start < e and s < end for s, e in spans)


def _as_spans(value) -> tuple[tuple[int, int], ...]:
    """``[start, end]`` or a list of them, as a tuple of valid spans (anything else is ignored)."""
    items = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    spans = []
    for item in items:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(v, int) for v in item) and \
                0 <= item[0] < item[1]:
            spans.append((item[0], item[1]))
    return tuple(spans)


def _spans(row: Mapping, to_index: Mapping[int, int]) -> dict[int, tuple[tuple[int, int], ...]]:
    raw = row.get("evidence") or {}
    if not isinstance(raw, Mapping):
        return {}
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, value in raw.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        spans = _as_spans(value)
        if index in to_index and spans:
            out[to_index[index]] = spans
    return out


def _rubric_positions(row: Mapping, question) -> list[int] | None:
    """For each of the row's points, its position in the bank question's rubric (None when one does not fit)."""
    rubric = list(question.rubric)
    ids = row.get("point_ids")
    if isinstance(ids, list) and len(ids) == len(row["points"]):
        by_id = {p.id: k for k, p in enumerate(rubric)}
        positions = [by_id.get(i) for i in ids]
    else:
        by_text = {" ".join(p.text.lower().split()): k for k, p in enumerate(rubric)}
        positions = [by_text.get(" ".join(str(t).lower().split())) for t in row["points"]]
    if any(p is None for p in positions) or len(set(positions)) < len(positions):
        return None
    return positions  # type: ignore[return-value]


def resolve(row: Mapping, questions: Mapping[str, object]) -> LabelledRow:
    """The row as the matcher will see it (product path when its question and points are in the bank)."""
    covered = row.get("covered", [])
    common = {"quality": row.get("quality"), "source": str(row.get("source", "all")),
              "question_id": row.get("question_id"), "raw": row}
    question = questions.get(row.get("question_id")) if row.get("question_id") else None
    positions = _rubric_positions(row, question) if question is not None else None
    if positions is None:
        identity = {i: i for i in range(len(row["points"]))}
        return LabelledRow(row["text"], tuple(row["points"]), tuple(range(len(row["points"]))),
                           frozenset(covered), _spans(row, identity), **common)
    to_rubric = dict(enumerate(positions))
    return LabelledRow(row["text"], tuple(question.rubric), tuple(positions),
                       frozenset(to_rubric[i] for i in covered), _spans(row, to_rubric), question=question, **common)


def load_labelled(paths: Sequence[Path], *, use_bank: bool = True,
                  questions: Mapping[str, object] | None = None) -> list[LabelledRow]:
    """Rows of ``paths`` resolved against the bank (``use_bank=False``: always the plain point strings)."""
    raw = [r for path in paths for r in read_jsonl(path)]
    if questions is None:
        questions = bank_questions() if use_bank and any(r.get("question_id") for r in raw) else {}
    return [resolve(r, questions) for r in raw]
