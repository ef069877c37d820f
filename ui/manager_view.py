"""Renderers for the hiring manager's screens: pipeline, one candidate, side by side, decisions and calibration.

They take the core's data objects (:mod:`interviews.pipeline`, :mod:`interviews.dossier`, :mod:`interviews.decisions`,
:mod:`interviews.comparison`, :mod:`interviews.calibration`) and return the user's choices; formatting lives
here. User text goes through :mod:`ui.text`: ``inert`` in markdown, ``plain`` in tables and select options,
``chart_text`` (in :mod:`interviews.charts`) in plotly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import plotly.graph_objects as go
import streamlit as st

from interviews.calibration import CalibrationReport
from interviews.candidates import STAGE_LABELS
from interviews.cards import RECOMMENDATION_LABELS
from interviews.charts import chart_text
from interviews.comparison import Comparison
from interviews.decisions import OUTCOME_LABELS, OUTCOMES, DecisionInfo, advance_targets
from interviews.dossier import CardDetail, LabRunFacts
from interviews.pipeline import PipelineOptions, PipelineRow
from question_bank.schema import Bank
from ui.text import inert, plain

RATING_WORDS = {1: "poor", 2: "mixed", 3: "good", 4: "excellent"}
ANY = "Any"


def competency_titles(bank: Bank) -> dict[str, str]:
    return {c.id: c.name for c in bank.competencies}


def question_titles(bank: Bank) -> dict[str, str]:
    return {q.id: q.prompt for q in bank.questions}


def takehome_lines(candidate_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
    """Take-home results per candidate id, one line each (read from the lab's store; nothing when it has none)."""
    try:
        from lab.takehome_store import counted_submission, list_takehomes
    except ImportError:  # the take-home part is not installed in this checkout
        return {}
    wanted = set(candidate_ids) if candidate_ids is not None else None
    lines: dict[int, list[str]] = {}
    try:
        takehomes = list_takehomes()
    except OSError:
        return {}
    for takehome in takehomes:
        if takehome.candidate_id is None or (wanted is not None and takehome.candidate_id not in wanted):
            continue
        lines.setdefault(takehome.candidate_id, []).append(_takehome_line(takehome, counted_submission))
    return lines


def _takehome_line(takehome, counted_submission) -> str:
    try:
        counted = counted_submission(takehome.id)
    except (OSError, ValueError):
        counted = None
    head = f"Take-home #{takehome.id} ({takehome.domain})"
    if counted is None:
        return f"{head}: no submission before the deadline yet"
    report = counted.report or {}
    figures = [f"{label} {report[key]:.3f}" for key, label in (("f1", "F1"), ("map50", "mAP@50"))
               if isinstance(report.get(key), (int, float))]
    if isinstance(report.get("p50_ms"), (int, float)):
        figures.append(f"p50 {report['p50_ms']:.2f} ms")
    state = ", ".join(figures) if figures else counted.state
    return f"{head}: version {counted.version}, {state}"


def candidate_namer(by_id: Mapping[int, object], labels: Mapping[int, str] | None = None) -> Callable[[int], str]:
    """A select box's format_func for candidate ids: the name (or its comparison label), ``#id`` added when two
    candidates share the name, ``#id`` alone for an id that vanished.

    No stage in it: a decision changes the stage, and Streamlit keeps a selection by its shown text, so a changing
    text would silently drop the candidate from the selection."""
    counts = Counter(c.name for c in by_id.values())

    def name(candidate_id: int) -> str:
        found = by_id.get(candidate_id)
        if found is None:
            return f"#{candidate_id}"
        if labels and candidate_id in labels:
            return plain(labels[candidate_id])
        return plain(f"{found.name} (#{candidate_id})" if counts[found.name] > 1 else found.name)

    return name


def choose_candidate(by_id: Mapping[int, object], page: str) -> int:
    """A candidate select box kept in the URL (``?candidate=ID``); an unknown id in a link says so plainly."""
    try:
        wanted = int(st.query_params.get("candidate", ""))
    except ValueError:
        wanted = None
    if wanted is not None and wanted not in by_id:
        st.error(f"Candidate #{wanted} does not exist: choose one from the list.")
        wanted = None
    if wanted is not None and st.session_state.get(f"{page}.url") != wanted:
        st.session_state[f"{page}.chosen"] = wanted
        st.session_state[f"{page}.url"] = wanted
    chosen = st.selectbox("Candidate", list(by_id), key=f"{page}.chosen", format_func=candidate_namer(by_id))
    st.query_params["candidate"] = str(chosen)
    st.session_state[f"{page}.url"] = chosen
    return chosen


def preset_from_link(by_id: Mapping[int, object], page: str, most: int) -> None:
    """Choose the candidates a ``?candidates=1,2,3`` link names (once per new link); unknown ids are said plainly."""
    raw = str(st.query_params.get("candidates", ""))
    if not raw or st.session_state.get(f"{page}.url") == raw:
        return
    st.session_state[f"{page}.url"] = raw
    ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
    unknown = [i for i in ids if i not in by_id]
    if unknown or len(ids) != len([p for p in raw.split(",") if p.strip()]):
        st.warning("The link names candidates that do not exist; the others are chosen.")
    st.session_state[f"{page}.chosen"] = [i for i in dict.fromkeys(ids) if i in by_id][:most]


def _stage(stage: str | None) -> str:
    """A stage as every screen shows it (Applied, Onsite, Take-home...)."""
    return STAGE_LABELS.get(stage or "", stage or "")


def pipeline_filters(options: PipelineOptions, page: str) -> dict[str, object]:
    """Role, stage, kit and interviewer pickers; returns the filters for :func:`interviews.pipeline.pipeline_rows`."""
    cols = st.columns(4)
    role = cols[0].selectbox("Role", [ANY, *options.roles], key=f"{page}.role", format_func=plain)
    stage = cols[1].selectbox("Stage", [ANY, *options.stages], key=f"{page}.stage", format_func=_stage)
    kit = cols[2].selectbox("Kit", [ANY, *options.kits], key=f"{page}.kit", format_func=plain)
    people = dict(options.interviewers)
    person = cols[3].selectbox("Interviewer", [0, *people], key=f"{page}.interviewer",
                               format_func=lambda i: ANY if i == 0 else plain(people.get(i, "?")))
    return {"role": None if role == ANY else role, "stage": None if stage == ANY else stage,
            "kit": None if kit == ANY else kit, "interviewer_id": person or None}


def _verdicts(row: PipelineRow) -> str:
    parts = [f"{v.interviewer}: {RECOMMENDATION_LABELS.get(v.recommendation or '', 'waiting')}" for v in row.verdicts]
    return "; ".join(parts) if parts else "no interview yet"


def _lab(row: PipelineRow) -> str:
    if not row.lab.runs:
        return ""
    parts = [f"{row.lab.runs} run(s)"]
    if row.lab.fastest_p50_ms is not None:
        parts.append(f"p50 {row.lab.fastest_p50_ms:.2f} ms")
    if row.lab.best_map50 is not None:
        parts.append(f"mAP@50 {row.lab.best_map50:.3f}")
    return ", ".join(parts)


def pipeline_table(rows: Sequence[PipelineRow]) -> None:
    st.dataframe([{"#": r.candidate_id, "candidate": plain(r.name), "role": plain(r.role_applied),
                   "stage": _stage(r.stage),
                   "recommendations": plain(_verdicts(r)), "cards missing": r.missing, "lab": _lab(r),
                   "take-home": plain("; ".join(r.extras)),
                   "decision": plain(r.decision.summary if r.decision else "")} for r in rows],
                 hide_index=True, width="stretch")


def decision_form(candidate_id: int, stage: str, page: str) -> tuple[str, str | None, str] | None:
    """Advance (to a chosen later stage), hold or reject, with a reason. Returns the choice once submitted."""
    targets = advance_targets(stage)
    with st.form(f"{page}.decision.{candidate_id}", clear_on_submit=False):
        outcome = st.radio("Decision", OUTCOMES, key=f"{page}.outcome.{candidate_id}", horizontal=True,
                           format_func=lambda o: OUTCOME_LABELS[o])
        to_stage = st.selectbox("Advance to", targets or ["(cannot advance further)"],
                                key=f"{page}.to_stage.{candidate_id}", format_func=_stage,
                                help="Used when the decision is Advance; Reject moves to rejected, Hold keeps the stage.")
        reason = st.text_area("Reason (required: the committee reads it later)", max_chars=2000,
                              key=f"{page}.reason.{candidate_id}")
        if st.form_submit_button("Record the decision", type="primary"):
            return outcome, (to_stage if targets else None), reason
    return None


def clear_decision_form(candidate_id: int, page: str) -> None:
    """Empty the decision form once its decision is recorded (call before ``st.rerun``): the next run draws it
    blank, so the same reason cannot be sent twice by a second click. A refused decision keeps what was typed."""
    for field in ("outcome", "to_stage", "reason"):
        st.session_state.pop(f"{page}.{field}.{candidate_id}", None)


def decision_history(decisions: Sequence[DecisionInfo]) -> None:
    if not decisions:
        st.caption("No decision recorded yet.")
        return
    st.dataframe([{"when": d.at.strftime("%Y-%m-%d %H:%M"), "decision": d.outcome_label, "from": _stage(d.from_stage),
                   "to": _stage(d.to_stage), "by": plain(d.actor_name), "reason": plain(d.reason)} for d in decisions],
                 hide_index=True, width="stretch")


def card_detail(bank: Bank, detail: CardDetail, titles: Mapping[str, str]) -> None:
    """One scorecard in full: recommendation, rationale, per-question ratings with the evidence, competencies."""
    card = detail.card
    when = card.submitted_at.strftime("%Y-%m-%d %H:%M") if card.submitted_at else "not submitted"
    st.caption(f"{inert(card.kit_id)} · {inert(_stage(card.stage))} · submitted {when}"
               + (" · amended (see the audit log on the Scorecards screen)" if card.amended else ""))
    st.markdown(f"**Recommendation: {RECOMMENDATION_LABELS.get(card.recommendation or '', 'none')}**")
    st.markdown("**Rationale**")
    st.markdown(inert(card.rationale) if card.rationale.strip() else "*(none written)*")
    prompts = question_titles(bank)
    for rating in card.ratings:
        evidence = detail.evidence.get(rating.question_id)
        with st.container(border=True):
            st.markdown(f"**{rating.rating} · {RATING_WORDS.get(rating.rating, '')}** — "
                        f"{inert(prompts.get(rating.question_id, rating.question_id))}")
            suggested = f" · matcher suggested {rating.suggested}" if rating.suggested else ""
            st.caption(f"{inert(titles.get(rating.competency, rating.competency))}{suggested}")
            if evidence is None or evidence.empty:
                st.caption("No notes or rubric ticks stored for this question.")
                continue
            if evidence.covered:
                st.markdown("Covered: " + "; ".join(inert(p) for p in evidence.covered))
            if evidence.missed:
                st.markdown("Missed: " + "; ".join(inert(p) for p in evidence.missed))
            if evidence.note.strip():
                st.caption("The interviewer's notes for this question:")
                st.text(evidence.note[:4000] + (" …" if len(evidence.note) > 4000 else ""))
    if card.competencies:
        st.dataframe([{"competency": plain(titles.get(c.competency, c.competency)), "rating": c.rating,
                       "from the questions": round(c.derived, 2), "reason for a change": plain(c.reason)}
                      for c in card.competencies], hide_index=True, width="stretch")


def lab_runs_table(runs: Sequence[LabRunFacts]) -> None:
    if not runs:
        st.caption("No lab runs for this candidate.")
        return
    st.dataframe([{"#": r.id, "variant": plain(r.variant), "when": r.created_at.strftime("%Y-%m-%d"),
                   "p50 ms": r.p50_ms, "p90 ms": r.p90_ms, "mAP@50": r.map50, "mAP@50-95": r.map50_95,
                   "size MB": round(r.size_bytes / 1e6, 2), "run by": plain(r.run_by),
                   "on cards": ", ".join(f"#{c}" for c in r.attached_to_cards)} for r in runs],
                 hide_index=True, width="stretch")


def lab_figure(runs: Sequence[LabRunFacts]) -> go.Figure | None:
    """Latency against accuracy, one point per run with both figures."""
    both = [r for r in runs if r.p50_ms is not None and r.map50 is not None]
    if not both:
        return None
    fig = go.Figure(go.Scatter(x=[r.p50_ms for r in both], y=[r.map50 for r in both], mode="markers+text",
                               text=[chart_text(r.variant, 28) for r in both], textposition="top center"))
    fig.update_layout(xaxis={"title": {"text": "p50 latency (ms)"}}, yaxis={"title": {"text": "mAP@50"}},
                      title={"text": "Lab runs: latency and accuracy"}, height=360,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def heatmap_with_disagreements(comparison: Comparison, titles: Mapping[str, str]) -> go.Figure:
    """The comparison heat map with each disagreement's cell outlined (hover: who gave what)."""
    from interviews.charts import heatmap_figure

    fig = heatmap_figure(comparison, titles)
    if comparison.disagreements:
        gaps = comparison.disagreements
        hover = [chart_text(", ".join(f"{n} {v:g}" for n, v in sorted(d.ratings.items())), 120) for d in gaps]
        fig.add_trace(go.Scatter(
            x=[chart_text(titles.get(d.competency, d.competency), 28) for d in gaps],
            y=[chart_text(d.candidate, 30) for d in gaps], mode="markers", name="disagreement",
            marker={"symbol": "square-open", "size": 46, "color": "#111", "line": {"width": 3}},
            hovertext=hover, hoverinfo="text", showlegend=False))
        fig.update_layout(title={"text": "Mean rating per competency (outlined: interviewers 2+ points apart)"})
    return fig


def recommendations_table(comparison: Comparison) -> None:
    rows = [{"candidate": plain(c), "interviewer": plain(who), "recommendation": RECOMMENDATION_LABELS.get(rec, rec)}
            for c in comparison.candidates for who, rec in sorted(comparison.recommendations[c].items())]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def disagreements(comparison: Comparison, titles: Mapping[str, str]) -> None:
    if not comparison.disagreements:
        st.success("No competency where a candidate's interviewers differ by 2 points or more.")
        return
    for d in comparison.disagreements:
        who = ", ".join(f"{name} {value:g}" for name, value in sorted(d.ratings.items()))
        st.warning(f"**{inert(d.candidate)}** · {inert(titles.get(d.competency, d.competency))}: "
                   f"{inert(who)} (a gap of {d.gap:g})", icon=":material/compare_arrows:")


def calibration_table(report: CalibrationReport) -> None:
    st.dataframe([{"interviewer": plain(row.interviewer), "ratings": row.ratings,
                   "shared candidates": row.shared_candidates,
                   "leniency (+) / severity (-)": None if row.offset is None else round(row.offset, 2),
                   "mean": round(row.mean, 2), "spread (sd)": round(row.spread, 2),
                   **{f"share of {v}s": f"{row.share_by_rating[v]:.0%}" for v in (1, 2, 3, 4)},
                   "flags": plain("; ".join(row.flags))} for row in report.interviewers],
                 hide_index=True, width="stretch")


def offsets_figure(report: CalibrationReport) -> go.Figure:
    rows = sorted((r for r in report.interviewers if r.offset is not None), key=lambda r: r.offset)
    fig = go.Figure(go.Bar(x=[r.offset for r in rows], y=[chart_text(r.interviewer, 30) for r in rows],
                           orientation="h", marker={"color": ["#c0392b" if r.offset < 0 else "#1e8449" for r in rows]}))
    fig.update_layout(title={"text": "Leniency against the panel on shared candidates (points)"},
                      height=140 + 22 * len(rows), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def drift_figure(report: CalibrationReport) -> go.Figure | None:
    if not report.drift:
        return None
    fig = go.Figure()
    for name in sorted({p.interviewer for p in report.drift}):
        points = [p for p in report.drift if p.interviewer == name]
        fig.add_trace(go.Scatter(x=[p.period for p in points], y=[p.offset for p in points], mode="lines+markers",
                                 name=chart_text(name, 30)))
    fig.update_layout(title={"text": "Drift: each interviewer's offset month by month"}, height=380,
                      yaxis={"title": {"text": "offset (points)"}}, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
