"""The command line: seed-demo (idempotent, labelled, every stage), users add|invite|list|confirm, export csv|json
with safe cells; and the export's rows."""

from __future__ import annotations

import csv
import io
import json

import pytest

from interviews.__main__ import main
from interviews.db import make_engine, session_factory, session_scope
from interviews.export import CSV_COLUMNS, export_scorecards
from interviews.users import demo_credentials, sign_in
from interviews.visibility import visible_scorecards
from tests.interviews.workspace import build_workspace, submit


@pytest.fixture
def cli_db(isolated_settings):
    return isolated_settings


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_seed_demo_fills_an_empty_database_once(cli_db, capsys):
    code, out, _ = run(capsys, "seed-demo", "--if-empty")
    assert code == 0 and "Demo workspace created" in out
    assert run(capsys, "seed-demo")[1].strip() == "The demo workspace is already here; nothing changed."
    assert "has accounts already" in run(capsys, "seed-demo", "--if-empty")[1]
    sessions = session_factory(make_engine(cli_db.database_url))
    with session_scope(sessions) as s:
        creds = {c.role: c for c in demo_credentials(s)}
        assert set(creds) == {"admin", "manager", "interviewer", "candidate"}
        manager = sign_in(s, name=creds["manager"].name, password=creds["manager"].password)
        from interviews.candidates import list_candidates
        from interviews.schedule import list_interviews

        people = list_candidates(s, viewer=manager)
        assert len(people) >= 6 and all(p.demo and "(demo)" in p.name for p in people)
        assert {p.stage for p in people} == {"applied", "screen", "onsite", "take-home", "offer", "hired", "rejected"}
        cards = visible_scorecards(s, viewer=manager)
        assert len(cards) >= 6 and all(c.submitted for c in cards)
        assert any(i.status == "in_progress" for i in list_interviews(s, viewer=manager)), "some still open"
    code, out, _ = run(capsys, "users", "list")
    assert out.count("(demo)") == 6 and "interviewer" in out


def test_seed_demo_refuses_a_database_with_real_accounts(cli_db, capsys):
    assert run(capsys, "users", "add", "Real Admin", "--role", "admin", "--password", "a real long passphrase")[0] == 0
    code, _, err = run(capsys, "seed-demo")
    assert code == 1 and "empty database only" in err
    assert "has accounts already" in run(capsys, "seed-demo", "--if-empty")[1]


def test_seed_demo_can_be_switched_off(cli_db, capsys, monkeypatch):
    from settings import get_settings

    monkeypatch.setenv("VIS_SEED_DEMO", "off")
    get_settings.cache_clear()
    assert "VIS_SEED_DEMO is off" in run(capsys, "seed-demo", "--if-empty")[1]


def test_users_add_invite_list_and_confirm(cli_db, capsys):
    assert run(capsys, "users", "add", "Ivy", "--role", "interviewer", "--password", "short")[0] == 1
    assert run(capsys, "users", "add", "Ivy", "--role", "interviewer", "--password", "a long passphrase")[0] == 0
    code, out, err = run(capsys, "users", "add", "ＩＶＹ", "--role", "manager", "--password", "a long passphrase")
    assert code == 1 and "already has an account" in err
    code, out, _ = run(capsys, "users", "invite", "--role", "manager", "--base-url", "https://studio.example")
    assert code == 0 and out.startswith("https://studio.example/?invite=")
    assert "Ivy" in run(capsys, "users", "list")[1]
    assert run(capsys, "users", "confirm", "Nobody")[0] == 1


def test_export_commands_write_safe_csv_and_full_json(cli_db, capsys, tmp_path):
    run(capsys, "seed-demo")
    code, out, _ = run(capsys, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == CSV_COLUMNS and out.count("\r\n") == len(rows) + 1
    assert all(r["rating"] in "1234" and r["submitted_at"] for r in rows)
    target = tmp_path / "cards.json"
    assert run(capsys, "export", "--format", "json", "--output", str(target))[0] == 0
    cards = json.loads(target.read_text(encoding="utf-8"))
    assert cards and all(c["ratings"] and {"question_id", "rating"} <= set(c["ratings"][0]) for c in cards)


def test_export_rows_are_one_per_card_and_competency_with_formulas_neutralised(sessions):
    from interviews.scorecards import amend_scorecard

    ws = build_workspace(sessions)
    card, _ = submit(sessions, ws.ivy, ws.ada_panel.id)
    with session_scope(sessions) as s:
        amend_scorecard(s, actor=ws.ivy, scorecard_id=card.id, reason="x", rationale="fine",
                        competency_overrides={"latency_measurement": (1, "ok\r=HYPERLINK(\"http://x\")")})
        cards = visible_scorecards(s, viewer=ws.manager)
    text = export_scorecards(cards, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["competency"], r["rating"]) for r in rows] == [("latency_measurement", "1"),
                                                             ("deployment_ownership", "4")]
    assert rows[1]["adjustment_reason"] == "", "empty cells stay empty"
    assert "\n'=HYPERLINK" in rows[0]["adjustment_reason"], "a formula after a line break is neutralised"
    assert rows[0]["candidate"] == "Ada Lovelace" and rows[0]["interviewer"] == "Ivy" and rows[0]["stage"]
    with pytest.raises(ValueError, match="csv or json"):
        export_scorecards(cards, "xlsx")
