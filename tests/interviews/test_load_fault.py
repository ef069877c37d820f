"""Load and fault: 20 writer processes autosave notes and submit scorecards for 10 seconds; one is killed with
SIGKILL in the middle of its writes. Afterwards every write that was acknowledged (committed, then logged by the
writer) is in the database, and the database passes its integrity check. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from interviews.db import session_factory, session_scope
from interviews.tables import Note, QuestionRating, Scorecard
from scripts.bench_autosave import REPO, prepare_writers, start_together, writer_command
from tests.interviews.conftest import drop_everything, fresh_engine

WRITERS, SECONDS = 20, 10.0


def acknowledged(path: Path) -> list[list[str]]:
    """Complete lines only: a line cut short by the kill was never acknowledged."""
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def integrity_problems(engine) -> list[str]:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            result = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            return [] if result == ["ok"] else result + [str(r) for r in conn.execute(text("PRAGMA foreign_key_check"))]
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = conn.execute(text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace")).scalars().all()
        for name in indexes:  # raises on a corrupt index
            conn.execute(text("SELECT bt_index_check(CAST(:name AS regclass), true)"), {"name": name})
        return [] if indexes else ["no index was checked"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_twenty_writers_and_a_killed_one_lose_no_acknowledged_write(kind, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'load.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    engine = fresh_engine(url)
    sessions = session_factory(engine)
    with session_scope(sessions) as s:
        writers = prepare_writers(s, WRITERS, cards_each=200)
    go = tmp_path / "go"
    children = [subprocess.Popen(writer_command(url, w, SECONDS, 0.0, go, ack=tmp_path / f"ack{w.index}.log"),
                                 cwd=REPO, stderr=subprocess.PIPE) for w in writers]
    try:
        start_together(children, go)
        time.sleep(SECONDS / 3)
        victim = children[0]
        os.kill(victim.pid, signal.SIGKILL)  # it writes back to back: the kill lands in the middle of a write
        codes = [c.wait(timeout=180) for c in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    errors = [c.stderr.read().decode()[-2000:] for c in children[1:] if c.returncode]
    assert codes[0] == -signal.SIGKILL and codes[1:] == [0] * (WRITERS - 1), errors

    acks = {w.index: acknowledged(tmp_path / f"ack{w.index}.log") for w in writers}
    assert acks[0], "the killed writer had acknowledged writes before the kill"
    assert all(acks[w.index] for w in writers), "every writer had acknowledged writes (a loaded machine may be slow)"
    with session_scope(sessions) as s:
        notes = {(n.author_id, n.question_id): n for n in s.scalars(select(Note))}
        cards = {c.token: c for c in s.scalars(select(Scorecard).where(Scorecard.status == "submitted"))}
        rated = {card_id for (card_id,) in s.execute(select(QuestionRating.scorecard_id))}
    for w in writers:
        last: dict[str, tuple[int, str]] = {}
        for kind_, *rest in acks[w.index]:
            if kind_ == "note":
                _interview, question, version, written = rest
                last[question] = (int(version), written)
            else:
                _interview, token = rest
                assert token in cards and cards[token].id in rated, f"acknowledged scorecard {token} is missing"
        for question, (version, written) in last.items():
            stored = notes[(w.viewer.account_id, question)]
            assert stored.version >= version, f"writer {w.index} {question}: v{version} acknowledged, v{stored.version}"
            if stored.version == version:
                assert stored.text == written
    assert integrity_problems(engine) == []
    drop_everything(engine)
    engine.dispose()
