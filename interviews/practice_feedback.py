"""What a practice answer earned: coverage with its evidence, missed must points, red flags, a suggested rating.

:func:`feedback_for` turns the matcher's :class:`scoring.matcher.QuestionMatch` into a :class:`Feedback`;
:func:`feedback_from_analysis` rebuilds the same object from what an attempt stored, so a reopened attempt reads
exactly as it did (the matcher is not run again). Red flags are only signals the matcher measured in the answer
(a negated, name-drop-only, hedged or misstated mention of a point, and a cut or very short answer); the
question's own list of red flags is shown separately as what interviewers watch for, never as a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from question_bank.schema import Question, Weight
from scoring.embedder import Encoder
from scoring.matcher import HEDGED, MISSTATED, NAME_DROP, NEGATED, QuestionMatch, match_question, suggest_rating
from settings import Settings

SHORT_ANSWER_WORDS = 25
FLAG_WORDS = {
    NEGATED: "Mentioned, but negated",
    NAME_DROP: "A tool named without saying what it does (name-drop only)",
    HEDGED: "Hedged: said with doubt, so it does not count",
    MISSTATED: "Stated incorrectly",
}


@dataclass(frozen=True)
class PointResult:
    """One rubric point of one answer."""

    index: int
    point_id: str
    text: str
    must: bool
    covered: bool
    probability: float
    span: tuple[int, int] | None  # character offsets of the evidence (or of the rejected mention) in the answer
    reason: str | None  # why a near miss did not count (scoring.matcher reasons)
    spans: tuple[tuple[int, int], ...] = ()  # every quoted span in order (the matcher may quote two places)

    @property
    def quoted(self) -> tuple[tuple[int, int], ...]:
        """The evidence spans shown: every quoted span, or the one span of an attempt stored before there were two."""
        return self.spans or ((self.span,) if self.span else ())


@dataclass(frozen=True)
class RedFlag:
    label: str
    quote: str  # the part of the answer that shows it ("" for answer-level flags)
    span: tuple[int, int] | None


@dataclass(frozen=True)
class Feedback:
    points: tuple[PointResult, ...]
    suggested_rating: int
    rating_guide: tuple[str, str, str, str]  # the question's guide for ratings 1-4
    red_flags: tuple[RedFlag, ...]
    notices: tuple[str, ...]
    chars_checked: int | None = None  # how much of the answer the matcher read (None: not recorded, older attempts)

    @property
    def coverage(self) -> float:
        return sum(p.covered for p in self.points) / len(self.points) if self.points else 0.0

    @property
    def covered_ids(self) -> list[str]:
        return [p.point_id for p in self.points if p.covered]

    @property
    def missed_must(self) -> list[PointResult]:
        return [p for p in self.points if p.must and not p.covered]

    @property
    def evidence_spans(self) -> list[tuple[int, int]]:
        return [span for p in self.points if p.covered for span in p.quoted]

    @property
    def flag_spans(self) -> list[tuple[int, int]]:
        return [f.span for f in self.red_flags if f.span]

    def analysis(self) -> list[dict]:
        """The JSON an attempt stores to rebuild this feedback."""
        return [{"index": p.index, "point_id": p.point_id, "covered": p.covered, "probability": p.probability,
                 "span": list(p.span) if p.span else None, "spans": [list(s) for s in p.spans],
                 "reason": p.reason, **({"checked": self.chars_checked} if self.chars_checked is not None else {})}
                for p in self.points]


def _guide(question: Question) -> tuple[str, str, str, str]:
    return tuple(question.rating_guide.for_rating(n) for n in range(1, 5))  # type: ignore[return-value]


def _answer_flags(answer: str) -> list[RedFlag]:
    words = len(answer.split())
    if 0 < words < SHORT_ANSWER_WORDS:
        return [RedFlag(f"A very short answer ({words} words): interviewers expect reasons and specifics", "", None)]
    return []


def _build(question: Question, answer: str, rows: Sequence[dict], notices: Sequence[str],
           chars_checked: int | None = None) -> Feedback:
    points, flags = [], []
    for row in rows:
        index = int(row["index"])
        if not 0 <= index < len(question.rubric):
            continue  # the bank's rubric changed since: that point is no longer there
        point = question.rubric[index]
        span = tuple(row["span"]) if row.get("span") else None
        spans = tuple(tuple(s) for s in row.get("spans") or () if isinstance(s, (list, tuple)) and len(s) == 2)
        points.append(PointResult(index, str(row.get("point_id") or point.id), point.text, point.weight is Weight.must,
                                  bool(row["covered"]), float(row["probability"]), span, row.get("reason"), spans))
        if row.get("reason") and not row["covered"] and span:
            flags.append(RedFlag(f"{FLAG_WORDS.get(row['reason'], row['reason'])}: {point.text}",
                                 answer[span[0]:span[1]], span))
    must = [p.covered for p in points if p.must]
    nice = [p.covered for p in points if not p.must]
    rating = suggest_rating((sum(must), len(must)), (sum(nice), len(nice))) if points else 1
    flags += _answer_flags(answer)
    return Feedback(tuple(points), rating, _guide(question), tuple(flags), tuple(notices), chars_checked)


def feedback_for(question: Question, answer: str, result: QuestionMatch) -> Feedback:
    """The feedback for a fresh match of ``answer``."""
    rows = [{"index": m.index, "point_id": m.point_id, "covered": m.covered, "probability": m.probability,
             "span": m.span, "spans": m.spans, "reason": m.reason} for m in result.matches]
    return _build(question, answer, rows, result.notices, result.chars_matched)


def check_answer(question: Question, answer: str, *, encoder: Encoder | None = None) -> Feedback:
    """Match ``answer`` against the question's rubric (the matcher reads its first VIS_MAX_TEXT_CHARS)."""
    return feedback_for(question, answer, match_question(answer, question, encoder=encoder))


DEFAULT_MAX_TEXT_CHARS = Settings.from_env({}).max_text_chars  # the embedded default, read as settings reads it
LEGACY_DEFAULT_CHARS = 20_000  # its default before, when analyses did not record it


def feedback_from_analysis(question: Question, answer: str, analysis: Sequence[dict] | None, *,
                           max_chars: int) -> Feedback:
    """The feedback a stored attempt had, rebuilt from its analysis without running the matcher again.

    The analysis says how much of the answer was read when it was checked. An attempt stored before it did was read
    up to the cut of its day: the old default (20,000 characters) where the default cut is used now, else today's
    ``max_chars`` (a deployment that set its own cut is taken to have kept it)."""
    rows = analysis or []
    checked = next((r["checked"] for r in rows if isinstance(r.get("checked"), int) and r["checked"] > 0), None)
    limit = checked if checked is not None else LEGACY_DEFAULT_CHARS if max_chars == DEFAULT_MAX_TEXT_CHARS else max_chars
    notices = (f"The answer is longer than {limit:,} characters; only its start was checked.",) \
        if len(answer) > limit else ()
    return _build(question, answer, rows, notices, checked)


def highlight_segments(text: str, evidence: Sequence[tuple[int, int]],
                       flagged: Sequence[tuple[int, int]] = ()) -> list[tuple[str, str]]:
    """``text`` cut into (segment, kind) pieces in order, kind "evidence", "flag" or "" (evidence wins overlaps)."""
    kinds = [""] * (len(text) + 1)
    marks = [(s, e, "flag") for s, e in flagged] + [(s, e, "evidence") for s, e in evidence]
    if not marks:
        return [(text, "")] if text else []
    for start, end, kind in marks:
        for i in range(max(start, 0), min(end, len(text))):
            kinds[i] = kind
    segments: list[tuple[str, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or kinds[i] != kinds[start]:
            segments.append((text[start:i], kinds[start]))
            start = i
    return segments
