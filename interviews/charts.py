"""Plotly figures for comparisons and progress, shared by the screens and the PDF report, and PNG rendering.

Every label that can carry user text (candidate and interviewer names, competency titles) passes through
:func:`chart_text`: plotly reads a small HTML subset in labels (``<a href>``, ``<b>``, ``<br>``), so user text is
escaped to show as typed. PNG rendering uses kaleido with one browser process kept for the life of the server
(Debian's chromium; ``BROWSER_PATH`` names another), never a downloaded browser.
"""

from __future__ import annotations

import html
import os
import shutil
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import plotly.graph_objects as go

from interviews.comparison import Comparison

SCALE_COLOURS = [[0.0, "#c0392b"], [0.33, "#f0b27a"], [0.66, "#a9dfbf"], [1.0, "#1e8449"]]
PRINT_TEMPLATE = "plotly"
_render_lock = threading.Lock()
_server_started = False


class ChartRenderError(RuntimeError):
    """A chart could not be turned into an image (no browser on this machine, or it failed)."""


def chart_text(value: str, limit: int = 60) -> str:
    """User text as plotly shows it literally: HTML-escaped, one line, at most ``limit`` characters."""
    flat = " ".join(str(value).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return html.escape(flat, quote=True)


def heatmap_figure(comparison: Comparison, competency_titles: Mapping[str, str] | None = None) -> go.Figure:
    titles = competency_titles or {}
    x = [chart_text(titles.get(k, k), 28) for k in comparison.competencies]
    y = [chart_text(c, 30) for c in comparison.candidates]
    z = comparison.matrix()
    text = [["–" if v is None else f"{v:.1f}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, zmin=1, zmax=4, colorscale=SCALE_COLOURS, text=text,
                               texttemplate="%{text}", hoverongaps=False,
                               colorbar={"title": {"text": "rating"}, "tickvals": [1, 2, 3, 4]}))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10}, title={"text": "Mean rating per competency"},
                      height=120 + 60 * len(y), yaxis={"autorange": "reversed"})
    return fig


def radar_figure(comparison: Comparison, competency_titles: Mapping[str, str] | None = None) -> go.Figure:
    titles = competency_titles or {}
    theta = [_two_lines(chart_text(titles.get(k, k), 34)) for k in comparison.competencies]
    fig = go.Figure()
    for candidate in comparison.candidates:
        values = [comparison.means[candidate][k] for k in comparison.competencies]
        r = [0 if v is None else v for v in values]
        fig.add_trace(go.Scatterpolar(r=[*r, r[0]], theta=[*theta, theta[0]], name=chart_text(candidate, 30),
                                      fill="toself", opacity=0.55))
    fig.update_layout(polar={"radialaxis": {"range": [0, 4], "tickvals": [1, 2, 3, 4]}, "angularaxis": {"rotation": 90, "direction": "clockwise"}},
                      margin={"l": 120, "r": 120, "t": 70, "b": 40}, title={"text": "Competency profile"},
                      legend={"orientation": "h"})
    return fig


def _two_lines(label: str, width: int = 17) -> str:
    """An already escaped label broken at a space near the middle, so axis labels stay inside a narrow chart."""
    if len(label) <= width or " " not in label:
        return label
    middle = len(label) // 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}<br>{label[cut + 1:]}"


def progress_figure(points: Sequence[tuple[datetime, str, float]],
                    competency_titles: Mapping[str, str] | None = None) -> go.Figure:
    """Coverage over time per competency: points are (when, competency, coverage 0-1)."""
    titles = competency_titles or {}
    fig = go.Figure()
    for comp in sorted({c for _, c, _ in points}):
        series = sorted((when, value) for when, c, value in points if c == comp)
        fig.add_trace(go.Scatter(x=[w for w, _ in series], y=[v * 100 for _, v in series], mode="lines+markers",
                                 name=chart_text(titles.get(comp, comp), 32)))
    fig.update_layout(yaxis={"title": {"text": "rubric coverage (%)"}, "range": [-5, 105]},
                      xaxis=_time_axis([when for when, _, _ in points]),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, title={"text": "Progress per competency"},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}, showlegend=True)
    return fig


def _time_axis(times: Sequence[datetime]) -> dict:
    """A date axis readable with few points: minute-precision ticks, and at least a day either side of a short span
    (plotly would otherwise zoom into the milliseconds between two attempts)."""
    axis: dict = {"type": "date", "tickformat": "%b %d %H:%M", "nticks": 6}
    if times and max(times) - min(times) < timedelta(days=2):
        axis["range"] = [min(times) - timedelta(days=1), max(times) + timedelta(days=1)]
    return axis


def render_png(fig: go.Figure, *, width: int = 900, height: int = 500) -> bytes:
    """The figure as PNG bytes, through one long-lived kaleido browser; ChartRenderError when none can run."""
    global _server_started
    browser = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise ChartRenderError("no chromium on this machine to draw charts (install Debian's chromium)")
    os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    with _render_lock:
        try:
            if not _server_started:
                kaleido.start_sync_server(silence_warnings=True)
                _server_started = True
            # The printed chart never takes the host's default template: inside the app, importing streamlit makes
            # it "streamlit", which draws no tick labels and grey traces outside the browser's theme.
            printable = go.Figure(fig).update_layout(template=PRINT_TEMPLATE)
            return kaleido.calc_fig_sync(printable, opts={"format": "png", "width": width, "height": height})
        except Exception as exc:  # kaleido raises many kinds; the report says the chart is missing instead
            raise ChartRenderError(f"the chart could not be drawn: {type(exc).__name__}") from exc
