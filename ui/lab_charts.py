"""The lab page's tables and charts: stored runs in, pandas frames and plotly figures out.

Every variant name is someone's text: tables take it as plain cell text; charts take it through
:func:`ui.text.chart_text` (plotly reads a subset of HTML and LaTeX).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from interviews.lab_runs import LabRun
from lab.leaderboard import Leaderboard, PairedSpeedup, VariantScore, build_leaderboard, pareto_front
from lab.paired import paired_from_dict
from ui.text import chart_text, plain

LABEL_CHARS = 28


def per_image_ms(run: LabRun) -> float:
    return run.latency["p50_ms"] / max(1, run.latency["input_shape"][0])


def baseline_of(runs: list[LabRun]) -> LabRun | None:
    found = [r for r in runs if r.settings.get("baseline") and r.map50 is not None]
    return found[-1] if found else None


def run_by(run: LabRun) -> str:
    """Whose run it is: the owner, "staff for candidate" for a staff run filed with a candidate's record."""
    owner = run.owner_name or run.candidate
    return plain(f"{owner} for {run.candidate}" if run.run_by_staff else owner)


def label(run: LabRun) -> str:
    name = plain(run.variant)
    return f"#{run.id} {name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + '…'}"


def paired_of(run: LabRun) -> PairedSpeedup | None:
    data = (run.latency or {}).get("paired")
    return PairedSpeedup.from_dict(paired_from_dict(data)) if data else None


def scores(runs: list[LabRun]) -> list[VariantScore]:
    return [VariantScore(label(r), per_image_ms(r), r.map50, r.size_bytes, r.id, paired_of(r), run_by(r))
            for r in runs if r.map50 is not None]


def speedup_text(run: LabRun, baseline: LabRun | None) -> str:
    paired = paired_of(run)
    if baseline is not None and run.id == baseline.id:
        return "baseline"
    if paired is not None:
        text = f"{paired.speedup:.2f}x ({paired.ci_low:.2f}-{paired.ci_high:.2f})"
        return text + (" too noisy" if paired.verdict == "too noisy" else "")
    if baseline is not None:
        return f"{per_image_ms(baseline) / per_image_ms(run):.2f}x unpaired"
    return ""


def runs_table(runs: list[LabRun], baseline: LabRun | None) -> pd.DataFrame:
    """The columns a candidate compares, in the order they compare them; the rest is in :func:`details_table`."""
    rows = [{"variant": label(r), "run by": run_by(r), "p50 ms/image": round(per_image_ms(r), 3),
             "speed-up (95% CI)": speedup_text(r, baseline),
             "mAP@0.5": round(r.map50, 4) if r.map50 is not None else None,
             "Δ points": round((r.map50 - baseline.map50) * 100, 2) if baseline and r.map50 is not None else None,
             "size MB": round(r.size_bytes / 1e6, 2)} for r in runs]
    return pd.DataFrame(rows)


def details_table(runs: list[LabRun]) -> pd.DataFrame:
    rows = []
    for r in runs:
        lat, acc, spec = r.latency, r.accuracy or {}, r.settings.get("spec", {})
        e2e, paired = lat.get("end_to_end") or {}, lat.get("paired") or {}
        rows.append({
            "variant": label(r),
            "providers": " > ".join(p.removesuffix("ExecutionProvider") for p in lat["providers"])
                         + (" (GPU fell back!)" if lat.get("gpu_fallback") else ""),
            "input": "x".join(map(str, lat["input_shape"])), "threads": spec.get("session", {}).get("intra_op_threads"),
            "p50 ms": lat["p50_ms"], "p90 ms": lat["p90_ms"], "p99 ms": lat["p99_ms"],
            "cv %": lat["model_only"]["cv"] * 100, "n": lat["n"], "images/s": lat["throughput_ips"],
            "end-to-end p50 ms": e2e.get("p50_ms"), "mAP@0.5:0.95": acc.get("map50_95"), "F1": acc.get("f1"),
            "verdict": paired.get("verdict", ""), "noise": paired.get("noise", ""), "clock": paired.get("clock", ""),
            "rounds": paired.get("rounds"), "load after": (paired.get("load_avg_after") or [None])[0],
            "when": r.created_at.strftime("%Y-%m-%d %H:%M"),
        })
    decimals = {"p50 ms": 3, "p90 ms": 3, "p99 ms": 3, "cv %": 1, "images/s": 1, "end-to-end p50 ms": 3,
                "mAP@0.5:0.95": 4, "F1": 3}
    return pd.DataFrame(rows).round(decimals)


def _padded(values: list[float], *, low_pad: float, high_pad: float, minimum_span: float) -> list[float]:
    lo, hi = min(values), max(values)
    span = max(hi - lo, minimum_span)
    return [lo - span * low_pad, hi + span * high_pad]


def pareto_chart(runs: list[LabRun], baseline: LabRun | None) -> go.Figure:
    """Latency against accuracy: every variant labelled, the baseline starred, the 1-point band shaded and the
    front drawn; axes fitted to the points with room for the labels."""
    points = scores(runs)
    base_id = baseline.id if baseline else None
    fig = go.Figure()
    if baseline is not None:
        ys = [p.map50 for p in points] + [baseline.map50 - 0.01]
        y_range = _padded(ys, low_pad=0.15, high_pad=0.35, minimum_span=0.02)
        fig.add_hrect(y0=baseline.map50 - 0.01, y1=y_range[1], fillcolor="#2e7d32", opacity=0.08, line_width=0,
                      annotation_text="counts: within 1 point of the baseline", annotation_position="bottom right")
        fig.add_hline(y=baseline.map50 - 0.01, line_dash="dot", line_color="#2e7d32")
    else:
        y_range = _padded([p.map50 for p in points], low_pad=0.15, high_pad=0.35, minimum_span=0.02)
    front = list(pareto_front(points))
    fig.add_trace(go.Scatter(x=[p.p50_ms for p in front], y=[p.map50 for p in front], mode="lines+markers",
                             line={"shape": "hv", "dash": "dash", "color": "#1565c0"}, name="Pareto front",
                             marker={"size": 20, "symbol": "circle-open", "color": "#1565c0"}, hoverinfo="skip"))
    others = sorted((p for p in points if p.run_id != base_id), key=lambda p: p.p50_ms)  # left to right
    fig.add_trace(go.Scatter(
        x=[p.p50_ms for p in others], y=[p.map50 for p in others], mode="markers+text", name="variants",
        text=[chart_text(p.name) for p in others], marker={"size": 10, "color": "#1565c0"},
        textposition=[("top center", "bottom center")[i % 2] for i in range(len(others))],  # neighbours alternate
        hovertemplate="%{text}<br>%{x:.3f} ms/image<br>mAP@0.5 %{y:.3f}<extra></extra>"))
    for p in points:
        if p.run_id == base_id:
            fig.add_trace(go.Scatter(x=[p.p50_ms], y=[p.map50], mode="markers+text", name="baseline",
                                     text=[chart_text(f"baseline {p.name}")], textposition="bottom center",
                                     marker={"size": 16, "symbol": "star", "color": "#f9a825",
                                             "line": {"width": 1, "color": "#444"}},
                                     hovertemplate="%{text}<br>%{x:.3f} ms/image<br>mAP@0.5 %{y:.3f}<extra></extra>"))
    fig.update_layout(xaxis_title="p50 latency per image (ms, lower is better)", yaxis_title="mAP@0.5 (test split)",
                      height=420, margin={"l": 60, "r": 30, "t": 30, "b": 50}, legend={"orientation": "h", "y": -0.2},
                      xaxis_range=_padded([p.p50_ms for p in points], low_pad=0.15, high_pad=0.15,
                                          minimum_span=max(p.p50_ms for p in points) * 0.2),
                      yaxis_range=y_range)
    return fig


def drift_chart(runs: list[LabRun], baseline: LabRun) -> go.Figure | None:
    """Δ mAP@0.5 of every variant against the baseline; None when there is no variant yet."""
    rows = [r for r in runs if r.map50 is not None and r.id != baseline.id]
    if not rows:
        return None
    deltas = [(r.map50 - baseline.map50) * 100 for r in rows]
    fig = go.Figure(go.Bar(x=[chart_text(label(r)) for r in rows], y=deltas,
                           marker_color=["#2e7d32" if d >= -1 else "#c62828" for d in deltas]))
    fig.add_hline(y=-1, line_dash="dot", annotation_text="-1 point: the leaderboard's limit")
    fig.update_layout(yaxis_title="Δ mAP@0.5 vs baseline (points)", height=320,
                      margin={"l": 60, "r": 30, "t": 30, "b": 10},
                      yaxis_range=_padded(deltas + [-1.0, 0.0], low_pad=0.15, high_pad=0.15, minimum_span=1.0))
    return fig


def class_drift_table(runs: list[LabRun], baseline: LabRun) -> pd.DataFrame:
    """Per-class AP@0.5 change against the baseline, in points: where a variant's accuracy went."""
    base = (baseline.accuracy or {}).get("per_class", {})
    rows = []
    for r in runs:
        per_class = (r.accuracy or {}).get("per_class", {})
        if r.id == baseline.id or not per_class:
            continue
        rows.append({"variant": label(r),
                     **{name: round((m["ap50"] - base[name]["ap50"]) * 100, 2)
                        for name, m in per_class.items() if name in base}})
    return pd.DataFrame(rows)


def leaderboard(runs: list[LabRun], baseline: LabRun) -> Leaderboard:
    base = VariantScore(label(baseline), per_image_ms(baseline), baseline.map50, baseline.size_bytes, baseline.id,
                        owner=run_by(baseline))
    return build_leaderboard(base, scores(runs))


def leaderboard_tables(board: Leaderboard) -> tuple[pd.DataFrame, pd.DataFrame]:
    def row(e):
        paired = e.score.paired
        speed = (f"{paired.speedup:.2f}x ({paired.ci_low:.2f}-{paired.ci_high:.2f})" if paired
                 else ("1.00x" if e.standing == "the baseline" else f"{e.speedup:.2f}x unpaired"))
        return {"standing": e.standing, "variant": e.score.name, "run by": e.score.owner,
                "speed-up (95% CI)": speed, "Δ mAP (points)": f"{e.map_delta * 100:+.1f}",
                "p50 ms/image": f"{e.score.p50_ms:.3f}", "mAP per ms": f"{e.accuracy_per_ms:.3f}"}

    ranked = pd.DataFrame([row(e) for e in board.ranked + board.unranked]).drop(columns=["mAP per ms"])
    by_ratio = pd.DataFrame([row(e) for e in board.by_accuracy_per_ms]).drop(columns=["standing"])
    return ranked, by_ratio
