"""ui.text: what a person sees is exactly what was typed (no character lost or added, bar invisible joiners), and
nothing of it is active."""

from __future__ import annotations

import html
import re

import pytest

from tests.security.corpus import HOSTILE_TEXTS
from tests.security.inert_check import markdown_problem
from ui.text import WORD_JOINER, chart_text, inert, plain

SHOWN = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation shows that character

CASES = [*HOSTILE_TEXTS, "plain words", "100,000 characters; it's \"fine\" (really) 50% a/b?", "snake_case *x* ~y~",
         "1. not a list\n2) nor this\n# nor a heading\n===\n| a | b |", "&amp; &#x41; \\ backslash", "caf\u00e9 \u2603"]


@pytest.mark.parametrize("text", CASES)
def test_inert_shows_exactly_the_text(text):
    shown = SHOWN.sub(r"\1", inert(text)).replace(WORD_JOINER, "")
    assert shown == text
    assert markdown_problem(inert(text)) is None


@pytest.mark.parametrize("text", CASES)
def test_chart_text_shows_exactly_the_text_and_holds_no_tag_or_dollar(text):
    escaped = chart_text(text)
    assert "<" not in escaped and "$" not in escaped
    assert html.unescape(escaped).replace(WORD_JOINER, "") == text


def test_readable_punctuation_is_left_alone():
    assert inert("at most 100,000 characters; it's fine.") == "at most 100,000 characters; it's fine."
    assert inert("v2.5 (beta)") == "v2\\.5 (beta)"


def test_control_characters_are_dropped_and_newlines_kept():
    assert plain("a\x00b\x1bc\nd") == "abc\nd"
    assert inert("a\x07b\nc") == "ab\nc"
