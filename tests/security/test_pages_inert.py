"""Every page, as every role that may open it, over an app full of hostile text: no user text reaches a markdown
context (labels, options, captions, headings, alerts, expanders, tabs) or a chart unescaped."""

from __future__ import annotations

import pytest

from tests.security.hostile_world import build_world
from tests.security.inert_check import inspect, markdown_problem
from tests.ui.apptest import run_app
from ui.access import ANONYMOUS, PAGES
from ui.text import chart_text, inert

pytestmark = pytest.mark.usefixtures("fresh_services")

# Pages where the seeded hostile text must show up in a markdown context for the role (proof the walk can fail).
MUST_CARRY_HOSTILE = {("views/question_bank.py", "interviewer"), ("views/question_bank.py", "candidate"),
                      ("views/scorecards.py", "manager"), ("views/debrief.py", "manager"),
                      ("views/candidate.py", "manager"), ("views/lab.py", "interviewer"), ("views/home.py", "admin")}


def _select_hostile_options(at, ids: tuple[str, ...]) -> None:
    """Point every radio/selectbox that offers a hostile question at it, so its detail renders too."""
    for widget in [*at.radio, *at.selectbox]:
        options = list(widget.options)
        for qid in ids:
            try:
                offered = str(widget.format_func(qid)) in options
            except (KeyError, ValueError, AttributeError, StopIteration, TypeError):
                offered = False
            if offered:
                widget.set_value(qid)
                break


def test_every_page_renders_hostile_text_inert():
    world = build_world()
    report, carried = [], set()
    for spec in PAGES:
        roles = sorted(spec.roles - {ANONYMOUS}) + ([ANONYMOUS] if ANONYMOUS in spec.roles else [])
        for role in roles:
            user = world.users.get(role)
            at = run_app(spec.path, user)
            problems, hostile = inspect(at)
            _select_hostile_options(at, world.question_ids)
            for toggle in at.toggle:  # reveal what toggles hide (the model answer, comparisons)
                toggle.set_value(True)
            at.run()
            more, hostile_after = inspect(at)
            report += [f"{spec.path} as {role}: {p}" for p in problems + more]
            report += [f"{spec.path} as {role}: exception {e.message[:200]}" for e in at.exception]
            if hostile + hostile_after:
                carried.add((spec.path, role))
    assert not report, "\n".join(report[:40])
    missing = MUST_CARRY_HOSTILE - carried
    assert not missing, f"the hostile text never reached these pages, so the walk proved nothing there: {missing}"


def test_the_checker_catches_what_inert_prevents():
    from tests.security.corpus import HOSTILE_TEXTS

    for text in HOSTILE_TEXTS:
        assert markdown_problem(text), text
        assert markdown_problem(inert(text)) is None, inert(text)
    assert markdown_problem("see https\\:\\/\\/evil\\.example") == "autolink 'https://evil.example'"
    assert "<" not in chart_text("<a href='https://evil.example'>x</a>")
