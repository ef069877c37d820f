"""Renderers for rubric matching: coverage lists, evidence, suggested ratings, follow-ups and progress.

They take the matcher's typed results and the bank's question, draw them, and return what the user decided.
All user text (notes, answers, evidence) goes through ``inert`` so markdown or HTML in it shows as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from question_bank.schema import Question, Weight
from scoring.matcher import PointMatch, QuestionMatch
from ui.components import RATING_LABELS, inert

REASONS = {"negated": "mentioned, but negated", "name-drop only": "a tool was named without substance",
           "hedged": "hedged: said with doubt, or only when prompted",
           "stated incorrectly": "stated incorrectly: the note records a misconception"}


def coverage_summary(result: QuestionMatch) -> None:
    for notice in result.notices:
        st.warning(notice)
    cols = st.columns(3)
    cols[0].metric("Must points covered", f"{result.must_covered} / {result.must_total}")
    cols[1].metric("Nice points covered", f"{result.nice_covered} / {result.nice_total}")
    cols[2].metric("Suggested rating", RATING_LABELS[result.rating] if result.rating else "n/a")
    if result.rating:
        st.caption(f"Rating guide for {result.rating}: {inert(result.rating_text)}")


def _evidence_line(match: PointMatch) -> str:
    if match.covered and match.evidence:
        return f"evidence: “{inert(match.evidence[:300])}”"
    if match.reason:
        quote = f" (“{inert(match.evidence[:200])}”)" if match.evidence else ""
        return f"not counted: {REASONS.get(match.reason, inert(match.reason))}{quote}"
    return "no evidence found"


def point_row(question: Question, match: PointMatch) -> None:
    point = question.rubric[match.index]
    mark = ":material/check_circle:" if match.covered else ":material/radio_button_unchecked:"
    weight = "must" if point.weight is Weight.must else "nice"
    st.markdown(f"{mark} **{inert(point.text)}** *({weight}, {match.probability:.0%})*  \n"
                f":gray[{_evidence_line(match)}]")


def coverage_list(question: Question, result: QuestionMatch) -> None:
    for match in result.matches:
        point_row(question, match)


def missing_follow_ups(question: Question, result: QuestionMatch) -> None:
    missing = [question.rubric[m.index] for m in result.matches if not m.covered and
               question.rubric[m.index].weight is Weight.must]
    if not missing:
        st.success("Every must point is covered.")
        return
    st.markdown("**Not heard yet (must points)**")
    st.markdown("\n".join(f"- {inert(p.text)}" for p in missing))
    st.markdown("**Follow-ups to probe them**")
    st.markdown("\n".join(f"- {inert(f)}" for f in question.follow_ups))


def progress_table(rows: Sequence[dict]) -> None:
    if not rows:
        st.caption("No attempts yet.")
        return
    st.dataframe(rows, hide_index=True, width="stretch")
