"""Races end in a domain answer, never a database error: two tabs submitting one scorecard, a double click, two
tabs autosaving one note, two sign-ups of one new name, two tabs accepting one invitation."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from interviews.accounts_admin import accept_invitation, create_invitation
from interviews.db import session_scope
from interviews.errors import DomainError
from interviews.notes import load_note, save_note
from interviews.scorecards import Rating, submit_scorecard
from interviews.users import sign_up
from tests.interviews.workspace import PASSWORD, build_workspace

RATINGS = [Rating("measuring-model-latency-correctly", "latency_measurement", 3)]


def race(n: int, action) -> list:
    """Run ``action(i)`` in ``n`` threads released together; each outcome is the result or the exception's type."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = action(i)
        except DomainError as exc:
            outcomes[i] = type(exc).__name__
        except Exception as exc:  # anything else is the bug this test exists to catch
            outcomes[i] = f"UNEXPECTED {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [o for o in outcomes if isinstance(o, str) and o.startswith("UNEXPECTED")], outcomes
    return outcomes


def test_two_tabs_submitting_one_scorecard_store_one(sessions):
    ws = build_workspace(sessions)

    def submit(i):
        with session_scope(sessions) as s:
            return submit_scorecard(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, token=f"tab-{i}",
                                    ratings=RATINGS, recommendation="yes", rationale=f"tab {i}")[1]

    outcomes = race(4, submit)
    assert Counter(map(str, outcomes)) == {"True": 1, "AlreadySubmitted": 3}


def test_a_double_click_stores_one_scorecard(sessions):
    ws = build_workspace(sessions)

    def submit(_i):
        with session_scope(sessions) as s:
            card, created = submit_scorecard(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, token="same-form",
                                             ratings=RATINGS, recommendation="yes")
            return card.id, created

    outcomes = race(3, submit)
    assert len({card_id for card_id, _ in outcomes}) == 1 and sorted(c for _, c in outcomes) == [False, False, True]


def test_two_tabs_autosaving_one_note_never_lose_the_winner(sessions):
    ws = build_workspace(sessions)

    def autosave(i):
        with session_scope(sessions) as s:
            return save_note(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1", text=f"tab {i}",
                             base_version=0).version

    outcomes = race(4, autosave)
    assert Counter(map(str, outcomes)) == {"1": 1, "NoteConflict": 3}
    winner = outcomes.index(1)
    with session_scope(sessions) as s:
        assert load_note(s, viewer=ws.ivy, interview_id=ws.ada_panel.id, question_id="q1").text == f"tab {winner}"


@pytest.mark.parametrize("name", ["Newcomer", "Ｎｅｗｃｏｍｅｒ"])
def test_two_sign_ups_of_one_new_name_make_one_account(sessions, name):
    with session_scope(sessions) as s:
        sign_up(s, name="Root Admin", password=PASSWORD)

    def join(i):
        with session_scope(sessions) as s:
            return sign_up(s, name=name if i % 2 else name.lower(), password=PASSWORD).role

    assert Counter(race(4, join)) == {"candidate": 1, "NameTaken": 3}


def test_two_tabs_accepting_one_invitation_make_one_account(sessions):
    with session_scope(sessions) as s:
        admin = sign_up(s, name="Root Admin", password=PASSWORD)
        token = create_invitation(s, actor=admin, role="interviewer")

    def accept(i):
        with session_scope(sessions) as s:
            return accept_invitation(s, token=token, name=f"Invitee {i}", password=PASSWORD).role

    outcomes = race(3, accept)
    assert outcomes.count("interviewer") == 1 and len(outcomes) == 3
