"""Load and validate the question bank from YAML files, reporting every problem at once.

Layout of a bank folder::

    competencies.yaml        competencies: [...]  skills: [...]
    questions/*.yaml         questions: [...]
    kits.yaml                kits: [...]           (optional)

:func:`load_bank` returns a :class:`~question_bank.schema.Bank` or raises :class:`BankError` listing each problem
with its file, question id and field. Nothing here prints or exits; the CLI and the pages decide how to show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from question_bank.bounded_yaml import YamlRefused, load_bounded
from question_bank.schema import Bank, Competency, Kit, Question, Skill

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.item}]" if self.item else "") + (f" {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ProblemList(list):
    """A list of problems that keeps the first ``cap`` and only counts the rest, so that a hostile file with
    millions of faults costs no more memory than one with a hundred."""

    def __init__(self, cap: int = MAX_PROBLEMS) -> None:
        super().__init__()
        self.cap, self.dropped, self.stopped = cap, 0, False

    def append(self, problem: Problem) -> None:  # type: ignore[override]
        if len(self) < self.cap:
            super().append(problem)
        else:
            self.dropped += 1

    @property
    def full(self) -> bool:
        return len(self) >= self.cap


class BankError(Exception):
    """The bank (or an import) is invalid; ``problems`` lists the first problems (at most ``MAX_PROBLEMS``),
    ``total`` counts them all."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)[:MAX_PROBLEMS]
        self.total = len(problems) + getattr(problems, "dropped", 0)
        self.stopped = bool(getattr(problems, "stopped", False))
        super().__init__(f"{self.total} problem(s) in the question bank:\n" + "\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per kept problem, then "... and N more problem(s)" when some were only counted."""
        more = self.total - len(self.problems)
        tail = []
        if more:
            tail.append(f"... and {more:,} more problem(s)")
        if self.stopped:
            tail.append(f"(checking stopped after the first {len(self.problems)} problems; fix these and upload again)")
        return [*map(str, self.problems), *tail]


def read_yaml(path: Path, problems: list[Problem], *, label: str | None = None) -> Any:
    """Parse one YAML file safely; size, encoding and syntax errors become problems and return None."""
    name = label or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.append(Problem(name, "", "", f"cannot be read: {exc.strerror}"))
        return None
    if size > MAX_FILE_BYTES:
        problems.append(Problem(name, "", "", f"is {size / 1e6:.1f} MB; a bank file may be at most {MAX_FILE_BYTES // 1e6:.0f} MB"))
        return None
    return parse_yaml_text(path.read_bytes(), name, problems)


def parse_yaml_text(data: bytes, name: str, problems: list[Problem]) -> Any:
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(name, "", "", f"is {len(data) / 1e6:.1f} MB; at most {MAX_FILE_BYTES // 1e6:.0f} MB"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", "", f"is not UTF-8 text (byte {exc.start})"))
        return None
    try:
        return load_bounded(text)
    except YamlRefused as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(name, "", "", f"refused{where}: {exc.problem}"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(name, "", "", f"YAML syntax error{where}: {reason}"))
        return None


def _items(doc: Any, key: str, name: str, problems: list[Problem]) -> list[Any]:
    if doc is None:
        problems.append(Problem(name, "", key, "file is empty"))
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        problems.append(Problem(name, "", key, f"expected a top-level mapping with a list under '{key}:'"))
        return []
    return doc[key]


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(item)"


def validate_items(raw: Iterable[Any], model: type[BaseModel], name: str, problems: list[Problem]) -> list[Any]:
    """Validate each raw mapping against ``model``; every field error becomes a problem."""
    valid = []
    for index, item in enumerate(raw):
        if getattr(problems, "full", False):  # the rest would only be counted: stop spending time on it
            problems.stopped = True  # type: ignore[attr-defined]
            break
        ident = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
        if not isinstance(item, dict):
            problems.append(Problem(name, ident, "", f"expected a mapping, got {type(item).__name__}"))
            continue
        try:
            valid.append(model.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(name, ident, _field_path(err["loc"]), err["msg"]))
    return valid


def _check_unique(items: Iterable[tuple[str, str]], what: str, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for ident, file in items:
        if ident in seen:
            problems.append(Problem(file, ident, "id", f"duplicate {what} id (also in {seen[ident]})"))
        else:
            seen[ident] = file


def check_references(questions: Sequence[tuple[Question, str]], competencies: set[str], skills: set[str],
                     problems: list[Problem]) -> None:
    for question, file in questions:
        if question.competency not in competencies:
            problems.append(Problem(file, question.id, "competency", f"unknown competency '{question.competency}'"))
        for topic in question.topics:
            if topic not in skills:
                problems.append(Problem(file, question.id, "topics", f"unknown skill '{topic}'"))


def load_bank(directory: Path, *, extra_question_dirs: Sequence[Path] = ()) -> Bank:
    """Read and validate a whole bank folder (plus folders of imported questions)."""
    directory = Path(directory)
    problems: list[Problem] = ProblemList()
    if not directory.is_dir():
        raise BankError([Problem(str(directory), "", "", "is not a folder")])

    comp_doc = read_yaml(directory / "competencies.yaml", problems)
    competencies = validate_items(_items(comp_doc, "competencies", "competencies.yaml", problems) if comp_doc is not None else [],
                                  Competency, "competencies.yaml", problems)
    skills = validate_items(comp_doc.get("skills", []) if isinstance(comp_doc, dict) else [], Skill, "competencies.yaml", problems)

    question_files = sorted((directory / "questions").glob("*.yaml"))
    for extra in extra_question_dirs:
        question_files += sorted(Path(extra).glob("*.yaml"))
    if not question_files:
        problems.append(Problem("questions/", "", "", "no question files (*.yaml) found"))
    located: list[tuple[Question, str]] = []
    for path in question_files:
        label = path.name
        doc = read_yaml(path, problems, label=label)
        if doc is None and problems and problems[-1].file == label:
            continue
        for q in validate_items(_items(doc, "questions", label, problems), Question, label, problems):
            located.append((q, label))

    kits: list[Kit] = []
    if (directory / "kits.yaml").exists():
        kit_doc = read_yaml(directory / "kits.yaml", problems)
        if kit_doc is not None:
            kits = validate_items(_items(kit_doc, "kits", "kits.yaml", problems), Kit, "kits.yaml", problems)

    _check_unique(((c.id, "competencies.yaml") for c in competencies), "competency", problems)
    _check_unique(((s.id, "competencies.yaml") for s in skills), "skill", problems)
    _check_unique(((q.id, f) for q, f in located), "question", problems)
    _check_unique(((q.seed_ref, f) for q, f in located if q.seed_ref), "seed_ref", problems)
    _check_unique(((k.id, "kits.yaml") for k in kits), "kit", problems)
    check_references(located, {c.id for c in competencies}, {s.id for s in skills}, problems)
    question_ids = {q.id for q, _ in located}
    for kit in kits:
        for qid in kit.question_ids:
            if qid not in question_ids:
                problems.append(Problem("kits.yaml", kit.id, "stages.questions", f"unknown question '{qid}'"))

    if problems:
        raise BankError(problems)
    return Bank(competencies=tuple(competencies), skills=tuple(skills),
                questions=tuple(q for q, _ in located), kits=tuple(kits))
