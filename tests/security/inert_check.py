"""Walk a finished AppTest and find user text that Streamlit would interpret (markdown, HTML, KaTeX, autolinks).

Every hostile text in the corpus names the host ``evil.example``. In a markdown context (markdown, captions, headings,
alerts, every widget label and help, radio / select-slider / pills options, expander and tab labels, metric labels)
it must arrive escaped: none of its markdown/HTML constructs (``](http``, ``![``, ``<img``, ``$\\color``, ``:red[``,
``**``...) unescaped, and once the backslash escapes are resolved no GFM literal autolink may remain (``inert``
breaks ``https://``, ``www.`` and ``a@b`` with a word joiner). In chart specs (plotly reads HTML and ``$...$``) a
hostile string may hold no ``<`` and no ``$``.
Plain contexts (selectbox/multiselect options, st.text, st.code, dataframes, input values) may hold it raw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

MARKDOWN_FIELDS = {"body", "label", "help", "captions", "content"}
MARKDOWN_OPTION_PROTOS = {"Radio", "Slider", "ButtonGroup"}
# The literal-autolink patterns of remark-gfm (the ones Streamlit's frontend uses).
AUTOLINK = re.compile(r"(https?://|www(?=\.))[-.\w]+|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# What the corpus's hostile texts and names would do if read as markdown; each starts with a character inert escapes,
# so in inert text it is always preceded by a backslash.
ACTIVE_SIGNATURES = [re.compile(r"(?<!\\)" + pattern) for pattern in (
    r"\]\(http", r"!\[", r"<(?:img|a |b>|script|https)", r"\$\\color", r"\$evil", r":red\[", r":material/",
    r"\*\*evil", r"# heading", r"\[ref\]:", r"<https")]


def _strings(message, prefix: str = "") -> Iterator[tuple[str, str]]:
    for field, value in message.ListFields():
        values = value if isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated") else [value]
        for item in values:
            if isinstance(item, str):
                yield field.name, item
            elif hasattr(item, "ListFields"):
                yield from _strings(item, field.name)


def _nodes(node) -> Iterator:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def markdown_problem(text: str) -> str | None:
    if "evil" not in text.lower():
        return None
    for signature in ACTIVE_SIGNATURES:
        if match := signature.search(text):
            return f"unescaped {match.group(0)!r}"
    resolved = _ESCAPE.sub(r"\1", text)
    if ":material/home:" in resolved:  # Streamlit finds icon shortcodes in labels even when escaped
        return "icon shortcode"
    match = AUTOLINK.search(resolved)
    if match and "evil" in match.group(0):
        return f"autolink {match.group(0)!r}"
    return None


def chart_problem(text: str) -> str | None:
    if "evil" in text.lower() and ("<" in text or "$" in text):
        return "HTML or LaTeX in a chart string"
    return None


def inspect(at) -> tuple[list[str], int]:
    """Violations found in the page, and how many markdown/chart strings carried hostile text (so a test can
    prove the hostile text reached the page at all)."""
    problems, hostile = [], 0
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        kind = type(proto).__name__
        for field, text in _strings(proto):
            if kind == "PlotlyChart" and field == "spec":
                for value in _json_strings(text):
                    hostile += "evil" in value.lower()
                    if problem := chart_problem(value):
                        problems.append(f"{kind}: {problem}: {value[:120]!r}")
                continue
            markdown = (field in MARKDOWN_FIELDS and kind not in {"Text", "Code", "Exception"}) or (
                field == "options" and kind in MARKDOWN_OPTION_PROTOS)
            if not markdown:
                continue
            hostile += "evil" in text.lower()
            if problem := markdown_problem(text):
                problems.append(f"{kind}.{field}: {problem}: {text[:120]!r}")
    return problems, hostile


def _json_strings(spec: str) -> Iterator[str]:
    def walk(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    try:
        yield from walk(json.loads(spec))
    except ValueError:
        yield spec
