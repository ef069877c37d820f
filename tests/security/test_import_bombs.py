"""Hostile question files against the Question bank page's import, each in a fresh child process that measures the
cost: every one is refused with a clear message, within 5 s of CPU and 300 MB of peak memory."""

from __future__ import annotations

import pytest

from question_bank.loader import MAX_PROBLEMS, BankError, parse_yaml_text
from tests.security.budget import measure
from tests.security.corpus import IMPORT_BOMBS, yaml_deep_nesting, yaml_many_errors_each

CPU_BUDGET_S = 5.0
PEAK_BUDGET_MB = 300.0
WALL_LIMIT_S = 30.0  # generous: the CI machine is shared; the CPU budget is the real bound

EXPECTED = {
    "yaml billion laughs": "anchors (&a0) are not accepted",
    "yaml merge keys": "anchors (&b) are not accepted",
    "yaml 1.8 MB of empty items": "more than 100,000 values",
    "yaml 90k small items": "more than 1,000 questions",
    "yaml 100k-deep flow nesting": "nested more than 32 levels",
    "yaml deep block nesting": "nested more than 32 levels",
    "yaml 50k-deep mappings": "nested more than 32 levels",
    "yaml 200k-digit integer": "could not be read",
    "yaml python tag": "python/object",
    "yaml 1000 items x 12 errors": "more problem(s)",
    "yaml 3 MB": "MB; at most 2 MB",
    "yaml not utf-8": "not UTF-8",
    "csv 125k rows": "more than 1,000 questions",
    "csv 200k-column header": "columns; at most 40",
    "csv 1.5 MB cell": "CSV error",
    "csv unclosed quote": "CSV error",
    "csv 500k cells in a row": "more cells than the header",
}


@pytest.mark.parametrize("case", sorted(IMPORT_BOMBS))
def test_hostile_import_is_refused_clearly_within_budget(case, tmp_path):
    filename, data = IMPORT_BOMBS[case]()
    cost = measure("import_questions", filename, data, tmp_path)
    assert cost.refused and not cost.error, cost
    assert EXPECTED[case] in cost.message, cost.message[:600]
    assert "Traceback" not in cost.message
    assert cost.message.count("\n") <= MAX_PROBLEMS + 3, "the problem list is capped"
    assert cost.cpu_s < CPU_BUDGET_S and cost.wall_s < WALL_LIMIT_S, cost
    assert cost.peak_mb < PEAK_BUDGET_MB, cost


def test_every_bomb_has_an_expected_message():
    assert set(EXPECTED) == set(IMPORT_BOMBS)


def test_deep_nesting_is_a_problem_not_a_recursion_error():
    problems: list = []
    assert parse_yaml_text(yaml_deep_nesting()[1], "deep.yaml", problems) is None
    assert "nested more than" in str(problems[0])


def test_problems_are_capped_and_the_rest_counted(bank):
    from question_bank.importer import parse_questions

    with pytest.raises(BankError) as info:
        parse_questions(yaml_many_errors_each(200)[1], "bad.yaml", bank)
    error = info.value
    assert len(error.problems) == MAX_PROBLEMS and error.total > MAX_PROBLEMS
    assert error.lines()[-1].startswith("(checking stopped") or "more problem(s)" in error.lines()[-1]
    assert len(str(error)) < 20_000


@pytest.fixture(scope="module")
def bank():
    from question_bank.loader import load_bank
    from tests.conftest import BANK_DIR

    return load_bank(BANK_DIR)
