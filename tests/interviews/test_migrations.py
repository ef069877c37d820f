"""Migrations: a database made by commit 1280512's schema upgrades in place with its data; a fresh one matches
the declared tables; one head; and the package's modules import without a cycle."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

import interviews
from interviews.db import BASELINE, alembic_config, current_revision, make_engine, migrate, session_factory, \
    session_scope
from interviews.errors import NotAllowed
from interviews.identity import COMMAND_LINE
from interviews.tables import Account, Candidate, Interview, LabRun, Note, PracticeAttempt, RubricDecision
from interviews.users import sign_in
from interviews.visibility import visible_scorecards

FIXTURE = Path(__file__).parent / "fixtures" / "schema_1280512.sql"
OLD_TABLES = ("accounts", "interview_notes", "lab_runs", "practice_attempts", "rubric_decisions", "scorecards")


def old_sqlite_database(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    return f"sqlite:///{path}"


def old_postgres_database(url: str, tmp_path: Path) -> str:
    """The same rows in PostgreSQL: the baseline schema by migration, then the fixture's rows copied over."""
    from tests.interviews.conftest import drop_everything

    engine = make_engine(url)
    drop_everything(engine)
    migrate(engine, BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))  # as create_all left it: no version table
    source = make_engine(old_sqlite_database(tmp_path / "old.db"))
    old = MetaData()
    old.reflect(source)
    target = MetaData()
    target.reflect(engine)
    with source.connect() as read, engine.begin() as write:
        for name in OLD_TABLES:
            rows = [dict(r._mapping) for r in read.execute(select(old.tables[name]))]
            write.execute(target.tables[name].insert(), rows)
        for name in OLD_TABLES:
            write.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    engine.dispose()
    source.dispose()
    return url


@pytest.fixture
def upgraded(db_url, tmp_path):
    url = old_sqlite_database(tmp_path / "old.db") if db_url.startswith("sqlite") else \
        old_postgres_database(db_url, tmp_path)
    engine = make_engine(url)
    assert current_revision(engine) is None
    migrate(engine)
    yield engine
    from tests.interviews.conftest import drop_everything

    drop_everything(engine)
    engine.dispose()


def test_an_old_database_upgrades_in_place_with_its_notes_and_scorecards(upgraded):
    sessions = session_factory(upgraded)
    with session_scope(sessions) as s:
        accounts = {a.name: a for a in s.scalars(select(Account))}
        assert {n: (a.role, a.confirmed) for n, a in accounts.items()} == {
            "Ivy Interviewer": ("interviewer", False), "Max Manager": ("manager", False),
            "Ada Candidate": ("candidate", True), "Noah Notes": ("interviewer", False)}
        people = {c.name: c for c in s.scalars(select(Candidate))}
        assert people["Ada Candidate"].account_id == accounts["Ada Candidate"].id, "linked to her account"
        assert people["Bo Typo"].account_id is None
        cards = visible_scorecards(s, viewer=COMMAND_LINE)
        by_token = {c.rationale: c for c in cards}
        ada = by_token["Solid on measurement."]
        assert (ada.candidate_name, ada.interviewer_name, ada.recommendation, ada.status) == (
            "Ada Candidate", "Ivy Interviewer", "yes", "submitted")
        assert {(r.question_id, r.rating) for r in ada.ratings} == {
            ("measuring-model-latency-correctly", 3), ("end-to-end-project-ownership", 4)}
        assert {c.competency: c.rating for c in ada.competencies} == {"latency_measurement": 3,
                                                                       "deployment_ownership": 4}
        assert ada.lab_run_ids == (1,) and by_token["=cmd|' /C calc'!A0"].candidate_name == "Bo Typo"
        notes = {n.question_id: n for n in s.scalars(select(Note))}
        interviews_by_id = {i.id: i for i in s.scalars(select(Interview))}
        assert notes["measuring-model-latency-correctly"].interview_id == ada.interview_id
        assert notes["end-to-end-project-ownership"].interview_id == by_token["=cmd|' /C calc'!A0"].interview_id, \
            "a note goes with the latest scorecard that rated its question"
        orphan = interviews_by_id[notes["int8-static-ptq-calibration"].interview_id]
        assert orphan.legacy and orphan.status == "in_progress" and notes["int8-static-ptq-calibration"].text == \
            "Calibrated on 500 images; checked mAP drop."
        assert s.scalar(select(LabRun.candidate_id)) == people["Ada Candidate"].id
        assert s.scalar(select(LabRun.owner_id)) is None, "owner unknown: never listed as the candidate's own"
        assert s.scalar(select(PracticeAttempt.answer)) == "warm up"
        assert s.scalar(select(RubricDecision.reviewer_id)) == accounts["Ivy Interviewer"].id


def test_old_staff_accounts_sign_in_but_work_only_once_confirmed(upgraded):
    from interviews.accounts_admin import confirm_staff
    from interviews.candidates import list_candidates

    sessions = session_factory(upgraded)
    with session_scope(sessions) as s:
        ivy = sign_in(s, name="ivy interviewer", password="ivy-password-1")
        assert ivy.role == "interviewer" and ivy.active_role is None
        with pytest.raises(NotAllowed, match="waiting for an admin"):
            list_candidates(s, viewer=ivy)
        assert s.scalar(select(Account.password_hash).where(Account.id == ivy.account_id)).startswith("$argon2")
        confirm_staff(s, actor=COMMAND_LINE, account_id=ivy.account_id)
    with session_scope(sessions) as s:
        ivy = sign_in(s, name="Ivy Interviewer", password="ivy-password-1")
        assert ivy.active_role == "interviewer" and len(list_candidates(s, viewer=ivy)) == 3


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_fresh_schema_matches_the_declared_tables(kind, tmp_path, request):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from interviews.base import Base
    from tests.interviews.conftest import drop_everything

    for module in pkgutil.iter_modules(interviews.__path__):  # every module that declares tables
        if not module.name.startswith("__"):
            importlib.import_module(f"interviews.{module.name}")
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    drop_everything(engine)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    drop_everything(engine)
    assert diff == [], "the migrations and interviews/tables.py disagree: add a migration"


def test_the_migrations_have_one_head():
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_heads()
    assert len(heads) == 1, f"two heads: {heads}; chain the newer migration after the other"


def test_migrating_twice_changes_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    first = current_revision(engine)
    migrate(engine)
    assert current_revision(engine) == first
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def module_imports(path: Path) -> set[str]:
    """The interviews modules a module imports at import time (function-level imports excluded)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("interviews"):
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "interviews" else [node.module]
            found.update(n for n in names if (Path(interviews.__path__[0]) / (n.split(".")[1] + ".py")).exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("interviews."))
    return {n.split(".")[0] + "." + n.split(".")[1] for n in found}


def test_the_interviews_package_has_no_import_cycle():
    root = Path(interviews.__path__[0])
    graph = {f"interviews.{p.stem}": module_imports(p) for p in root.glob("*.py")}
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in graph.get(node, ()):
            assert state.get(nxt) != "open", f"import cycle: {' -> '.join(trail + [node, nxt])}"
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [])


def _migrate_in_a_process(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def test_processes_that_start_together_migrate_one_fresh_database_once(db_url, tmp_path):
    """The app, its queue worker and a command may all start on an empty database at the same moment; before the
    migration lock the second one re-ran 0002 after the first had dropped the old tables ('no such table')."""
    import multiprocessing

    from alembic.script import ScriptDirectory

    from tests.interviews.conftest import drop_everything

    if not db_url.startswith("sqlite"):
        drop_everything(make_engine(db_url))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_migrate_in_a_process, args=(db_url,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    engine = make_engine(db_url)
    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()
