"""The hiring committee's PDF: candidates side by side, every recommendation, disagreements and the charts.

Built with fpdf2 and the DejaVu fonts shipped in ``interviews/fonts`` (so names in any script print). Charts are
the same plotly figures as on screen, drawn to PNG by :func:`interviews.charts.render_png`; on a machine with no
browser the report says the charts are missing and keeps every figure in its tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from interviews.charts import ChartRenderError, heatmap_figure, radar_figure, render_png
from interviews.comparison import RECOMMENDATION_LABELS, Comparison

FONTS = Path(__file__).resolve().parent / "fonts"
# Glyphs DejaVu lacks (Chinese, Japanese, Korean names) come from Debian's fonts-droid-fallback when installed.
FALLBACK_FONTS = (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),)
ADVICE = ("Ratings are evidence for a discussion, not a verdict: read the rationales and the disagreements "
          "before deciding, and weigh each interviewer's calibration.")


@dataclass(frozen=True)
class CandidateFacts:
    """What the committee reads about a candidate beside the ratings."""

    stage: str = ""
    role: str = ""
    decision: str = ""  # e.g. "advance (Dana, 2026-11-30): strong systems answers"
    extra: tuple[str, ...] = field(default_factory=tuple)  # e.g. lab and take-home results, one line each


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        fallbacks = [path for path in FALLBACK_FONTS if path.is_file()]
        for number, path in enumerate(fallbacks):
            self.add_font(f"Fallback{number}", "", str(path))
        if fallbacks:
            self.set_fallback_fonts([f"Fallback{n}" for n in range(len(fallbacks))], exact_match=False)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)

    def header(self) -> None:
        self.set_font("DejaVu", "B", 9)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.report_title} · confidential", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"page {self.page_no()}", align="C")


def committee_report(comparison: Comparison, *, facts: Mapping[str, CandidateFacts] | None = None,
                     competency_titles: Mapping[str, str] | None = None, generated_by: str = "",
                     now: datetime | None = None, charts: bool = True) -> bytes:
    """The PDF as bytes."""
    facts = facts or {}
    titles = competency_titles or {}
    pdf = _Report("Hiring committee report")
    pdf.add_page()
    _title_block(pdf, comparison, generated_by, now or datetime.now(timezone.utc))
    _ratings_table(pdf, comparison, titles)
    for candidate in comparison.candidates:
        _candidate_block(pdf, comparison, candidate, facts.get(candidate, CandidateFacts()), titles)
    if charts:
        _charts(pdf, comparison, titles)
    return bytes(pdf.output())


def _title_block(pdf: _Report, comparison: Comparison, generated_by: str, now: datetime) -> None:
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, "Candidates: " + ", ".join(comparison.candidates), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    line = f"Generated {now:%Y-%m-%d %H:%M} UTC" + (f" by {generated_by}" if generated_by else "")
    pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 5, ADVICE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for notice in comparison.notices:
        pdf.multi_cell(0, 5, notice, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _ratings_table(pdf: _Report, comparison: Comparison, titles: Mapping[str, str]) -> None:
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "Mean rating per competency (1-4)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=(60, *([25] * len(comparison.candidates))), text_align="LEFT") as table:
        table.row(["Competency", *comparison.candidates])
        for comp in comparison.competencies:
            values = [comparison.means[c][comp] for c in comparison.candidates]
            table.row([titles.get(comp, comp), *("–" if v is None else f"{v:.2f}" for v in values)])
        table.row(["Submitted cards", *(str(comparison.cards[c]) for c in comparison.candidates)])
    pdf.ln(3)


def _candidate_block(pdf: _Report, comparison: Comparison, candidate: str, facts: CandidateFacts,
                     titles: Mapping[str, str]) -> None:
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, candidate, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    for label, value in (("Role", facts.role), ("Stage", facts.stage), ("Decision", facts.decision)):
        if value:
            pdf.multi_cell(0, 5, f"{label}: {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    recs = comparison.recommendations[candidate]
    lines = [f"{name}: {RECOMMENDATION_LABELS.get(rec, rec)}" for name, rec in sorted(recs.items())]
    pdf.multi_cell(0, 5, "Recommendations: " + ("; ".join(lines) if lines else "none submitted yet"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for d in (d for d in comparison.disagreements if d.candidate == candidate):
        who = ", ".join(f"{name} {value:g}" for name, value in sorted(d.ratings.items()))
        pdf.multi_cell(0, 5, f"Disagreement on {titles.get(d.competency, d.competency)}: {who}",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in facts.extra:
        pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _charts(pdf: _Report, comparison: Comparison, titles: Mapping[str, str]) -> None:
    pdf.add_page()
    for figure in (heatmap_figure(comparison, titles), radar_figure(comparison, titles)):
        try:
            png = render_png(figure, width=1000, height=520)
        except ChartRenderError as exc:
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 5, f"Chart missing: {exc}. The tables above hold the same figures.",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        pdf.image(BytesIO(png), w=pdf.epw)
        pdf.ln(4)
