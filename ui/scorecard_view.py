"""Scorecard renderers: the rating inputs (the rating guide as words beside each rating, the matcher's suggestion
in plain sight), derived competency ratings with an adjust-and-say-why control, and a read-only card for the
author, the panel after submitting, and hiring managers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import mean

import streamlit as st

from interviews.cards import round_rating
from question_bank.schema import Bank, Question
from ui.interview_pickers import stage_label
from ui.text import inert, plain

RECOMMENDATION_LABELS = {"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}
RATING_WORDS = {1: "poor", 2: "mixed", 3: "good", 4: "excellent"}
NOT_ASKED = 0


def rating_option(question: Question, rating: int) -> str:
    if rating == NOT_ASKED:
        return "Not asked"
    return f"**{rating} · {RATING_WORDS[rating]}**: {inert(question.rating_guide.for_rating(rating))}"


def rate_question(question: Question, *, key: str, suggested: int | None, notes_chars: int) -> int:
    """One question: the prompt, the matcher's suggestion stated in words, and a 1-4 choice with the guide."""
    with st.container(border=True):
        st.markdown(f"**{inert(question.prompt)}**")
        if suggested:
            st.markdown(f":blue-background[Matcher's suggestion from your notes: **{suggested} · "
                        f"{RATING_WORDS[suggested]}**] — you decide.")
        elif notes_chars:
            st.caption("The matcher has no suggestion for these notes.")
        else:
            st.caption("No notes for this question, so no suggestion.")
        if key not in st.session_state:
            st.session_state[key] = suggested or NOT_ASKED
        return st.radio("Rating", [NOT_ASKED, 1, 2, 3, 4], key=key, label_visibility="collapsed",
                        format_func=lambda n: rating_option(question, n))


def competency_inputs(bank: Bank, derived: Mapping[str, float], page: str) -> dict[str, tuple[int, str]]:
    """Per competency: the derived mean, a 1-4 rating that follows it until the interviewer moves it, and a reason
    required once moved. Returns the overrides as {competency: (rating, reason)}."""
    moved: dict[str, bool] = st.session_state.setdefault(f"{page}.comp_moved", {})
    overrides: dict[str, tuple[int, str]] = {}
    for competency, value in derived.items():
        base = round_rating(value)
        key = f"{page}.comp.{competency}"
        if not moved.get(competency):
            st.session_state[key] = base
        cols = st.columns([2, 1, 3])
        cols[0].markdown(f"**{inert(_competency_name(bank, competency))}**  \nderived from the questions: {value:.2f}")
        rating = cols[1].selectbox("Rating", [1, 2, 3, 4], key=key, format_func=lambda n: f"{n} · {RATING_WORDS[n]}",
                                   on_change=_mark_moved, args=(moved, competency))
        if rating != base:
            reason = cols[2].text_input("Why you moved it (required)", max_chars=500, key=f"{page}.why.{competency}")
            overrides[competency] = (rating, reason)
        else:
            cols[2].caption("Matches the questions' ratings.")
    return overrides


def _mark_moved(moved: dict[str, bool], competency: str) -> None:
    moved[competency] = True


def derive(ratings: Sequence) -> dict[str, float]:
    by_competency: dict[str, list[int]] = {}
    for r in ratings:
        by_competency.setdefault(r.competency, []).append(r.rating)
    return {c: mean(v) for c, v in by_competency.items()}


def read_only_card(bank: Bank, card, *, show_author: bool = True) -> None:
    """Every rating, the competencies, the recommendation and the rationale of one scorecard."""
    who = f" by {inert(card.interviewer_name)}" if show_author else ""
    when = card.submitted_at.strftime("%Y-%m-%d %H:%M") if card.submitted_at else "not submitted"
    st.markdown(f"#### Scorecard #{card.id}{who}")
    st.caption(f"{inert(card.candidate_name)} · {inert(stage_label(card.stage))} · submitted {when}"
               + (" · amended (see the audit log)" if card.amended else ""))
    rec = RECOMMENDATION_LABELS.get(card.recommendation or "", "none")
    st.markdown(f"**Recommendation: {rec}**")
    st.markdown("**Rationale**")
    st.markdown(inert(card.rationale) if card.rationale.strip() else "*(none written)*")
    rows = []
    for r in card.ratings:
        question = _question(bank, r.question_id)
        guide = question.rating_guide.for_rating(r.rating) if question else ""
        rows.append({"question": plain(question.prompt if question else r.question_id), "rating": r.rating,
                     "meaning": plain(f"{RATING_WORDS.get(r.rating, '')}: {guide}"),
                     "matcher suggested": r.suggested or "-"})
    st.dataframe(rows, hide_index=True, width="stretch")
    if card.competencies:
        st.dataframe([{"competency": plain(_competency_name(bank, c.competency)), "rating": c.rating,
                       "derived": round(c.derived, 2), "reason for a change": plain(c.reason or "")}
                      for c in card.competencies], hide_index=True, width="stretch")


def audit_table(entries: Sequence) -> None:
    if not entries:
        return
    st.markdown("**Amendments (audit log)**")
    st.dataframe([{"when": e.at.strftime("%Y-%m-%d %H:%M"), "who": plain(e.actor_name), "what": plain(e.field),
                   "before": plain(e.before), "after": plain(e.after), "reason": plain(e.reason)} for e in entries],
                 hide_index=True, width="stretch")


def _question(bank: Bank, question_id: str) -> Question | None:
    try:
        return bank.question(question_id)
    except KeyError:
        return None


def _competency_name(bank: Bank, competency: str) -> str:
    return next((c.name for c in bank.competencies if c.id == competency), competency)


def restore_draft(draft, *, page: str, interview_id: int) -> None:
    """Once per session: put a saved draft's choices back into the form (a reload or another day loses nothing)."""
    flag = f"{page}.restored.{interview_id}"
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True  # only when the form first opens in this session, never over what is typed
    if draft is None:
        return
    rated = {r.question_id: r.rating for r in draft.ratings}
    for question_id, rating in rated.items():
        st.session_state[f"{page}.rate.{interview_id}.{question_id}"] = rating
    if draft.recommendation:
        st.session_state[f"{page}.recommendation.{interview_id}"] = draft.recommendation
    st.session_state[f"{page}.rationale.{interview_id}"] = draft.rationale
    comp_page = f"{page}.{interview_id}"
    moved = st.session_state.setdefault(f"{comp_page}.comp_moved", {})
    for c in draft.competencies:
        if c.adjusted:
            moved[c.competency] = True
            st.session_state[f"{comp_page}.comp.{c.competency}"] = c.rating
            st.session_state[f"{comp_page}.why.{c.competency}"] = c.reason


def keep_draft(svc, viewer, interview_id: int, *, ratings, recommendation, rationale, overrides, lab_run_ids) -> None:
    """Save the work in progress whenever it changed (refusals are shown, the form keeps its values)."""
    from interviews.db import session_scope
    from interviews.errors import DomainError
    from interviews.scorecards import save_draft

    signature = (tuple(ratings), recommendation, rationale, tuple(sorted(overrides.items())), tuple(lab_run_ids))
    key = f"scorecard.draft_signature.{interview_id}"
    if st.session_state.get(key) == signature:
        return
    if key not in st.session_state and not (recommendation or rationale.strip() or overrides or lab_run_ids):
        st.session_state[key] = signature  # the form as it opens (presets only): nothing of the person's yet
        return
    try:
        with session_scope(svc.sessions) as session:
            save_draft(session, viewer=viewer, interview_id=interview_id, ratings=ratings,
                       recommendation=recommendation, rationale=rationale, competency_overrides=overrides,
                       lab_run_ids=lab_run_ids)
    except DomainError as exc:
        st.caption(f"The draft could not be saved: {inert(str(exc))}")
        return
    st.session_state[key] = signature
    st.caption("Draft saved: you can close this page and finish later.")


def amend_form(svc, viewer, card, *, page: str) -> None:
    """Change a submitted card's recommendation or rationale: a reason is required, the audit log keeps both."""
    from interviews.db import session_scope
    from interviews.errors import DomainError
    from interviews.scorecards import amend_scorecard

    with st.expander("Amend the recommendation or the rationale"):
        options = list(RECOMMENDATION_LABELS)
        recommendation = st.radio("Recommendation", options, horizontal=True, key=f"{page}.amend_rec",
                                  index=options.index(card.recommendation) if card.recommendation in options else None,
                                  format_func=RECOMMENDATION_LABELS.get)
        rationale = st.text_area("Rationale", value=card.rationale, max_chars=10_000, key=f"{page}.amend_text")
        reason = st.text_input("Reason for the amendment (required)", max_chars=500, key=f"{page}.amend_reason")
        if st.button("Save the amendment", key=f"{page}.amend"):
            changes = {"recommendation": recommendation} if recommendation != card.recommendation else {}
            if rationale != card.rationale:
                changes["rationale"] = rationale
            if not changes:
                st.info("Nothing changed: edit the recommendation or the rationale first.")
                return
            try:
                with session_scope(svc.sessions) as session:
                    amend_scorecard(session, actor=viewer, scorecard_id=card.id, reason=reason, **changes)
            except DomainError as exc:
                st.error(inert(str(exc)))
            else:
                st.rerun()
