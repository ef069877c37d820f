"""``python -m interviews bench`` seeds a scratch database at the promised scale and prints every figure;
``python -m interviews report`` writes the committee PDF, and refuses bad input plainly."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from interviews.__main__ import main
from interviews.bench import MANAGER, measure, seed_scratch
from interviews.calibration import calibrate
from interviews.db import make_engine, migrate, session_factory, session_scope
from interviews.pipeline import rating_records

FIGURES = ("compare", "calibration", "pipeline", "candidate", "csv")


def test_scratch_seed_has_the_promised_shape_and_every_figure_is_measured(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bench.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    counts = seed_scratch(sessions, scorecards=1200)
    assert counts["candidates"] >= 500 and counts["interviewers"] == 30 and counts["scorecards"] == 1200
    with session_scope(sessions) as s:
        records = rating_records(s, viewer=MANAGER)
    assert len({r.candidate for r in records}) == counts["candidates"]
    assert len({r.interviewer for r in records}) == 30
    report = calibrate(records)
    assert report.alpha_ordinal is not None and 0 < report.alpha_ordinal <= 1
    assert sum(1 for row in report.interviewers if row.offset is not None) == 30
    figures = measure(sessions, candidates=counts["candidates"], repeats=1)
    for name in FIGURES:
        assert figures[f"{name}_ms"] > 0 and figures[f"{name}_cpu_ms"] >= 0, name
    engine.dispose()


def test_bench_command_prints_one_json_object(capsys):
    assert main(["bench", "--scorecards", "600", "--repeats", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {f"{name}_ms" for name in FIGURES} <= set(result)
    assert result["scorecards"] == 600 and result["candidates"] >= 500 and len(result["load_average"]) == 3


@pytest.fixture
def demo_db(isolated_settings):
    assert main(["seed-demo"]) == 0
    return isolated_settings


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is installed by make test")
def test_report_command_writes_a_pdf_with_names_and_ratings(demo_db, tmp_path, capsys):
    out = tmp_path / "committee.pdf"
    assert main(["report", "Casey Quinn (demo)", "eli novak (demo)", "--pdf", str(out), "--no-charts"]) == 0
    assert "2 candidates" in capsys.readouterr().out
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Casey Quinn (demo)", "Eli Novak (demo)", "Strong yes", "3.50", "Stage: offer"):
        assert expected in text, expected


@pytest.mark.parametrize("names, message", [
    (["Casey Quinn (demo)"], "at least 2"),
    (["Casey Quinn (demo)", "Nobody Here"], "No candidate is named 'Nobody Here'"),
    (["#99999", "Casey Quinn (demo)"], "no candidate #99999"),
    (["Ana Ortiz (demo)", "Ben Okafor (demo)"], "nothing to compare"),
])
def test_report_command_refuses_bad_input_plainly(demo_db, tmp_path, capsys, names, message):
    out = tmp_path / "r.pdf"
    assert main(["report", *names, "--pdf", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not out.exists()
