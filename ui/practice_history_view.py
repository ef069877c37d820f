"""The candidate's practice history: summary, progress chart, weak areas, what to practise next, the list of
attempts (each reopenable) and the export of one's own history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import streamlit as st

from interviews.charts import progress_figure
from interviews.practice import AttemptSummary
from interviews.practice_history import HistoryOverview
from question_bank.schema import Bank
from ui.components import RATING_LABELS
from ui.text import inert, plain

PAGE = "practice"
PAGE_SIZE = 20


def _short(text: str, limit: int = 90) -> str:
    """``text`` on one line, cut at a word boundary with one ellipsis (never "notebook.…")."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if flat[limit - 1] != " " and " " in cut:  # drop the word cut in half
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:…-") + "…"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def summary_metrics(view: HistoryOverview) -> None:
    cols = st.columns(4)
    cols[0].metric("Attempts", f"{view.attempts:,}")
    cols[1].metric("Questions tried", view.questions_tried)
    cols[2].metric("Latest coverage (mean)", f"{view.latest_coverage:.0%}",
                   help="The mean rubric coverage of your latest attempt at each question.")
    cols[3].metric("Due for review now", len(view.due),
                   help=f"Next review due {_when(view.next_due)} UTC" if view.next_due else None)


def progress_chart(view: HistoryOverview, titles: dict[str, str]) -> None:
    st.markdown("#### Progress per competency")
    if not view.points:
        st.caption("Your progress chart appears after your first checked answer.")
        return
    figure = progress_figure(list(view.points), titles)
    figure.update_layout(title={"text": ""}, margin={"t": 10})  # the heading above says it
    st.plotly_chart(figure, key=f"{PAGE}.progress_chart")
    if view.per_day:
        st.caption("Each point is the mean coverage of one day's attempts in that competency.")


def weak_and_next(view: HistoryOverview, bank: Bank, titles: dict[str, str],
                  on_practise: Callable[[str], None]) -> None:
    weak, upnext = st.columns(2, gap="large")
    with weak:
        st.markdown("#### Weak areas")
        if view.weak:
            st.markdown("\n".join(f"- **{inert(titles.get(a.competency, a.competency))}**: {a.mean_coverage:.0%} "
                                  f"coverage over {a.attempts} question(s)" for a in view.weak))
        else:
            st.caption("No weak area yet: every competency you practised averages 60% coverage or more.")
    with upnext:
        st.markdown("#### Recommended next")
        due = {s.question_id for s in view.due}
        for qid in view.recommended:  # the prompt as text, a short button under it: never a truncated label
            why = "due for review" if qid in due else "weak area or not tried yet"
            with st.container(border=True):
                st.markdown(f"{inert(_short(bank.question(qid).prompt))}  \n:gray[{why}]")
                st.button("Practise", key=f"{PAGE}.recommend.{qid}", on_click=on_practise, args=(qid,),
                          icon=":material/edit_note:", width="content")
        if not view.recommended:
            st.caption("Nothing to recommend yet.")


def attempt_page(attempts: Sequence[AttemptSummary], titles: dict[str, str]) -> list[AttemptSummary]:
    """A competency filter and a page number; the page of attempts (newest first) they select."""
    st.markdown("#### Your attempts")
    competencies = sorted({a.competency for a in attempts if a.competency})
    cols = st.columns([3, 1])
    chosen = cols[0].selectbox("Show attempts in", ["", *competencies], key=f"{PAGE}.history_comp",
                               format_func=lambda c: "Every competency" if not c else plain(titles.get(c, c)))
    shown = [a for a in attempts if not chosen or a.competency == chosen]
    pages = max((len(shown) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = cols[1].number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1,
                                key=f"{PAGE}.history_page")
    start = (min(int(page), pages) - 1) * PAGE_SIZE
    if not shown:
        st.caption("No attempts yet: check an answer and it appears here.")
    return shown[start:start + PAGE_SIZE]


def attempt_rows(rows: Sequence[AttemptSummary], bank_prompts: dict[str, str], on_open: Callable[[int], None],
                 opened: int | None, show_opened: Callable[[], None]) -> None:
    """One line per attempt with an Open button; the opened attempt unfolds right under its own line."""
    for attempt in rows:
        cols = st.columns([1.3, 5, 1, 1.1, 0.9])
        cols[0].caption(_when(attempt.created_at))
        cols[1].markdown(inert(_short(bank_prompts.get(attempt.question_id, "(no longer open for practice)"))))
        cols[2].caption(f"{attempt.coverage:.0%} covered")
        rating = attempt.rating or attempt.suggested_rating
        cols[3].caption(RATING_LABELS[rating] + ("" if attempt.rating else " (suggested)"))
        cols[4].button("Open", key=f"{PAGE}.open.{attempt.id}", on_click=on_open, args=(attempt.id,),
                       disabled=attempt.id == opened)
        if attempt.id == opened:
            show_opened()


def export_buttons(make_export: Callable[[str], str]) -> None:
    st.markdown("#### Export your history")
    cols = st.columns(2)
    cols[0].download_button("Download CSV", data=lambda: make_export("csv"), file_name="practice-history.csv",
                            mime="text/csv", key=f"{PAGE}.export_csv", icon=":material/download:", on_click="ignore")
    cols[1].download_button("Download JSON", data=lambda: make_export("json"), file_name="practice-history.json",
                            mime="application/json", key=f"{PAGE}.export_json", icon=":material/download:",
                            on_click="ignore")
