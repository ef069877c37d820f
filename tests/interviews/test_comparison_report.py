"""Comparison of candidates and the committee PDF, read back with pdftotext as a committee member would."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from interviews.charts import chart_text, heatmap_figure
from interviews.comparison import CardSummary, ComparisonError, compare_candidates
from interviews.reports import CandidateFacts, committee_report

CARDS = [
    CardSummary("Zoë Łukasiewicz", "ivan", "yes", {"inference_deployment": 3, "data_quality": 4}),
    CardSummary("Zoë Łukasiewicz", "mia", "strong_yes", {"inference_deployment": 4, "data_quality": 2}),
    CardSummary("王小明", "ivan", "no", {"inference_deployment": 2, "data_quality": 2}),
    CardSummary("Sam <b>Bold</b>", "mia", "strong_no", {"inference_deployment": 1}),
]


def test_comparison_means_recommendations_and_disagreements():
    comp = compare_candidates(["Zoë Łukasiewicz", "王小明", "Sam <b>Bold</b>"], CARDS)
    assert comp.means["Zoë Łukasiewicz"] == {"data_quality": 3.0, "inference_deployment": 3.5}
    assert comp.means["Sam <b>Bold</b>"]["data_quality"] is None
    assert comp.recommendations["王小明"] == {"ivan": "no"}
    [d] = comp.disagreements
    assert (d.candidate, d.competency, d.gap) == ("Zoë Łukasiewicz", "data_quality", 2)


@pytest.mark.parametrize("chosen, message", [
    (["Zoë Łukasiewicz"], "at least 2"),
    (["a", "b", "c", "d", "e", "f"], "at most 5"),
    (["nobody", "nobody else"], "nothing to compare"),
])
def test_comparison_refuses_plainly(chosen, message):
    with pytest.raises(ComparisonError, match=message):
        compare_candidates(chosen, CARDS)


def test_candidate_without_cards_is_named_in_a_notice():
    comp = compare_candidates(["Zoë Łukasiewicz", "Nobody Yet"], CARDS)
    assert comp.notices == ("Nobody Yet has no submitted scorecard yet.",)


def test_chart_labels_show_user_text_literally():
    assert chart_text('<a href="http://x">x</a>') == "&lt;a href=&quot;http://x&quot;&gt;x&lt;/a&gt;"
    fig = heatmap_figure(compare_candidates(["Zoë Łukasiewicz", "Sam <b>Bold</b>"], CARDS))
    assert "Sam &lt;b&gt;Bold&lt;/b&gt;" in fig.data[0].y


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is installed by make test")
def test_pdf_report_reads_back_with_names_ratings_and_charts(tmp_path):
    comp = compare_candidates(["Zoë Łukasiewicz", "王小明"], CARDS)
    pdf = committee_report(comp, facts={"王小明": CandidateFacts(stage="onsite", decision="hold: needs a lab run")},
                           competency_titles={"data_quality": "Data quality"}, generated_by="Dana")
    assert pdf.startswith(b"%PDF")
    out = tmp_path / "r.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Zoë Łukasiewicz", "王小明", "Data quality", "3.50", "Strong yes", "hold: needs a lab run",
                     "Disagreement on Data quality"):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    if shutil.which("chromium"):
        assert images.count("png") + images.count("image") >= 2, images


def test_radar_labels_are_escaped_and_broken_onto_two_lines_to_fit():
    from interviews.charts import radar_figure

    comp = compare_candidates(["Zoë Łukasiewicz", "王小明"], CARDS)
    fig = radar_figure(comp, {"data_quality": "Data <b>quality</b> and labelling", "inference_deployment": "Infer"})
    labels = list(fig.data[0].theta)
    assert labels[0] == "Data &lt;b&gt;quality&lt;/b&gt;<br>and labelling"
    assert labels[1] == "Infer"
