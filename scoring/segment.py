"""Cut a note or an answer into clauses, keeping character offsets into the original text.

Notes are terse ("TRT fp16, PTQ int8 - never checked acc on device; mentioned Label Studio") and answers are long
prose where one sentence covers two points, so the unit of evidence is the clause: sentences are cut at
sentence punctuation, line breaks, bullets, semicolons and dashes, then at commas and at conjunctions that start a
new thought ("but", "whereas", "and then"). HTML tags and markdown markers are blanked for matching but offsets
still point into the text as the user wrote it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MIN_CLAUSE_WORDS = 2  # a comma-piece shorter than this stays with its neighbour
CROSS_MARKS = "\u2717\u2718\u274c\u2716"  # ✗ ✘ ❌ ✖ opening a line: "not done"; kept in the clause for the cue reader

_MARKUP = re.compile(r"<[^>\n]{1,200}>|&[a-zA-Z]{2,8};|&#\d{1,6};|```|`|\*\*|__|^\s{0,3}#{1,6}\s|^\s*>\s?", re.MULTILINE)
# Each pattern opens with a look-ahead for the characters any of its branches can start with: the same matches, but
# at the other characters (most of a text) the engine fails at once instead of trying every branch and look-behind.
_SENTENCE_END = re.compile(
    r"(?=[\s.!?。！？;|•*+\d-])(?:"
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<![Ii]ncl)(?<![Aa]pprox)(?<![Ee]sp)(?<!\bcf)(?<!\b[Cc]and)"  # abbreviations (cand. = the candidate)
    r"[.!?]+(?=\s+|$)|[。！？]+"  # full stop then space
    r"|\s*[;\n\r|•]\s*"  # semicolons, line breaks, table pipes, bullets
    r"|\s+(?:-{1,2}|–|—|=>|->)\s+"  # dashes and arrows between words
    r"|^\s*(?:[-*+]|\d{1,2}[.)])\s+)",  # list markers at a line start
    re.MULTILINE,
)
_CLAUSE_BREAK = re.compile(
    r"(?=[,\s])(?:(?<!\d),\s*(?:and\s+|or\s+)?|(?<=\d),(?!\d{3}(?!\d))\s*(?:and\s+|or\s+)?"  # not a thousands separator (1,000)
    r"|\s+(?=(?:but|however|whereas|although|though|except|instead|while|then|and then|so that|which meant|"
    r"after that|afterwards|plus|also)\b)|\s+\((?=[^)]{12,}\))|(?<=\))\s+)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Clause:
    start: int  # offsets into the original text
    end: int
    text: str  # the clause as matched: markup blanked, whitespace collapsed
    sentence: int  # index of the sentence it came from

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``max_chars`` characters at a word boundary; say whether anything was cut."""
    if len(text) <= max_chars:
        return text, False
    cut = text.rfind(" ", int(max_chars * 0.9), max_chars)
    return text[: cut if cut > 0 else max_chars], True


def blank_markup(text: str) -> str:
    """Replace HTML tags, entities and markdown markers with spaces of the same length (offsets stay valid)."""
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text)


def _clean(piece: str) -> str:
    return " ".join(html.unescape(piece).split())


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = max(pos, m.end())
    if pos < end:
        spans.append((pos, end))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim punctuation and spaces off a piece's ends, keeping what belongs to its words: a closing bracket whose
    opening one is in the piece ("scaler.unscale_(optimizer)"), a trailing underscore ("clip_grad_norm_"), a per
    cent sign, quotes."""
    while start < end and not text[start].isalnum() and text[start] not in "(\"'“" + CROSS_MARKS:
        start += 1
    while end > start and not text[end - 1].isalnum() and not (
            text[end - 1] in "%\"'”" or (text[end - 1] == ")" and "(" in text[start:end - 1])
            or (text[end - 1] == "_" and end - 1 > start and text[end - 2].isalnum())):
        end -= 1
    return start, end


def _merge_short(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep comma pieces of one word with a neighbour: "batch, height and width" is one thought."""
    merged: list[tuple[int, int]] = []
    for start, end in pieces:
        words = len(_WORD.findall(text[start:end]))
        if merged and (words < MIN_CLAUSE_WORDS or len(_WORD.findall(text[merged[-1][0]:merged[-1][1]])) <
                       MIN_CLAUSE_WORDS):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


ARROW_PIECE_WORDS = 3  # an arrow cuts only between two pieces this long: "PyTorch -> ONNX -> TRT FP16" is one step
_ARROW = re.compile(r"\s(?:=>|->)\s")


def _join_arrow_chains(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Put back together the sentences that an arrow cut where a piece is short: a chain of tools or values
    ("PyTorch -> ONNX -> TRT FP16", "pass rate 91% -> 97%") is one thought; "no faint defects in calib set ->
    rebuilt it from night frames" stays two."""
    joined: list[tuple[int, int]] = []
    last = 0  # words in the piece just before the arrow (not the whole chain joined so far)
    for start, end in spans:
        words = len(_WORD.findall(text, start, end))
        if joined and _ARROW.search(text, joined[-1][1], start) and not text[joined[-1][1]:start].strip(" ->=\t") and \
                min(last, words) < ARROW_PIECE_WORDS:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
        last = words
    return joined


def split_clauses(text: str) -> list[Clause]:
    """Clauses of ``text`` in order; pieces with no letters or digits (emoji only, punctuation) are dropped."""
    visible = blank_markup(text)
    clauses: list[Clause] = []
    sentences = _join_arrow_chains(visible, _spans(visible, _SENTENCE_END, 0, len(visible)))
    for sentence_index, (s_start, s_end) in enumerate(sentences):
        pieces = []
        for c_start, c_end in _spans(visible, _CLAUSE_BREAK, s_start, s_end):
            c_start, c_end = _strip(visible, c_start, c_end)
            if c_end > c_start and _WORD.search(visible, c_start, c_end):
                pieces.append((c_start, c_end))
        for c_start, c_end in _merge_short(visible, pieces):
            cleaned = _clean(visible[c_start:c_end])
            if cleaned:
                clauses.append(Clause(c_start, c_end, cleaned, sentence_index))
    return clauses
