"""Fill a fresh app with hostile text in every user-text field, through the real functions the pages call:
imported questions (every text field of a question), account and candidate names, notes, a scorecard's rationale,
a lab run's variant name."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tests.security.corpus import HOSTILE_TEXTS

KIT = "edge-embedded-cv"


def hostile(n: int) -> str:
    return HOSTILE_TEXTS[n % len(HOSTILE_TEXTS)]


def hostile_questions_yaml(bank, count: int = 3) -> bytes:
    """``count`` practice questions copied from the bank with hostile text in every free-text field."""
    from question_bank.importer import dump_questions
    from question_bank.schema import Visibility

    docs = []
    for n, source in enumerate(bank.questions[:count]):
        q = source.model_copy(update={
            "id": f"hostile-{n}", "seed_ref": None, "visibility": Visibility.practice,
            "prompt": f"{hostile(n)} prompt", "why_asked": f"{hostile(n + 1)} why",
            "red_flags": [f"{hostile(n + 2)} flag", f"{hostile(n + 3)} flag two"],
            "follow_ups": [f"{hostile(n + 4)} follow", f"{hostile(n + 5)} follow two"],
            "model_answer": f"{hostile(n + 6)} {source.model_answer}",
            "rubric": [p.model_copy(update={"text": f"{hostile(n + 7 + i)} {p.text}"})
                       for i, p in enumerate(source.rubric)],
            "rating_guide": source.rating_guide.model_copy(update={
                "poor": hostile(n + 1), "mixed": hostile(n + 2), "good": hostile(n + 3), "excellent": hostile(n + 4)}),
        })
        docs.append(q)
    text = dump_questions(docs)
    assert yaml.safe_load(text)["questions"]
    return text.encode()


@dataclass(frozen=True)
class World:
    users: dict  # role -> ui.auth.User
    question_ids: tuple[str, ...]
    candidate_id: int
    interview_id: int


def build_world() -> World:
    from question_bank.importer import import_file
    from tests.ui.apptest import make_candidate, make_interview, make_user, services
    from ui.services import get_services

    svc = services()
    import_file(hostile_questions_yaml(svc.bank), "hostile.yaml", svc.bank, svc.imported_dir)
    get_services.clear()
    svc = services()
    ids = tuple(q.id for q in svc.bank.questions if q.id.startswith("hostile-"))
    assert len(ids) == 3
    users = {role: make_user(f"{role} [x](https://evil.example/{role}) <b>evil.example</b>", role)
             for role in ("admin", "manager", "interviewer", "candidate")}
    candidate_id = make_candidate("cand ![i](https://evil.example/c.png) $evil.example$")
    interview_id = make_interview(candidate_id, users["interviewer"], kit_id=KIT)
    _fill_interview(svc, users["interviewer"], interview_id, candidate_id)
    _decide(svc, users["manager"], candidate_id)
    _practise(svc, users["candidate"], svc.bank.question(ids[0]))
    return World(users, ids, candidate_id, interview_id)


def _fill_interview(svc, interviewer, interview_id: int, candidate_id: int) -> None:
    from interviews.cards import Rating
    from interviews.db import session_scope
    from interviews.lab_runs import save_lab_run
    from interviews.notes import save_note
    from interviews.scorecards import submit_scorecard

    kit = next(k for k in svc.bank.kits if k.id == KIT)
    questions = [svc.bank.question(qid) for qid in kit.question_ids]
    with session_scope(svc.sessions) as session:
        for n, q in enumerate(questions[:2]):
            save_note(session, viewer=interviewer.identity, interview_id=interview_id, question_id=q.id,
                      text=f"note {hostile(n)}", base_version=0)
        latency = _real_latency_report()
        for name, settings, map50 in [("baseline", {"baseline": True}, 0.85), (f"variant {hostile(0)}", {}, 0.80),
                                      (f"variant {hostile(2)}", {}, 0.86)]:
            accuracy = {"map50": map50, "map50_95": 0.5, "f1": 0.8, "precision": 0.8, "recall": 0.8,
                        "mean_iou": 0.7, "per_class": {"scratch": {"ap50": map50}, "spot": {"ap50": map50}}}
            run = save_lab_run(session, variant=name, model_sha256="0" * 64, settings=settings, latency=latency,
                               accuracy=accuracy, environment=latency["environment"], size_bytes=1000,
                               owner=interviewer.identity, candidate_id=candidate_id)
        ratings = [Rating(question_id=q.id, competency=q.competency, rating=3) for q in questions]
        submit_scorecard(session, viewer=interviewer.identity, interview_id=interview_id, token="hostile",
                         ratings=ratings, recommendation="yes", rationale=f"rationale {hostile(1)} {hostile(3)}\r{hostile(9)}",
                         competency_overrides={questions[0].competency: (2, f"why\r{hostile(9)}")},
                         lab_run_ids=(run.id,))


def _real_latency_report() -> dict:
    """A latency report as the lab stores it, measured for real on a tiny model (a fraction of a second)."""
    import tempfile
    from pathlib import Path

    from lab.measure import MeasurePolicy, measure_latency
    from lab.optimize import SessionConfig
    from tests.security.corpus import onnx_relu_model

    path = Path(tempfile.mkdtemp(prefix="sec-lab-")) / "relu.onnx"
    path.write_bytes(onnx_relu_model())
    return measure_latency(str(path), SessionConfig(intra_op_threads=1), policy=MeasurePolicy.quick()).to_dict()


def _decide(svc, manager, candidate_id: int) -> None:
    from interviews.db import session_scope
    from interviews.decisions import record_decision

    with session_scope(svc.sessions) as session:
        record_decision(session, actor=manager.identity, candidate_id=candidate_id, outcome="hold",
                        reason=f"hold: {hostile(4)} {hostile(6)}")


def _practise(svc, candidate, question) -> None:
    from interviews.db import session_scope
    from interviews.practice import record_attempt

    with session_scope(svc.sessions) as session:
        record_attempt(session, viewer=candidate.identity, question_id=question.id, competency=question.competency,
                       answer=f"my answer {hostile(5)} {hostile(7)}", covered_points=[question.rubric[0].id],
                       total_points=len(question.rubric), suggested_rating=2, coverage=0.5, analysis=[])
