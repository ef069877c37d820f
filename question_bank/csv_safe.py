"""The one CSV writer every export uses: safe to open in a spreadsheet (no formula runs, no row is split).

* Every line of every text cell is checked: a line that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return (or their full-width forms) gets a leading apostrophe, so Excel, LibreOffice and Google
  Sheets show it as text. Checking each line matters: a cell ``"x\\r=HYPERLINK(...)"`` written unquoted with
  bare LF row ends used to become a new row that starts with a formula.
* Line breaks inside a cell become ``\\n`` and such a cell is quoted; rows end with ``\\r\\n`` (RFC 4180).
* Empty cells stay empty (no lone apostrophe); ``None`` is empty; numbers are written as numbers.

Lives in ``question_bank`` because both the bank's export and ``interviews`` (scorecards) may import it
without breaking the package arrows (see tests/test_architecture.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def safe_cell(value: object) -> object:
    """A cell value a spreadsheet shows as written: numbers as they are, text with no line starting a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return value
    lines = _LINE_BREAKS.split(str(value))
    return "\n".join("'" + line if _needs_apostrophe(line) else line for line in lines)


def _needs_apostrophe(line: str) -> bool:
    # "'=x" written by a person also gets one, so that restore_cell gives back exactly what was written
    return line.lstrip("'").startswith(FORMULA_STARTS)


def write_csv(header: Sequence[str], rows: Iterable[Mapping[str, object] | Sequence[object]]) -> str:
    """CSV text with ``header`` then one line per row (a mapping keyed by the header, or a sequence in its order)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        values = [row.get(name) for name in header] if isinstance(row, Mapping) else list(row)
        if len(values) != len(header):
            raise ValueError(f"a row has {len(values)} cells; the header has {len(header)}")
        writer.writerow([safe_cell(value) for value in values])
    return buffer.getvalue()


def restore_cell(text: str) -> str:
    """Undo :func:`safe_cell`'s apostrophes (the importer reads the bank's own CSV export back)."""
    lines = _LINE_BREAKS.split(text)
    return "\n".join(line[1:] if line.startswith("'") and _needs_apostrophe(line) else line for line in lines)
