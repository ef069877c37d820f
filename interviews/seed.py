"""The demo workspace: a user per role, seven candidates at every stage, three interviewers, interviews with notes
and scorecards (some submitted, some still open), and lab runs, all labelled as demo data.

``python -m interviews seed-demo`` writes it once (running it again changes nothing), and only into a database
without accounts of its own. The demo accounts' credentials are stored with the workspace
(:func:`interviews.users.demo_credentials`) so the sign-in screen can show them: they are demo data, not secrets.
The lab figures are copied from BENCHMARKS.md's variant table, a real run of the demo detector (1 thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from interviews import accounts_admin, candidates, lab_runs, notes, schedule, scorecards, users
from interviews.base import utcnow
from interviews.errors import Invalid
from interviews.identity import COMMAND_LINE, Identity
from interviews.seed_lab import DEMO_ENVIRONMENT, demo_latency
from interviews.tables import WorkspaceMeta

KIT = "edge-embedded-cv"
ACCOUNTS = [("demo-admin", "admin", "demo admin pass 1"), ("demo-manager", "manager", "demo manager pass 1"),
            ("demo-ivy", "interviewer", "demo ivy pass 1"), ("demo-omar", "interviewer", "demo omar pass 1"),
            ("demo-lena", "interviewer", "demo lena pass 1"), ("demo-casey", "candidate", "demo casey pass 1")]
# name, stage, role applied for, [(interviewer, kit stage, submitted?, rating, recommendation)]
CANDIDATES = [
    ("Casey Quinn (demo)", "onsite", "Edge CV engineer",
     [("demo-ivy", "Screen (deployment history)", True, 3, "yes"),
      ("demo-omar", "Deep dive (optimisation)", True, 4, "strong_yes"),
      ("demo-lena", "Deep dive (optimisation)", False, 0, "")]),
    ("Ana Ortiz (demo)", "applied", "Edge CV engineer", []),
    ("Ben Okafor (demo)", "screen", "Edge CV engineer", [("demo-ivy", "Screen (deployment history)", False, 0, "")]),
    ("Dana Li (demo)", "take-home", "Edge CV engineer", [("demo-lena", "Screen (deployment history)", True, 3, "yes")]),
    ("Eli Novak (demo)", "offer", "Edge CV engineer",
     [("demo-ivy", "System design", True, 4, "strong_yes"), ("demo-omar", "System design", True, 3, "yes")]),
    ("Farah Haddad (demo)", "hired", "Edge CV engineer", [("demo-omar", "Failure and data", True, 4, "yes")]),
    ("Gus Meyer (demo)", "rejected", "Edge CV engineer",
     [("demo-lena", "Deep dive (optimisation)", True, 1, "strong_no"), ("demo-ivy", "Screen (deployment history)",
                                                                         True, 2, "no")]),
]
FIGURES_NOTE = "demo figures copied from BENCHMARKS.md (a real run of the demo detector, 1 thread, 160 px)"
# variant, p50 ms, mAP@0.5, mAP@0.5:0.95, size in bytes, baseline?, input size in pixels
LAB_RUNS = [("fp32 baseline", 5.203, 0.9749, 0.6334, 2_343_961, True, 160),
            ("int8 QDQ per-channel MinMax, io convs fp32", 2.998, 0.9710, None, 640_000, False, 160),
            ("int8 dynamic", 5.412, 0.9756, None, 630_000, False, 160),
            ("fp32 input 128", 3.323, 0.8844, None, 2_343_961, False, 128)]
LAB_OWNER = "demo-omar"  # the demo runs are staff runs made for Casey's record, never Casey's own


@dataclass(frozen=True)
class SeedReport:
    created: bool
    accounts: int
    candidates: int
    interviews: int
    message: str


def _note_text(question) -> str:
    points = "; ".join(p.text for p in question.rubric[:2])
    return f"[demo notes] {points}. Follow-up went well."


def _run(session: Session, owner: Identity, variant: str, p50: float, map50: float, map50_95, size: int,
         baseline: bool, pixels: int, *, candidate_id: int) -> int:
    accuracy = {"map50": map50, **({"map50_95": map50_95} if map50_95 else {})}
    return lab_runs.save_lab_run(session, owner=owner, candidate_id=candidate_id, variant=f"{variant} (demo)",
                                 model_sha256="0" * 64, settings={"source": "demo", "demo": True, "baseline": baseline,
                                                                  "input_size": pixels, "demo_figures": FIGURES_NOTE},
                                 latency=demo_latency(p50, size, pixels), accuracy=accuracy,
                                 environment=DEMO_ENVIRONMENT, size_bytes=size).id


def _interviews(session: Session, bank, people: dict[str, Identity], manager: Identity, candidate_id: int,
                plan: list, run_ids: list[int]) -> int:
    kit = next(k for k in bank.kits if k.id == KIT)
    for offset, (who, kit_stage, submitted, rating, recommendation) in enumerate(plan):
        viewer = people[who]
        interview = schedule.create_interview(session, actor=manager, candidate_id=candidate_id, kit_id=KIT,
                                              interviewer_ids=[viewer.account_id], kit_stage=kit_stage, bank=bank,
                                              stage="screen" if kit_stage.startswith("Screen") else "onsite",
                                              scheduled_at=utcnow() - timedelta(days=len(plan) - offset))
        stage = next(s for s in kit.stages if s.name == kit_stage)
        ratings = []
        for qid in stage.questions:
            question = bank.question(qid)
            notes.save_note(session, viewer=viewer, interview_id=interview.id, question_id=qid,
                            text=_note_text(question), base_version=0)
            ratings.append(scorecards.Rating(qid, question.competency, rating or 3, suggested=rating or 3))
        if submitted:
            scorecards.submit_scorecard(session, viewer=viewer, interview_id=interview.id,
                                        token=f"demo-{candidate_id}-{offset}", ratings=ratings,
                                        recommendation=recommendation, lab_run_ids=run_ids if offset == 0 else (),
                                        rationale="[demo] Clear about how latency was measured; see the notes.")
    return len(plan)


def seed_demo(session: Session, bank) -> SeedReport:
    """Fill an empty database with the demo workspace; a second call changes nothing."""
    if session.get(WorkspaceMeta, "demo") is not None:
        return SeedReport(False, 0, 0, 0, "The demo workspace is already here; nothing changed.")
    if users.count_accounts(session):
        raise Invalid("This database has accounts of its own: the demo goes into an empty database only "
                      "(point VIS_DATA_DIR or VIS_DATABASE_URL at another one).")
    people = {name: accounts_admin.add_user(session, actor=COMMAND_LINE, name=name, password=password, role=role,
                                            email=f"{name}@example.com", demo=True)
              for name, role, password in ACCOUNTS}
    manager = people["demo-manager"]
    count = 0
    for index, (name, stage, role, plan) in enumerate(CANDIDATES):
        linked = people["demo-casey"].account_id if index == 0 else None
        record = candidates.create_candidate(session, actor=manager, name=name, role_applied=role, stage="applied",
                                             email=f"candidate{index + 1}@example.com", account_id=linked, demo=True)
        if stage != "applied":
            candidates.move_stage(session, actor=manager, candidate_id=record.id, stage=stage, reason="[demo]")
        run_ids = []
        if index == 0:  # staff runs made for Casey's record: listed with it for staff, never as Casey's own
            run_ids = [_run(session, people[LAB_OWNER], *row, candidate_id=record.id) for row in LAB_RUNS]
        count += _interviews(session, bank, people, manager, record.id, plan, run_ids)
    session.add(WorkspaceMeta(key="demo", value={
        "seeded_at": utcnow().isoformat(timespec="seconds"),
        "credentials": [{"name": n, "password": p, "role": r} for n, r, p in ACCOUNTS]}))
    session.flush()
    return SeedReport(True, len(ACCOUNTS), len(CANDIDATES), count,
                      f"Demo workspace created: {len(ACCOUNTS)} accounts, {len(CANDIDATES)} candidates, "
                      f"{count} interviews.")
