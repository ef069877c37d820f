"""AppTest for the practice page: choosing questions, drafts per question, feedback, ratings, history, exports,
bad input, and a candidate who tampers with links and widget values to reach someone else's attempts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from interviews.db import session_scope
from interviews.practice import get_attempt, review_states
from interviews.tables import PracticeAttempt
from tests.ui.apptest import make_user, run_app, run_page, services
from ui.text import inert

pytestmark = pytest.mark.usefixtures("fresh_services")
PAGE = "views/practice.py"
ANSWER = ("I profile on the device first, then quantise to int8 with calibration data and re-measure accuracy "
          "on a held-out set, because int8 can lose a few points of mAP. <b>bold</b> [link](http://x.example)")


def attempts():
    with session_scope(services().sessions) as s:
        return list(s.scalars(select(PracticeAttempt).order_by(PracticeAttempt.id)))


def practice_ids():
    return [q.id for q in services().bank.questions if q.visibility.value == "practice"]


def interview_only_id():
    return next(q.id for q in services().bank.questions if q.visibility.value != "practice")


def check(at, text: str):
    at.text_area(key=f"practice.answer.{at.session_state['practice.qid']}").input(text)
    return at.button(key="practice.check").click().run()


@pytest.fixture
def ada():
    return make_user("Ada Candidate", "candidate")


@pytest.fixture
def bob():
    return make_user("Bob Candidate", "candidate")


def test_choose_by_competency_check_an_answer_and_record_a_rating(ada):
    at = run_page(PAGE, ada)
    assert not at.exception
    at.radio(key="practice.mode").set_value("By competency").run()
    competency = at.selectbox(key="practice.competency")
    assert all("questions)" in option for option in competency.options)
    competency.select_index(1).run()
    qid = at.session_state["practice.qid"]
    assert services().bank.question(qid).competency == at.session_state["practice.competency"]
    assert all(len(s.options) < 20 for s in at.selectbox), "never one long dropdown of prompts"
    at = check(at, ANSWER)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Rubric coverage", "Must points covered", "Suggested rating", "Time used"]
    headings = " ".join(m.value for m in at.markdown)
    for part in ("Rubric coverage", "Missed must points", "Red flags in this answer", "Suggested rating",
                 "Your answer", "Model answer"):
        assert part in headings
    assert inert("<b>bold</b>") in headings and "<b>bold</b>" not in headings, "the answer is shown inert"
    assert at.text_area(key=f"practice.answer.{qid}").value == ANSWER, "the answer stays in its box to revise"
    [saved] = attempts()
    assert saved.account_id == ada.id and saved.question_id == qid and saved.analysis
    assert saved.time_used_s is not None and saved.time_limit_s is None
    suggested = saved.suggested_rating
    at.radio(key=f"practice.rating.{saved.id}").set_value(1 if suggested != 1 else 2).run()
    at.button(key=f"practice.record.{saved.id}").click().run()
    assert "Rating recorded" in at.success[0].value
    with session_scope(services().sessions) as s:
        assert get_attempt(s, viewer=ada.identity, attempt_id=saved.id).summary.rating == (1 if suggested != 1 else 2)
        assert [st.question_id for st in review_states(s, viewer=ada.identity)] == [qid]


def test_each_question_has_its_own_box_and_its_draft_survives_a_reload(ada):
    at = run_page(PAGE, ada)
    first = at.session_state["practice.qid"]
    at.text_area(key=f"practice.answer.{first}").input("half of my first answer").run()
    at.button(key="practice.next").click().run()
    second = at.session_state["practice.qid"]
    assert second != first
    assert at.text_area(key=f"practice.answer.{second}").value == "", "never the previous question's answer"
    assert len(at.text_area) == 1
    reloaded = run_page(PAGE, ada, query={"question": first})
    assert reloaded.session_state["practice.qid"] == first
    assert reloaded.text_area(key=f"practice.answer.{first}").value == "half of my first answer"


def test_empty_long_and_oversized_answers_get_clear_messages(ada):
    at = run_page(PAGE, ada)
    at.button(key="practice.check").click().run()
    assert "Write an answer first" in at.error[0].value
    at = check(at, "   \n  ")
    assert "Write an answer first" in at.error[0].value
    assert attempts() == []
    long_answer = ("I quantise to int8 and re-measure accuracy on the device. " * 1800)[:100_000]
    at = check(at, long_answer)
    assert not at.exception
    assert any("only its start was checked" in w.value for w in at.warning)
    [saved] = attempts()
    assert saved.answer == long_answer
    assert max(len(a.answer) for a in attempts()) == 100_000


def test_an_answer_over_the_limit_stays_in_the_box_and_its_draft_with_a_plain_message(ada):
    """QA M1: 117,000 pasted characters vanished (the box's max_chars made the browser drop the value)."""
    at = run_page(PAGE, ada)
    qid = at.session_state["practice.qid"]
    box = at.text_area(key=f"practice.answer.{qid}")
    assert box.proto.max_chars == 0, "no max_chars: the browser would drop a longer paste instead of sending it"
    too_long = ("I measure latency on the device before and after quantising. " * 2000)[:117_000]
    at = check(at, too_long)
    assert not at.exception
    message = "Your answer is 117,000 characters; the limit is 100,000. Shorten it and check again"
    assert [e.value for e in at.error if message in e.value] == [message + "."], "said once, plainly"
    assert not any("Write an answer first" in e.value for e in at.error)
    assert at.text_area(key=f"practice.answer.{qid}").value == too_long, "the text is never lost"
    assert attempts() == [], "nothing over the limit is ever stored"
    reloaded = run_page(PAGE, ada, query={"question": qid})
    assert reloaded.text_area(key=f"practice.answer.{qid}").value == too_long, "the draft keeps it too"
    assert any(message in e.value for e in reloaded.error)


def test_a_checked_answer_stays_editable_and_a_new_check_makes_a_new_attempt(ada):
    at = run_page(PAGE, ada)
    qid = at.session_state["practice.qid"]
    at = check(at, ANSWER)
    assert at.text_area(key=f"practice.answer.{qid}").value == ANSWER
    at = check(at, ANSWER + " Then I compare p95 latency on the device.")
    assert not at.exception
    assert [a.answer for a in attempts()] == [ANSWER, ANSWER + " Then I compare p95 latency on the device."]
    assert any("Feedback on your answer" in m.value for m in at.markdown)


def test_a_reload_on_the_history_tab_returns_to_history_and_the_same_question(ada):
    at = run_page(PAGE, ada)
    at.radio(key="practice.mode").set_value("By competency").run()
    at.selectbox(key="practice.competency").select_index(1).run()
    at.button(key="practice.next").click().run()
    qid = at.session_state["practice.qid"]
    at.radio(key="practice.view").set_value("History").run()
    query = {k: at.query_params[k] for k in at.query_params}
    query = {k: v[0] if isinstance(v, list) else v for k, v in query.items()}
    assert query.get("view") == "history" and query.get("question") == qid
    reloaded = run_page(PAGE, ada, query=query)
    assert not reloaded.exception
    assert reloaded.radio(key="practice.view").value == "History"
    reloaded.radio(key="practice.view").set_value("Practise").run()
    assert reloaded.session_state["practice.qid"] == qid
    assert "view" not in reloaded.query_params


def test_timer_is_optional_and_the_time_used_is_recorded(ada):
    at = run_page(PAGE, ada)
    at.number_input(key="practice.timer_min").set_value(2).run()
    assert any("Time left" in c.value for c in at.caption)
    at = check(at, ANSWER)
    [saved] = attempts()
    assert saved.time_limit_s == 120 and 0 <= saved.time_used_s < 120
    assert any(m.label == "Time used" and m.value.endswith("of 2:00") for m in at.metric)


def test_history_reopens_an_attempt_shows_the_chart_and_offers_exports(ada):
    at = run_page(PAGE, ada)
    first = at.session_state["practice.qid"]
    at = check(at, ANSWER)
    at.button(key="practice.next").click().run()
    at = check(at, "I would look at the confusion matrix per class.")
    ids = [a.id for a in attempts()]
    at.radio(key="practice.view").set_value("History").run()
    assert not at.exception
    assert any(m.label == "Attempts" and m.value == "2" for m in at.metric)
    assert at.get("plotly_chart"), "progress chart per competency"
    assert [b.key for b in at.button if b.key.startswith("practice.open.")] == [f"practice.open.{i}" for i in ids[::-1]]
    at.button(key=f"practice.open.{ids[0]}").click().run()
    assert not at.exception
    assert any("Attempt of" in m.value for m in at.markdown)
    assert services().bank.question(first).prompt[:40] in " ".join(h.value for h in at.subheader).replace("\\", "")
    assert at.query_params["attempt"] == [str(ids[0])] or at.query_params["attempt"] == str(ids[0])
    assert {d.proto.label for d in at.get("download_button")} == {"Download CSV", "Download JSON"}


def test_another_candidates_attempts_cannot_be_reached_by_link_or_tampered_widgets(ada, bob):
    at = run_page(PAGE, ada)
    qid = at.session_state["practice.qid"]
    check(at, "Ada's secret answer about int8 calibration.")
    [adas] = attempts()

    by_link = run_page(PAGE, bob, query={"attempt": str(adas.id)})
    assert not by_link.exception
    assert "There is no such attempt among yours." in [e.value for e in by_link.error]
    assert "secret" not in str([m.value for m in by_link.markdown])

    tampered = run_page(PAGE, bob)
    tampered.session_state["practice.view"] = "History"
    tampered.session_state["practice.opened"] = adas.id
    tampered.run()
    assert "There is no such attempt among yours." in [e.value for e in tampered.error]
    assert "secret" not in str([m.value for m in tampered.markdown])

    last = run_page(PAGE, bob, query={"question": qid})
    last.session_state[f"practice.last.{qid}"] = adas.id
    last.run()
    assert "There is no such attempt among yours." in [e.value for e in last.error]
    assert "secret" not in str([m.value for m in last.markdown])
    for bad in ("1 OR 1=1", "-5", "99999999999"):
        assert "There is no such attempt" in run_page(PAGE, bob, query={"attempt": bad}).error[0].value


def test_interview_only_questions_are_not_open_for_practice_even_by_link(ada):
    hidden = services().bank.question(interview_only_id())
    at = run_page(PAGE, ada, query={"question": hidden.id})
    assert not at.exception
    assert "not open for practice" in at.error[0].value
    assert at.session_state["practice.qid"] in practice_ids()
    assert hidden.prompt[:30] not in " ".join(h.value for h in at.subheader).replace("\\", "")


def test_practise_this_on_the_bank_page_opens_that_question(ada):
    at = run_app("views/question_bank.py", ada)
    qid = at.session_state["bank.chosen"]
    at.button(key=f"bank.practise.{qid}").click().run()
    assert not at.exception
    assert at.session_state["practice.qid"] == qid
    assert at.text_area(key=f"practice.answer.{qid}") is not None


def test_staff_cannot_open_practice():
    at = run_page(PAGE, make_user("Ivy Interviewer", "interviewer"))
    assert at.error and "This screen is for" in at.error[0].value
    assert not at.text_area


def test_hostile_questions_and_answers_stay_inert_in_feedback_history_and_chart(ada):
    from question_bank.importer import import_file
    from tests.security.corpus import HOSTILE_TEXTS
    from tests.security.hostile_world import hostile_questions_yaml
    from tests.security.inert_check import inspect
    from ui.services import get_services

    svc = services()
    import_file(hostile_questions_yaml(svc.bank), "hostile.yaml", svc.bank, svc.imported_dir)
    get_services.clear()
    at = run_page(PAGE, ada, query={"question": "hostile-0"})
    assert at.session_state["practice.qid"] == "hostile-0"
    at = check(at, " ".join(HOSTILE_TEXTS[:6]) + " I quantise to int8 and re-measure accuracy on the device.")
    assert not at.exception
    problems, carried = inspect(at)
    assert not problems, problems[:5]
    assert carried, "the hostile prompt, rubric and answer reached the feedback (the check could fail)"
    at.radio(key="practice.view").set_value("History").run()
    at.button(key=f"practice.open.{attempts()[0].id}").click().run()
    assert not at.exception
    problems, carried = inspect(at)
    assert not problems, problems[:5]
    assert carried


def test_moving_on_records_the_rating_shown_so_review_learns_from_every_attempt(ada):
    at = run_page(PAGE, ada)
    qid = at.session_state["practice.qid"]
    at = check(at, ANSWER)
    [saved] = attempts()
    at.radio(key=f"practice.rating.{saved.id}").set_value(4).run()  # adjusted, not recorded
    at.button(key="practice.next").click().run()
    assert "was recorded for review" in at.info[0].value
    with session_scope(services().sessions) as s:
        assert get_attempt(s, viewer=ada.identity, attempt_id=saved.id).summary.rating == 4
        assert [st.question_id for st in review_states(s, viewer=ada.identity)] == [qid]


def test_questions_due_for_review_come_first_on_the_next_visit(ada):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from interviews.tables import PracticeReview

    at = run_page(PAGE, ada)
    at.button(key="practice.next").click().run()
    qid = at.session_state["practice.qid"]
    at = check(at, ANSWER)
    [saved] = attempts()
    at.radio(key=f"practice.rating.{saved.id}").set_value(1).run()
    at.button(key=f"practice.record.{saved.id}").click().run()
    assert run_page(PAGE, ada).session_state["practice.mode"] == "By competency", "nothing due yet"
    with session_scope(services().sessions) as s:  # a day later
        s.execute(update(PracticeReview).values(due=datetime.now(timezone.utc) - timedelta(days=1)))
    later = run_page(PAGE, ada)
    assert later.session_state["practice.mode"] == "Due for review"
    assert later.session_state["practice.qid"] == qid
    assert "Question 1 of 1" in " ".join(c.value for c in later.caption)


def test_an_attempt_at_a_question_closed_since_shows_the_answer_but_not_the_model_answer(ada, monkeypatch):
    at = run_page(PAGE, ada)
    qid = at.session_state["practice.qid"]
    check(at, ANSWER)
    [saved] = attempts()
    import ui.access

    opened = ui.access.readable_ids
    monkeypatch.setattr(ui.access, "readable_ids", lambda bank, user: opened(bank, user) - {qid})
    later = run_page(PAGE, ada, query={"attempt": str(saved.id)})
    assert not later.exception
    assert "no longer open for practice" in later.warning[0].value
    assert ANSWER[:40] in " ".join(t.value for t in later.text)
    model = services().bank.question(qid).model_answer
    assert model[:40] not in " ".join(m.value for m in later.markdown).replace("\\", "")


def test_a_bank_without_practice_questions_says_so(ada, monkeypatch):
    import ui.access

    monkeypatch.setattr(ui.access, "readable_ids", lambda bank, user: frozenset())
    at = run_page(PAGE, ada)
    assert not at.exception
    assert "no practice questions here yet" in at.info[0].value
    assert not at.text_area


@pytest.mark.parametrize("mode,key", [("By topic", "practice.topic"), ("By kit", "practice.kit"),
                                      ("At random", None), ("Recommended for me", None)])
def test_every_way_of_choosing_offers_only_practice_questions_from_its_set(ada, mode, key):
    from interviews.practice_history import question_pool

    at = run_page(PAGE, ada)
    at.radio(key="practice.mode").set_value(mode).run()
    if key:
        at.selectbox(key=key).select_index(1).run()
    assert not at.exception
    qid = at.session_state["practice.qid"]
    assert qid in practice_ids()
    bank = services().bank
    if key == "practice.topic":
        assert at.session_state[key] in bank.question(qid).topics
    if key == "practice.kit":
        assert qid in question_pool(bank, practice_ids(), kit=at.session_state[key])
    seen = {qid}
    for _ in range(3):
        at.button(key="practice.random").click().run()
        seen.add(at.session_state["practice.qid"])
    assert len(seen) > 1 and seen <= set(practice_ids())


def test_shortened_prompts_end_in_one_ellipsis_at_a_word_boundary():
    from ui.practice_history_view import _short

    prompt = 'A teammate says the new detector "runs in 8 ms" after timing a single call in a notebook. What next?'
    cut = _short(prompt, prompt.index("notebook.") + len("notebook.") + 1)
    assert cut.endswith("notebook…") and ".…" not in cut and len(cut) < len(prompt)
    assert _short("short enough") == "short enough"
    assert not _short("word " * 40, 30).endswith(" …")


def test_history_chart_with_one_attempt_is_readable_and_recommendations_have_short_buttons(ada):
    import json

    at = run_page(PAGE, ada)
    at = check(at, ANSWER)
    at.radio(key="practice.view").set_value("History").run()
    assert not at.exception
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["xaxis"]["tickformat"] == "%b %d %H:%M" and spec["layout"]["showlegend"] is True
    qid = at.session_state["practice.qid"]
    assert spec["data"][0]["name"].startswith(services().bank.competency(
        services().bank.question(qid).competency).name[:10])
    recommend = [b for b in at.button if b.key.startswith("practice.recommend.")]
    assert recommend and {b.label for b in recommend} == {"Practise"}
    recommend[0].click().run()
    assert at.radio(key="practice.view").value == "Practise"
