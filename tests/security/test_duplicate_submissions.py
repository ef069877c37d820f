"""Concurrent duplicate submissions end in one stored result and a clear refusal for the others, never a crash:
two tabs importing the same questions file (the scorecard, note and sign-up races are proven in
tests/interviews/test_races.py on SQLite and PostgreSQL; the upload races in test_onnx_bombs.py)."""

from __future__ import annotations

import threading

from question_bank.loader import BankError, load_bank
from tests.conftest import BANK_DIR
from tests.security.hostile_world import hostile_questions_yaml


def test_two_tabs_importing_one_file_store_it_once(tmp_path):
    bank = load_bank(BANK_DIR)
    data = hostile_questions_yaml(bank)
    into, barrier, outcomes = tmp_path / "imported", threading.Barrier(4), []

    def import_once() -> None:
        from question_bank.importer import import_file

        barrier.wait()
        try:
            outcomes.append(import_file(data, "team.yaml", bank, into).name)
        except BankError as exc:
            outcomes.append(str(exc.problems[0]))

    threads = [threading.Thread(target=import_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("imported_team.yaml") == 1, outcomes
    assert sum("was imported already" in o for o in outcomes) == 3, outcomes
    assert [p.name for p in into.iterdir()] == ["imported_team.yaml"], "no temporary file is left behind"
    reloaded = load_bank(BANK_DIR, extra_question_dirs=[into])
    assert sum(q.id.startswith("hostile-") for q in reloaded.questions) == 3
