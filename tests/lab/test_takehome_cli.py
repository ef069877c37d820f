"""The commands other tools rely on: `python -m lab takehome create` prints an id; `python -m lab grade ... --json`
prints the report card's keys and exits 0 whenever a card was produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lab.takehome import write_reference_submission

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def run_lab(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VIS_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


def test_create_then_grade_through_the_cli(tmp_path):
    kit = tmp_path / "kit.zip"
    created = run_lab(tmp_path, "takehome", "create", "--candidate", "Cli Candidate", "--domain", "surface-defects",
                      "--seed", "31", "--out", str(kit))
    assert created.returncode == 0, created.stderr
    takehome_id = created.stdout.strip()
    assert takehome_id.isdigit()
    with zipfile.ZipFile(kit) as archive:
        images = [n for n in archive.namelist() if n.endswith(".png")]
    assert 240 <= len(images) <= 500  # train + val; the 100 test images stay in the app

    graded = run_lab(tmp_path, "grade", str(write_reference_submission(tmp_path / "ref")), "--takehome",
                     takehome_id, "--json")
    assert graded.returncode == 0, graded.stderr
    card = json.loads(graded.stdout)
    for key in ("contract_ok", "script_ran", "outputs_agree", "precision", "recall", "map50", "p50_ms", "checks"):
        assert key in card
    assert card["contract_ok"] and card["script_ran"] and card["map50"] > 0.8
    assert all({"id", "title", "result", "detail"} <= set(c) for c in card["checks"])

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(300 * 2**20))
    refused = run_lab(tmp_path, "grade", str(bomb), "--takehome", takehome_id)
    assert refused.returncode == 0 and "zip bomb" in refused.stdout


def test_cli_errors_are_one_line_and_status_1(tmp_path):
    missing = run_lab(tmp_path, "grade", str(tmp_path / "nothing.zip"), "--takehome", "1")
    assert missing.returncode == 1 and missing.stderr.strip().startswith("error:")
    assert "Traceback" not in missing.stderr
    bad = run_lab(tmp_path, "takehome", "create", "--candidate", "X", "--hours", "12", "--out", str(tmp_path / "k.zip"))
    assert bad.returncode == 1 and "4 to 6 hours" in bad.stderr


def test_create_files_the_takehome_under_the_candidate_record_and_moves_the_stage(tmp_path):
    from interviews.candidates import create_candidate, find_candidate_by_name, stage_history
    from interviews.db import make_engine, migrate, session_factory, session_scope
    from interviews.identity import Identity

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'studio.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    manager = Identity(account_id=0, name="Dana", role="manager", confirmed=True)
    with session_scope(sessions) as session:
        create_candidate(session, actor=manager, name="Ada Lovelace", stage="onsite")
    created = run_lab(tmp_path, "takehome", "create", "--candidate", "ada  LOVELACE", "--seed", "5",
                      "--out", str(tmp_path / "kit.zip"))
    assert created.returncode == 0, created.stderr
    with session_scope(sessions) as session:
        record = find_candidate_by_name(session, "Ada Lovelace")
        assert record.stage == "take-home"
        event = stage_history(session, viewer=manager, candidate_id=record.id)[-1]
        assert (event.from_stage, event.to_stage) == ("onsite", "take-home")
        assert f"take-home {created.stdout.strip()}" in event.reason
    unknown = run_lab(tmp_path, "takehome", "create", "--candidate", "Nobody Known", "--seed", "6",
                      "--out", str(tmp_path / "kit2.zip"))
    assert unknown.returncode == 0 and "no single candidate record" in unknown.stderr
    engine.dispose()
