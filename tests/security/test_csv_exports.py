"""The one CSV writer: formula cells with CR and LF, empty cells, and both exports that use it."""

from __future__ import annotations

import csv
import io

import pytest

from question_bank.csv_safe import restore_cell, safe_cell, write_csv
from tests.security.corpus import HOSTILE_TEXTS

FORMULA_CELLS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "ok\r=HYPERLINK(\"http://evil.example\")",
                 "ok\n=cmd|' /C calc'!A0", "ok\r\n@x", "ＳＵＭ", "＝1+1", "a\n\n-2"]


def spreadsheet_lines(text: str) -> list[str]:
    """What a careless spreadsheet sees: every physical line of every parsed cell."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [line for row in rows for cell in row for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


@pytest.mark.parametrize("cell", FORMULA_CELLS + list(HOSTILE_TEXTS))
def test_no_line_of_any_cell_starts_a_formula(cell):
    text = write_csv(["a", "b"], [{"a": cell, "b": "x"}])
    for line in spreadsheet_lines(text):
        assert not line.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), (cell, line)
    assert text.endswith("\r\n") and "\r\n" in text[:-2]  # header and row, both ended by CRLF
    raw_rows = text.split("\r\n")
    assert len(raw_rows) == 3, "a CR or LF inside a cell never ends the row (the cell is quoted)"


def test_empty_cells_stay_empty_and_numbers_stay_numbers():
    text = write_csv(["a", "b", "c", "d"], [{"a": "", "b": None, "c": -3, "d": 2.5}])
    assert text == "a,b,c,d\r\n,,-3,2.5\r\n"


def test_restore_cell_undoes_safe_cell():
    for cell in FORMULA_CELLS + list(HOSTILE_TEXTS) + ["plain", "'quoted", "'=kept"]:
        normalised = cell.replace("\r\n", "\n").replace("\r", "\n")
        assert restore_cell(safe_cell(cell)) == normalised


def test_question_bank_csv_export_is_guarded():
    from question_bank.export import export_questions
    from question_bank.loader import load_bank
    from tests.conftest import BANK_DIR

    question = load_bank(BANK_DIR).questions[0]
    hostile = question.model_copy(update={"prompt": "=HYPERLINK(\"http://evil.example\")\r=1+1",
                                          "model_answer": question.model_answer + "\n@SUM(1)"})
    text = export_questions([hostile], "csv")
    for line in spreadsheet_lines(text):
        assert not line.startswith(("=", "+", "-", "@")), line
    assert len(text.split("\r\n")) == 3


def test_mismatched_row_is_a_clear_error():
    with pytest.raises(ValueError, match="2 cells; the header has 3"):
        write_csv(["a", "b", "c"], [["x", "y"]])


def test_no_module_writes_csv_except_the_one_writer():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    writers = []
    for package in ("question_bank", "interviews", "lab", "scoring", "ui", "views", "demo_models", "scripts"):
        for path in (repo / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if any(call in text for call in ("csv.writer(", "csv.DictWriter(", ".to_csv(")):
                writers.append(str(path.relative_to(repo)))
    assert writers == ["question_bank/csv_safe.py"], writers


@pytest.mark.usefixtures("fresh_services")
def test_scorecard_exports_guard_a_formula_after_a_carriage_return():
    from interviews.db import session_scope
    from interviews.export import export_for
    from interviews.rating_csv import competency_csv, question_csv
    from interviews.visibility import visible_scorecards
    from tests.security.hostile_world import build_world
    from tests.ui.apptest import services

    world = build_world()
    manager = world.users["manager"].identity
    with session_scope(services().sessions) as session:
        text = export_for(session, viewer=manager, fmt="csv")
        cards = visible_scorecards(session, viewer=manager)
    assert "evil.example" in text and "HYPERLINK" in text, "the hostile rationale is in the export"
    for csv_text in (text, question_csv(cards), competency_csv(cards)):
        for line in spreadsheet_lines(csv_text):
            assert not line.startswith(("=", "+", "-", "@", "\t", "\r")), line
        assert csv_text.endswith("\r\n")
