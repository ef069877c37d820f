"""Storage on SQLite and PostgreSQL: rubric decisions, notes, accounts and scorecards."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from interviews.db import session_scope
from interviews.errors import Invalid, NoteConflict, NotFound
from interviews.overrides import export_training_rows, record_decisions
from tests.interviews.workspace import build_workspace, submit


def test_decisions_export_as_matcher_training_rows(sessions):
    with session_scope(sessions) as s:
        record_decisions(s, reviewer="Ivy", question_id="q1", text="TRT fp16; no accuracy check",
                         decisions=[("trt", "Builds a TensorRT engine", True, 0.9, True),
                                    ("acc", "Re-measures accuracy", True, 0.6, False),
                                    ("prof", "Profiles first", False, 0.2, True)])
    with session_scope(sessions) as s:
        rows = [json.loads(line) for line in export_training_rows(s).splitlines()]
    assert rows == [{"question_id": "q1", "text": "TRT fp16; no accuracy check",
                     "points": ["Builds a TensorRT engine", "Re-measures accuracy", "Profiles first"],
                     "point_ids": ["trt", "acc", "prof"], "covered": [0, 2]}]


def test_notes_are_saved_per_interview_versioned_and_private(sessions):
    from interviews.notes import MAX_NOTE_CHARS, load_note, save_note

    ws = build_workspace(sessions)
    ada, bob = ws.ada_panel.id, ws.bob_panel.id
    with session_scope(sessions) as s:
        first = save_note(s, viewer=ws.ivy, interview_id=ada, question_id="q1", text="first draft", base_version=0)
    with session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=ada, question_id="q1", text="second draft",
                  base_version=first.version)
        save_note(s, viewer=ws.ivy, interview_id=bob, question_id="q1", text="Bob's answer", base_version=0)
        save_note(s, viewer=ws.max, interview_id=ada, question_id="q1", text="Max's own view", base_version=0)
    with session_scope(sessions) as s:
        assert load_note(s, viewer=ws.ivy, interview_id=ada, question_id="q1").text == "second draft"
        assert load_note(s, viewer=ws.ivy, interview_id=bob, question_id="q1").text == "Bob's answer", \
            "a second candidate with the same kit has notes of their own"
        assert load_note(s, viewer=ws.max, interview_id=ada, question_id="q1").text == "Max's own view"
        assert load_note(s, viewer=ws.zoe, interview_id=ada, question_id="q1").version == 0
    with pytest.raises(Invalid, match="at most"):
        with session_scope(sessions) as s:
            save_note(s, viewer=ws.ivy, interview_id=ada, question_id="q1", text="x" * (MAX_NOTE_CHARS + 1),
                      base_version=2)
    with session_scope(sessions) as s:
        note = load_note(s, viewer=ws.ivy, interview_id=ada, question_id="q1")
    assert (note.text, note.version) == ("second draft", 2), "a refused note leaves the stored one whole"


def test_a_stale_tab_gets_a_conflict_not_an_overwrite(sessions):
    from interviews.notes import load_note, save_note

    ws = build_workspace(sessions)
    iid = ws.ada_panel.id
    with session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=iid, question_id="q1", text="tab A", base_version=0)
    with pytest.raises(NoteConflict) as conflict, session_scope(sessions) as s:
        save_note(s, viewer=ws.ivy, interview_id=iid, question_id="q1", text="tab B (loaded before A saved)",
                  base_version=0)
    assert conflict.value.current_text == "tab A" and conflict.value.current_version == 1
    with session_scope(sessions) as s:  # a retry of what is already stored is not a conflict
        assert save_note(s, viewer=ws.ivy, interview_id=iid, question_id="q1", text="tab A", base_version=0).version == 1
        assert load_note(s, viewer=ws.ivy, interview_id=iid, question_id="q1").text == "tab A"


def test_accounts_hash_passwords_and_keep_their_role(sessions):
    from interviews.users import Account, AuthError, sign_in, sign_up, verify_password

    with session_scope(sessions) as s:
        first = sign_up(s, name="Ada", password="correct horse staple")
    assert first.created and first.role == "admin", "the first account on an empty database is the admin"
    with session_scope(sessions) as s:
        second = sign_up(s, name="Bea", password="another fine passphrase")
    assert second.role == "candidate", "later sign-ups are candidates: staff roles come from an admin"
    with session_scope(sessions) as s:
        stored = s.scalar(select(Account).where(Account.name == "Ada"))
        assert "correct horse" not in stored.password_hash and stored.password_hash.startswith("$argon2id$")
        assert verify_password("correct horse staple", stored.password_hash)
        again = sign_in(s, name="ADA", password="correct horse staple")
    assert not again.created and again.role == "admin" and again.name == "Ada"
    with pytest.raises(AuthError, match="Sign-in failed"):
        with session_scope(sessions) as s:
            sign_in(s, name="ada", password="wrong password")


def _card(sessions, viewer, interview_id, token, rating=3, recommendation="yes"):
    return submit(sessions, viewer, interview_id, token=token, rating=rating, recommendation=recommendation)


def test_scorecards_are_visible_by_role_and_double_submit_is_one(sessions):
    from interviews.tables import Scorecard
    from interviews.visibility import visible_scorecards

    ws = build_workspace(sessions)
    first, new = _card(sessions, ws.ivy, ws.ada_panel.id, "tok-1")
    again, new_again = _card(sessions, ws.ivy, ws.ada_panel.id, "tok-1")
    assert new and not new_again and first.id == again.id
    _card(sessions, ws.max, ws.ada_panel.id, "tok-2", rating=2, recommendation="no")
    _card(sessions, ws.ivy, ws.bob_panel.id, "tok-3")
    with session_scope(sessions) as s:
        assert len(list(s.scalars(select(Scorecard)))) == 3
        assert {c.id for c in visible_scorecards(s, viewer=ws.zoe)} == set(), "Zoe has not submitted for Ada"
        assert len(visible_scorecards(s, viewer=ws.ivy)) == 3, "Ivy submitted for Ada and Bob"
        assert len(visible_scorecards(s, viewer=ws.manager)) == 3
        assert visible_scorecards(s, viewer=ws.candidate_user) == []


def test_scorecard_validation(sessions):
    from interviews.scorecards import Rating, submit_scorecard
    from interviews.visibility import competency_means, visible_scorecards

    ws = build_workspace(sessions)
    with pytest.raises(NotFound, match="no such interview"), session_scope(sessions) as s:
        submit_scorecard(s, viewer=ws.ivy, interview_id=999, token="t", recommendation="yes",
                         ratings=[Rating("q", "c", 3)])
    with pytest.raises(Invalid, match="1 to 4"), session_scope(sessions) as s:
        submit_scorecard(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, token="t", recommendation="yes",
                         ratings=[Rating("q", "c", 7)])
    with pytest.raises(Invalid, match="^Choose a recommendation \\(strong no, no, yes or strong yes\\)"):
        with session_scope(sessions) as s:
            submit_scorecard(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, token="t", recommendation=None,
                             ratings=[Rating("q", "c", 3)])
    _card(sessions, ws.ivy, ws.ada_panel.id, "a", rating=2)
    _card(sessions, ws.max, ws.ada_panel.id, "b", rating=4)
    with session_scope(sessions) as s:
        cards = visible_scorecards(s, viewer=ws.manager)
    assert competency_means(cards)["Ada Lovelace"] == {"latency_measurement": 3.0, "deployment_ownership": 4.0}


def test_an_unknown_candidate_cannot_be_interviewed_or_scored(sessions):
    from interviews.schedule import create_interview
    from interviews.scorecards import Rating, submit_scorecard

    ws = build_workspace(sessions)
    with pytest.raises(NotFound, match="no such candidate"), session_scope(sessions) as s:
        create_interview(s, actor=ws.manager, candidate_id=4242, kit_id="edge-embedded-cv")
    with pytest.raises(NotFound, match="no such interview"), session_scope(sessions) as s:
        submit_scorecard(s, viewer=ws.ivy, interview_id=4242, token="t", recommendation="yes",
                         ratings=[Rating("q", "c", 3)])


def test_a_released_connection_never_keeps_the_write_turn(tmp_path):
    """Every session ends its transaction; a writer in another thread gets its turn at once afterwards."""
    import threading
    import time

    from interviews.db import make_engine, migrate, session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'turn.db'}")
    migrate(engine)
    factory = session_factory(engine)
    for ending in ("commit", "rollback", "close"):
        session = factory()
        session.connection()  # begins: takes the turn
        getattr(session, ending)()
        session.close()
        waited = []

        def other() -> None:
            started = time.monotonic()
            with session_scope(factory) as s:
                s.connection()
            waited.append(time.monotonic() - started)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=30)
        assert waited and waited[0] < 2.0, f"after {ending}, another thread waited {waited}"


def test_rubric_decisions_belong_to_an_interview_and_come_back(sessions):
    from interviews.errors import NotAllowed
    from interviews.overrides import latest_decisions, record_decisions

    ws = build_workspace(sessions)
    rows = [("trt", "Builds a TensorRT engine", True, 0.9, True), ("acc", "Re-measures accuracy", True, 0.6, False)]
    with session_scope(sessions) as s:
        assert latest_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1") is None
        record_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1", text="first", decisions=rows)
        record_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1", text="second",
                         decisions=[(p, t, m, pr, not h) for p, t, m, pr, h in rows])
        with pytest.raises(NotAllowed):
            record_decisions(s, viewer=ws.zoe, interview_id=ws.ada_panel.id, question_id="q1", text="x", decisions=rows)
    with session_scope(sessions) as s:
        latest = latest_decisions(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1")
        assert latest.text == "second" and latest.decisions == {"trt": False, "acc": True}
        assert latest_decisions(s, viewer=ws.max, interview_id=ws.ada_panel.id, question_id="q1") is None
        assert latest_decisions(s, viewer=ws.ivy, interview_id=ws.bob_panel.id, question_id="q1") is None
