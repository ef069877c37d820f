"""A small hiring workspace for the tests: an admin, a manager, three interviewers, a candidate and interviews."""

from __future__ import annotations

from dataclasses import dataclass

from interviews.accounts_admin import add_user
from interviews.candidates import create_candidate
from interviews.db import session_scope
from interviews.identity import Identity
from interviews.schedule import InterviewInfo, create_interview
from interviews.scorecards import Rating, submit_scorecard
from interviews.users import sign_up

KIT = "edge-embedded-cv"
PASSWORD = "a long test passphrase"


@dataclass(frozen=True)
class Workspace:
    admin: Identity
    manager: Identity
    ivy: Identity
    max: Identity
    zoe: Identity
    candidate_user: Identity
    ada: int  # candidate ids
    bob: int
    ada_panel: InterviewInfo  # Ivy and Max interview Ada
    ada_onsite: InterviewInfo  # Zoe interviews Ada
    bob_panel: InterviewInfo  # Ivy interviews Bob


def build_workspace(sessions) -> Workspace:
    with session_scope(sessions) as s:
        admin = sign_up(s, name="Root Admin", password=PASSWORD)
        people = {name: add_user(s, actor=admin, name=name, password=PASSWORD, role=role)
                  for name, role in [("Mia Manager", "manager"), ("Ivy", "interviewer"), ("Max", "interviewer"),
                                     ("Zoe", "interviewer")]}
        candidate_user = sign_up(s, name="Ada Lovelace", password=PASSWORD)
        manager = people["Mia Manager"]
        ada = create_candidate(s, actor=manager, name="Ada Lovelace", email="ada@example.com", stage="onsite",
                               role_applied="CV engineer", account_id=candidate_user.account_id).id
        bob = create_candidate(s, actor=manager, name="Bob Builder", stage="screen").id
        ivy, max_, zoe = people["Ivy"], people["Max"], people["Zoe"]
        ada_panel = create_interview(s, actor=manager, candidate_id=ada, kit_id=KIT,
                                     interviewer_ids=[ivy.account_id, max_.account_id])
        ada_onsite = create_interview(s, actor=manager, candidate_id=ada, kit_id=KIT, interviewer_ids=[zoe.account_id])
        bob_panel = create_interview(s, actor=ivy, candidate_id=bob, kit_id=KIT)
    return Workspace(admin, manager, ivy, max_, zoe, candidate_user, ada, bob, ada_panel, ada_onsite, bob_panel)


def submit(sessions, viewer: Identity, interview_id: int, *, token: str | None = None, rating: int = 3,
           recommendation: str = "yes"):
    with session_scope(sessions) as s:
        return submit_scorecard(s, viewer=viewer, interview_id=interview_id, token=token or f"{viewer.name}-{interview_id}",
                                ratings=[Rating("measuring-model-latency-correctly", "latency_measurement", rating),
                                         Rating("end-to-end-project-ownership", "deployment_ownership", 4)],
                                recommendation=recommendation, rationale="Measured before optimising.")
