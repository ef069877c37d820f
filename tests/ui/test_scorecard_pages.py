"""AppTest for the scorecard, scorecards and debrief screens: the rating guide beside each rating, the matcher's
suggestion in view, plain messages, one card per submission, independent scoring, managers read everything."""

from __future__ import annotations

import pytest

from tests.ui.apptest import make_candidate, make_interview, make_user, run_app, services

pytestmark = pytest.mark.usefixtures("fresh_services")
KIT = "edge-embedded-cv"


@pytest.fixture
def loop():
    ivy, sue = make_user("Ivy Interviewer", "interviewer"), make_user("Sue Second", "interviewer")
    dana = make_candidate("Dana <i>Candidate</i>")
    return {"ivy": ivy, "sue": sue, "manager": make_user("Mia Manager", "manager"), "dana": dana,
            "a": make_interview(dana, ivy), "b": make_interview(dana, sue)}


def card_page(user, interview_id):
    return run_app("views/scorecard.py", user, query={"interview": str(interview_id)})


def rate_all(at, interview_id: int, rating: int):
    for radio in at.radio:
        if radio.key.startswith(f"scorecard.rate.{interview_id}."):
            radio.set_value(rating)
    return at.run()


def cards():
    from sqlalchemy import select

    from interviews.db import session_scope
    from interviews.tables import Scorecard

    with session_scope(services().sessions) as session:
        return list(session.scalars(select(Scorecard)))


def submit(user, interview_id: int, rating: int = 3, recommendation: str = "yes", rationale: str = "Solid."):
    at = rate_all(card_page(user, interview_id), interview_id, rating)
    at.radio(key=f"scorecard.recommendation.{interview_id}").set_value(recommendation)
    at.text_area(key=f"scorecard.rationale.{interview_id}").input(rationale)
    return at.button(key="scorecard.submit").click().run()


def test_each_rating_shows_the_guide_in_words_and_the_matchers_suggestion(loop):
    from interviews.db import session_scope
    from interviews.notes import save_note

    bank = services().bank
    qid = next(k for k in bank.kits if k.id == KIT).question_ids[0]
    with session_scope(services().sessions) as session:
        save_note(session, viewer=loop["ivy"].identity, interview_id=loop["a"], question_id=qid,
                  text=bank.question(qid).model_answer, base_version=0)
    at = card_page(loop["ivy"], loop["a"])
    assert not at.exception
    radio = at.radio(key=f"scorecard.rate.{loop['a']}.{qid}")
    guide = bank.question(qid).rating_guide.for_rating(4)
    assert any(guide[:30].replace(" ", "") in o.replace("\\", "").replace(" ", "") for o in radio.options)
    assert any("Matcher's suggestion from your notes" in m.value for m in at.markdown)
    assert radio.value in (1, 2, 3, 4), "preset to the suggestion"


def test_a_forgotten_recommendation_gets_a_plain_message(loop):
    at = rate_all(card_page(loop["ivy"], loop["a"]), loop["a"], 3)
    at.button(key="scorecard.submit").click().run()
    assert at.error[0].value.startswith("Choose a recommendation (strong no, no, yes or strong yes)")
    assert "strong_no" not in at.error[0].value
    assert [c.status for c in cards()] in ([], ["draft"]), "nothing submitted"


def test_a_moved_competency_needs_a_reason(loop):
    at = rate_all(card_page(loop["ivy"], loop["a"]), loop["a"], 3)
    comp = next(s for s in at.selectbox if s.key.startswith(f"scorecard.{loop['a']}.comp."))
    comp.set_value(1).run()
    at.radio(key=f"scorecard.recommendation.{loop['a']}").set_value("no")
    at.button(key="scorecard.submit").click().run()
    assert "Say why you moved" in at.error[0].value
    why = next(t for t in at.text_input if t.key.startswith(f"scorecard.{loop['a']}.why."))
    why.input("Could not explain the latency budget").run()
    at.button(key="scorecard.submit").click().run()
    [card] = cards()
    assert card.status == "submitted"


def test_submit_once_from_two_tabs_makes_one_card_then_read_only(loop):
    first = rate_all(card_page(loop["ivy"], loop["a"]), loop["a"], 4)
    second = rate_all(card_page(loop["ivy"], loop["a"]), loop["a"], 2)
    for at in (first, second):
        at.radio(key=f"scorecard.recommendation.{loop['a']}").set_value("strong_yes")
        at.button(key="scorecard.submit").click().run()
        assert not at.exception
    assert len(cards()) == 1
    assert any("read-only" in s.value for s in second.success)
    assert not any(b.key == "scorecard.submit" for b in second.button)


def test_independent_scoring_then_debrief_then_the_manager_reads_everything(loop):
    before = run_app("views/debrief.py", loop["sue"], query={"candidate": str(loop["dana"])})
    assert not before.exception and not before.warning, "nothing hidden yet: no '0 scorecard(s)' notice"
    submit(loop["ivy"], loop["a"], 4, "strong_yes", "Ivy's <b>rationale</b>: shipped on Orin")
    sue_debrief = run_app("views/debrief.py", loop["sue"], query={"candidate": str(loop["dana"])})
    [hidden] = [w.value for w in sue_debrief.warning]
    assert hidden.startswith("1 scorecard from the panel stays hidden until you submit") and "(s)" not in hidden
    assert not sue_debrief.dataframe
    [ivy_card] = cards()
    peek = run_app("views/scorecards.py", loop["sue"], query={"card": str(ivy_card.id)})
    assert "not one you can open" in " ".join(e.value for e in peek.error) or any("No scorecards" in i.value
                                                                                  for i in peek.info)
    submit(loop["sue"], loop["b"], 2, "no", "Sue's rationale")
    sue_debrief = run_app("views/debrief.py", loop["sue"], query={"candidate": str(loop["dana"])})
    assert not sue_debrief.warning
    table = sue_debrief.dataframe[0].value
    assert sorted(table["interviewer"]) == ["Ivy Interviewer", "Sue Second"]
    manager = run_app("views/scorecards.py", loop["manager"], query={"card": str(ivy_card.id)})
    listed = manager.dataframe[0].value
    assert set(listed["stage"]) == {"Onsite"} and KIT not in set(listed["kit"]), "labels, not stored ids"
    text = " ".join(m.value for m in manager.markdown)
    assert "Recommendation: Strong yes" in text and "rationale" in text and "<b>" not in text
    ratings = manager.dataframe[1].value
    assert len(ratings) == len(next(k for k in services().bank.kits if k.id == KIT).question_ids)
    assert set(ratings["rating"]) == {4}


def test_work_in_progress_is_kept_as_a_draft_and_restored(loop):
    at = rate_all(card_page(loop["ivy"], loop["a"]), loop["a"], 2)
    at.radio(key=f"scorecard.recommendation.{loop['a']}").set_value("no").run()
    at.text_area(key=f"scorecard.rationale.{loop['a']}").input("Half written").run()
    assert any("Draft saved" in c.value for c in at.caption)
    reopened = card_page(loop["ivy"], loop["a"])  # a reload: a new session
    assert reopened.radio(key=f"scorecard.recommendation.{loop['a']}").value == "no"
    assert reopened.text_area(key=f"scorecard.rationale.{loop['a']}").value == "Half written"
    rates = [r.value for r in reopened.radio if r.key.startswith(f"scorecard.rate.{loop['a']}.")]
    assert rates and set(rates) == {2}


def test_an_amendment_needs_a_reason_and_is_logged(loop):
    at = submit(loop["ivy"], loop["a"])
    at.text_area(key="scorecard.amend_text").input("Better rationale")
    at.button(key="scorecard.amend").click().run()
    assert at.error, "no reason, no amendment"
    at.text_input(key="scorecard.amend_reason").input("Typo in the first version")
    at.button(key="scorecard.amend").click().run()
    assert not at.exception
    log = at.dataframe[-1].value
    assert "Typo in the first version" in list(log["reason"])
    at.radio(key="scorecard.amend_rec").set_value("strong_no")
    at.text_input(key="scorecard.amend_reason").input("Reference check came back")
    at.button(key="scorecard.amend").click().run()
    assert any("Recommendation: Strong no" in m.value for m in at.markdown)
