"""AppTest for the interview screen: notes per interview and question, saved while typing (drafts as the autosave
box sends them), stale tabs refused without losing text, ticks that follow the matches until touched."""

from __future__ import annotations

import pytest

from tests.ui.apptest import make_candidate, make_interview, make_user, run_app, services

pytestmark = pytest.mark.usefixtures("fresh_services")


@pytest.fixture
def setup():
    ivy = make_user("Ivy Interviewer", "interviewer")
    first, second = make_candidate("Ann <b>First</b>"), make_candidate("Ben Second")
    return {"ivy": ivy, "a": make_interview(first, ivy), "b": make_interview(second, ivy)}


def open_notes(user, interview_id: int, **query):
    return run_app("views/interview.py", user, query={"interview": str(interview_id), **query})


def send_draft(at, interview_id: int, text: str, seq: int, base: int):
    """Do what the autosave box does about a second after the last keystroke."""
    qid = at.radio(key=f"interview.question.{interview_id}").value
    at.session_state[f"interview.box.{interview_id}.{qid}"] = {
        "draft": {"doc": f"{interview_id}:{qid}", "text": text, "seq": seq, "base": base}}
    return at.run()


def stored(user, interview_id: int, qid: str):
    from interviews.db import session_scope
    from interviews.notes import load_note

    with session_scope(services().sessions) as session:
        return load_note(session, viewer=user.identity, interview_id=interview_id, question_id=qid)


def test_the_screen_shows_the_whole_question_brief(setup):
    at = open_notes(setup["ivy"], setup["a"])
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for part in ("Why we ask it", "What to look for", "Red flags", "Follow-ups", "Rating guide"):
        assert part in text
    assert at.selectbox(key="interview.candidate").value is not None


def test_two_candidates_same_kit_keep_separate_notes(setup):
    ivy = setup["ivy"]
    at = send_draft(open_notes(ivy, setup["a"]), setup["a"], "Ann: TRT fp16, p95 12 ms on Orin", 1, 0)
    assert not at.exception
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    other = send_draft(open_notes(ivy, setup["b"]), setup["b"], "Ben: only ran it in PyTorch", 1, 0)
    assert stored(ivy, setup["a"], qid).text == "Ann: TRT fp16, p95 12 ms on Orin"
    assert stored(ivy, setup["b"], qid).text == "Ben: only ran it in PyTorch"
    assert other.selectbox(key="interview.candidate").value != at.selectbox(key="interview.candidate").value


def test_a_draft_is_saved_at_once_and_the_matches_follow(setup):
    ivy = setup["ivy"]
    at = send_draft(open_notes(ivy, setup["a"]), setup["a"], "first words", 1, 0)
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    assert stored(ivy, setup["a"], qid).version == 1
    assert [m.label for m in at.metric][:3] == ["Must points covered", "Nice points covered", "Suggested rating"]
    at = send_draft(at, setup["a"], "first words and more", 2, 1)
    assert stored(ivy, setup["a"], qid).text == "first words and more"
    assert stored(ivy, setup["a"], qid).version == 2
    at = send_draft(at, setup["a"], "an old send that arrives late", 2, 1)  # already handled: ignored
    assert stored(ivy, setup["a"], qid).text == "first words and more"


def test_a_stale_tab_cannot_overwrite_newer_notes_and_loses_nothing(setup):
    ivy = setup["ivy"]
    old_tab = open_notes(ivy, setup["a"])
    new_tab = send_draft(open_notes(ivy, setup["a"]), setup["a"], "typed in the new tab", 1, 0)
    qid = new_tab.radio(key=f"interview.question.{setup['a']}").value
    old_tab = send_draft(old_tab, setup["a"], "typed in the old tab", 1, 0)
    assert stored(ivy, setup["a"], qid).text == "typed in the new tab"
    assert any("not** saved" in w.value or "not saved" in w.value for w in old_tab.warning)
    old_tab.button(key=f"interview.take_theirs.{setup['a']}.{qid}").click().run()
    assert not old_tab.warning
    assert any(c.value == "typed in the old tab" for c in old_tab.code), "the old tab's text stays to copy"
    old_tab = send_draft(old_tab, setup["a"], "typed in the new tab, continued in the old", 2, 1)
    assert stored(ivy, setup["a"], qid).text == "typed in the new tab, continued in the old"


def test_keep_my_text_replaces_the_newer_notes_deliberately(setup):
    ivy = setup["ivy"]
    old_tab = open_notes(ivy, setup["a"])
    send_draft(open_notes(ivy, setup["a"]), setup["a"], "newer", 1, 0)
    old_tab = send_draft(old_tab, setup["a"], "mine", 1, 0)
    qid = old_tab.radio(key=f"interview.question.{setup['a']}").value
    old_tab.button(key=f"interview.keep_mine.{setup['a']}.{qid}").click().run()
    assert stored(ivy, setup["a"], qid).text == "mine" and stored(ivy, setup["a"], qid).version == 2


def test_very_long_notes_are_refused_with_a_message_not_cut(setup):
    ivy = setup["ivy"]
    at = send_draft(open_notes(ivy, setup["a"]), setup["a"], "x" * 100_001, 1, 0)
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    assert any("100,000" in e.value for e in at.error)
    assert stored(ivy, setup["a"], qid).text == ""
    at = send_draft(at, setup["a"], "y" * 100_000, 2, 0)
    assert len(stored(ivy, setup["a"], qid).text) == 100_000


def test_ticks_follow_the_matches_until_touched_and_saving_stores_current_decisions(setup):
    ivy = setup["ivy"]
    at = open_notes(ivy, setup["a"])
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    question = services().bank.question(qid)
    first_point = question.rubric[0].text
    at = send_draft(at, setup["a"], first_point, 1, 0)
    ticks = {c.key.rsplit(".", 1)[-1]: c for c in at.checkbox if c.key.startswith("interview.touched.")}
    assert ticks[question.rubric[0].id].value is True, "the tick follows a match"
    at = send_draft(at, setup["a"], "nothing relevant here at all", 2, 1)
    ticks = {c.key.rsplit(".", 1)[-1]: c for c in at.checkbox if c.key.startswith("interview.touched.")}
    assert ticks[question.rubric[0].id].value is False, "no stale tick after the notes changed"
    ticks[question.rubric[1].id].check().run()
    at = send_draft(at, setup["a"], "still nothing relevant here", 3, 2)
    ticks = {c.key.rsplit(".", 1)[-1]: c for c in at.checkbox if c.key.startswith("interview.touched.")}
    assert ticks[question.rubric[1].id].value is True, "a touched tick keeps the interviewer's decision"
    at.button(key=f"interview.save.{setup['a']}.{qid}").click().run()
    assert "1 override(s)" in at.success[-1].value
    reopened = open_notes(ivy, setup["a"])
    ticks = {c.key.rsplit(".", 1)[-1]: c for c in reopened.checkbox if c.key.startswith("interview.touched.")}
    assert ticks[question.rubric[1].id].value is True, "the saved decision is shown again"


def test_notes_are_shown_inert(setup):
    at = send_draft(open_notes(setup["ivy"], setup["a"]), setup["a"],
                    "<img src=x onerror=alert(1)> **bold** [link](http://evil)", 1, 0)
    assert not at.exception
    assert not any("<img" in m.value for m in at.markdown), "user text never reaches markdown unescaped"


def test_a_manager_off_the_panel_reads_the_brief_but_gets_no_notes_box(setup):
    manager = make_user("Mia Manager", "manager")
    at = open_notes(manager, setup["a"])
    assert not at.exception
    assert any("not on this interview's panel" in i.value for i in at.info)
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    at = send_draft(at, setup["a"], "a manager's forged draft", 1, 0)
    assert stored(setup["ivy"], setup["a"], qid).text == ""


def test_notes_are_read_only_after_the_scorecard_is_submitted(setup):
    from interviews.cards import Rating
    from interviews.db import session_scope
    from interviews.scorecards import submit_scorecard

    ivy = setup["ivy"]
    at = send_draft(open_notes(ivy, setup["a"]), setup["a"], "before submitting", 1, 0)
    qid = at.radio(key=f"interview.question.{setup['a']}").value
    question = services().bank.question(qid)
    with session_scope(services().sessions) as session:
        submit_scorecard(session, viewer=ivy.identity, interview_id=setup["a"], token="t1",
                         ratings=[Rating(qid, question.competency, 3)], recommendation="yes", rationale="ok")
    at = send_draft(open_notes(ivy, setup["a"]), setup["a"], "after submitting", 1, 1)
    assert any("read-only" in i.value for i in at.info)
    assert stored(ivy, setup["a"], qid).text == "before submitting"


@pytest.mark.parametrize("page", ["views/interview.py", "views/scorecard.py"])
def test_without_a_link_the_pickers_open_the_viewers_own_open_interview(page):
    ivy = make_user("Ivy Own", "interviewer")
    other = make_user("Olga Other", "interviewer")
    make_candidate("Aaron Applied", stage="applied")  # first in the list, no interview with ivy
    done = make_candidate("Ben Busy")
    make_interview(done, other)
    mine = make_interview(done, ivy)
    at = run_app(page, ivy)
    assert not at.exception
    prefix = page.split("/")[1].removesuffix(".py")
    assert at.selectbox(key=f"{prefix}.candidate").value == done
    picker = at.selectbox(key=f"{prefix}.interview")
    assert picker.value == mine
    assert picker.options == [f"#{mine} Onsite, planned"]  # short: the kit is in the caption below
    assert not any("No interview with this candidate" in i.value for i in at.info)
    assert any("Kit" in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_candidates_screen_uses_labels_not_ids(setup):
    at = run_app("views/candidates.py", setup["ivy"])
    assert not at.exception
    links = [p.label for p in at.get("page_link")]
    assert any("#" in label and "planned" in label for label in links)
    assert not any("edge-embedded-cv" in label or "in_progress" in label for label in links)
    assert at.selectbox(key="candidates.open").options[0].endswith("· Onsite")


STATUS_EMOJI = ("✅", "⬜", "❌", "✔", "☑", "✓", "✗")


def test_covered_markers_are_icons_not_emoji(setup):
    at = send_draft(open_notes(setup["ivy"], setup["a"]), setup["a"], "TensorRT fp16 on Orin, p95 12 ms", 1, 0)
    shown = " ".join(m.value for m in at.markdown)
    assert ":material/check_circle:" in shown or ":material/radio_button_unchecked:" in shown
    assert not any(e in shown for e in STATUS_EMOJI), "chromium without an emoji font draws them as boxes"


def test_no_status_emoji_in_pages_or_renderers():
    """Covered / missing markers must not depend on an emoji font (they rendered as identical boxes)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [root / "app.py", *sorted((root / "ui").glob("*.py")), *sorted((root / "views").glob("*.py"))]
    found = [f"{f.name}: {e}" for f in files for e in STATUS_EMOJI if e in f.read_text(encoding="utf-8")]
    assert not found


def test_a_second_interview_with_the_same_candidate_starts_and_opens(setup):
    """The interview picker is on screen when the candidate already has one: starting another must not touch the
    picker's state after it is drawn (Streamlit refuses that), and the new interview opens."""
    from interviews.db import session_scope
    from interviews.schedule import list_interviews

    ivy = setup["ivy"]
    at = open_notes(ivy, setup["a"])
    assert at.selectbox(key="interview.interview").value == setup["a"]
    at.button(key="interview.start").click().run()
    assert not at.exception, at.exception
    with session_scope(services().sessions) as session:
        ids = sorted(i.id for i in list_interviews(session, viewer=ivy.identity))
    newest = ids[-1]
    assert newest not in (setup["a"], setup["b"])
    assert at.query_params["interview"] == [str(newest)] or at.query_params["interview"] == str(newest)
    assert at.selectbox(key="interview.interview").value == newest
    assert at.radio(key=f"interview.question.{newest}").value is not None
