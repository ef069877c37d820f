"""Scorecards: one per interview and interviewer. A 1-4 rating per question, a rating per competency (derived
from the questions, adjustable with a reason), a recommendation and a written rationale.

A card is a draft until submitted; submitted means read-only, and later changes go through
:func:`amend_scorecard`, which writes who, what, when, before and after to the audit log. Submitting is
idempotent per token (a double click stores one card) and race-safe between tabs: the first submit wins, a later
one gets :class:`AlreadySubmitted`. Who may read which card is decided in :mod:`interviews.visibility`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from statistics import mean

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from interviews import schedule
from interviews.base import utcnow
from interviews.cards import (  # noqa: F401  (re-exported: the scorecard API lives here)
    RECOMMENDATION_LABELS,
    RECOMMENDATIONS,
    CompetencyInfo,
    Rating,
    ScorecardInfo,
    round_rating,
    scorecard_info,
)
from interviews.errors import AlreadySubmitted, Conflict, Invalid, NotAllowed
from interviews.identity import STAFF_ROLES, Identity, require_role
from interviews.tables import AuditRow, CompetencyRating, LabRun, QuestionRating, Scorecard
from interviews.throttle import insert_ignore

MAX_RATIONALE_CHARS = 20_000
Overrides = Mapping[str, tuple[int, str]]  # competency -> (rating, reason)


def derive_competencies(ratings: Sequence[Rating]) -> dict[str, float]:
    pooled: dict[str, list[int]] = {}
    for r in ratings:
        pooled.setdefault(r.competency, []).append(r.rating)
    return {competency: mean(values) for competency, values in pooled.items()}


def competency_rows(ratings: Sequence[Rating], overrides: Overrides | None) -> list[CompetencyInfo]:
    """The competency ratings: derived from the questions, or adjusted where ``overrides`` says so, with a reason."""
    derived = derive_competencies(ratings)
    rows = []
    for competency, (rating, reason) in (overrides or {}).items():
        if competency not in derived:
            raise Invalid(f"Rate a question of the competency {competency!r} before adjusting its rating.")
        if rating not in (1, 2, 3, 4):
            raise Invalid("Competency ratings go from 1 to 4.")
        if rating != round_rating(derived[competency]) and not reason.strip():
            raise Invalid(f"Say why the {competency.replace('_', ' ')} rating differs from its questions' ratings.")
    for competency, value in derived.items():
        rating, reason = (overrides or {}).get(competency, (round_rating(value), ""))
        rows.append(CompetencyInfo(competency, value, rating, reason.strip()[:2000]))
    return rows


def check_ratings(ratings: Sequence[Rating]) -> None:
    if any(not isinstance(r.rating, int) or not 1 <= r.rating <= 4 for r in ratings):
        raise Invalid("Ratings go from 1 to 4.")
    ids = [r.question_id for r in ratings]
    if len(ids) != len(set(ids)):
        raise Invalid("Each question can be rated once.")


def check_submission(ratings: Sequence[Rating], recommendation: str | None, rationale: str) -> None:
    if not ratings:
        raise Invalid("Rate at least one question before submitting.")
    check_ratings(ratings)
    if recommendation not in RECOMMENDATIONS:
        raise Invalid("Choose a recommendation (strong no, no, yes or strong yes) before submitting.")
    check_rationale(rationale)


def check_rationale(rationale: str) -> None:
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise Invalid(f"The rationale may hold at most {MAX_RATIONALE_CHARS:,} characters; this one has "
                      f"{len(rationale):,}. Nothing was cut: shorten it and submit again.")


def _card_for(session: Session, viewer: Identity, interview_id: int) -> Scorecard:
    """The viewer's card for the interview, created as a draft when missing (race-safe)."""
    require_role(viewer, *STAFF_ROLES)
    schedule.load(session, interview_id)
    if not schedule.is_on_panel(session, interview_id, viewer.account_id):
        raise NotAllowed("Only interviewers on this interview's panel can write its scorecard.")
    insert_ignore(session, Scorecard, interview_id=interview_id, interviewer_id=viewer.account_id, status="draft",
                  rationale="", lab_run_ids=[], created_at=utcnow(), version=1)
    return session.scalar(select(Scorecard).where(Scorecard.interview_id == interview_id,
                                                  Scorecard.interviewer_id == viewer.account_id))


def _check_lab_runs(session: Session, lab_run_ids: Sequence[int]) -> list[int]:
    wanted = sorted({int(i) for i in lab_run_ids})
    found = set(session.scalars(select(LabRun.id).where(LabRun.id.in_(wanted)))) if wanted else set()
    if set(wanted) - found:
        raise Invalid("One of the attached lab runs does not exist any more: choose again.")
    return wanted


def _write_ratings(session: Session, card_id: int, ratings: Sequence[Rating], overrides: Overrides | None) -> None:
    rows = competency_rows(ratings, overrides)
    session.execute(delete(QuestionRating).where(QuestionRating.scorecard_id == card_id))
    session.execute(delete(CompetencyRating).where(CompetencyRating.scorecard_id == card_id))
    session.add_all(QuestionRating(scorecard_id=card_id, **asdict(r)) for r in ratings)
    session.add_all(CompetencyRating(scorecard_id=card_id, **asdict(c)) for c in rows)
    session.flush()


def save_draft(session: Session, *, viewer: Identity, interview_id: int, ratings: Sequence[Rating] = (),
               recommendation: str | None = None, rationale: str = "", competency_overrides: Overrides | None = None,
               lab_run_ids: Sequence[int] = ()) -> ScorecardInfo:
    """Keep the card's work in progress (ratings may be partial). Refused once the card is submitted."""
    check_ratings(ratings)
    check_rationale(rationale)
    if recommendation is not None and recommendation not in RECOMMENDATIONS:
        raise Invalid("Choose a recommendation: strong no, no, yes or strong yes.")
    card = _card_for(session, viewer, interview_id)
    changed = session.execute(update(Scorecard).where(Scorecard.id == card.id, Scorecard.status == "draft").values(
        recommendation=recommendation, rationale=rationale, lab_run_ids=_check_lab_runs(session, lab_run_ids),
        version=Scorecard.version + 1))
    if changed.rowcount != 1:
        raise AlreadySubmitted("This scorecard is already submitted (perhaps from another tab): it is read-only.")
    _write_ratings(session, card.id, ratings, competency_overrides)
    schedule.mark_in_progress(session, interview_id)
    return scorecard_info(session, card.id)


def submit_scorecard(session: Session, *, viewer: Identity, interview_id: int, token: str,
                     ratings: Sequence[Rating], recommendation: str | None, rationale: str = "",
                     competency_overrides: Overrides | None = None, lab_run_ids: Sequence[int] = ()) -> tuple[ScorecardInfo, bool]:
    """Submit the viewer's card; returns (card, created). The same ``token`` again returns the stored card with
    created=False (a double click); a card already submitted from another tab raises :class:`AlreadySubmitted`."""
    token = token.strip()[:64]
    if not token:
        raise Invalid("The form lost its submission token: reload the page and submit again.")
    earlier = session.scalar(select(Scorecard).where(Scorecard.token == token))
    if earlier is not None:
        if earlier.interviewer_id != viewer.account_id or earlier.interview_id != interview_id:
            raise Conflict("This form was already used for another scorecard: reload the page.")
        return scorecard_info(session, earlier.id), False
    check_submission(ratings, recommendation, rationale)
    card = _card_for(session, viewer, interview_id)
    now = utcnow()
    won = session.execute(update(Scorecard).where(Scorecard.id == card.id, Scorecard.status == "draft").values(
        status="submitted", token=token, submitted_at=now, recommendation=recommendation, rationale=rationale,
        lab_run_ids=_check_lab_runs(session, lab_run_ids), version=Scorecard.version + 1))
    if won.rowcount != 1:
        if session.scalar(select(Scorecard.token).where(Scorecard.id == card.id)) == token:
            return scorecard_info(session, card.id), False  # the same form, submitted twice at once
        raise AlreadySubmitted("This scorecard was already submitted (perhaps from another tab): it is read-only "
                               "now. Open it to read what was submitted, or amend it with a reason.")
    _write_ratings(session, card.id, ratings, competency_overrides)
    schedule.refresh_status(session, interview_id)
    return scorecard_info(session, card.id), True


def amend_scorecard(session: Session, *, actor: Identity, scorecard_id: int, reason: str,
                    ratings: Sequence[Rating] | None = None, recommendation: str | None = None,
                    rationale: str | None = None, competency_overrides: Overrides | None = None,
                    base_version: int | None = None) -> ScorecardInfo:
    """Change a submitted card (its author or an admin), writing each change to the audit log with ``reason``."""
    require_role(actor, *STAFF_ROLES)
    before = scorecard_info(session, scorecard_id)
    if actor.account_id != before.interviewer_id and actor.active_role != "admin":
        raise NotAllowed("Only the scorecard's author (or an admin) can amend it.")
    if before.status != "submitted":
        raise Invalid("Drafts are edited directly; amendments are for submitted scorecards.")
    if not reason.strip():
        raise Invalid("Say why the submitted scorecard is being amended.")
    new_ratings = list(before.ratings) if ratings is None else list(ratings)
    new_recommendation = before.recommendation if recommendation is None else recommendation
    new_rationale = before.rationale if rationale is None else rationale
    check_submission(new_ratings, new_recommendation, new_rationale)
    if competency_overrides is None:  # keep earlier adjustments whose competency is still rated
        competency_overrides = {c.competency: (c.rating, c.reason) for c in before.competencies if c.adjusted}
        derived = derive_competencies(new_ratings)
        competency_overrides = {k: v for k, v in competency_overrides.items() if k in derived}
    guard = [Scorecard.id == scorecard_id] + ([Scorecard.version == base_version] if base_version else [])
    if session.execute(update(Scorecard).where(*guard).values(
            recommendation=new_recommendation, rationale=new_rationale,
            version=Scorecard.version + 1)).rowcount != 1:
        raise Conflict("Someone amended this scorecard a moment ago: reload it and amend again.")
    _write_ratings(session, scorecard_id, new_ratings, competency_overrides)
    after = scorecard_info(session, scorecard_id)
    _audit(session, actor, before, after, reason.strip()[:2000])
    return scorecard_info(session, scorecard_id)


def _audit(session: Session, actor: Identity, before, after, reason: str) -> None:
    fields = {"ratings": lambda c: [asdict(r) for r in c.ratings], "recommendation": lambda c: c.recommendation,
              "rationale": lambda c: c.rationale,
              "competencies": lambda c: [asdict(x) for x in c.competencies]}
    for name, read in fields.items():
        if read(before) != read(after):
            session.add(AuditRow(scorecard_id=after.id, actor_id=actor.account_id or None, actor_name=actor.name,
                                 field=name, before=read(before), after=read(after), reason=reason))
    session.flush()

