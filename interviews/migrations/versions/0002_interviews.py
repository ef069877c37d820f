"""Candidates, interviews, versioned notes, scorecards with competencies and an audit log, accounts with roles.

Carries an older database's data into the new model:
* accounts keep their names and password hashes (scrypt hashes are upgraded to argon2 at the next sign-in); their
  name key is recomputed with NFKC + casefold; accounts that chose a staff role at the old sign-in form stay, but
  unconfirmed: an admin must confirm them before the staff role works;
* every name that appears on a scorecard or a lab run becomes a candidate (one per name after normalisation),
  linked to the candidate account of that name when there is one;
* every scorecard becomes a submitted scorecard on a "legacy" interview of its candidate and kit, with its
  per-question ratings, the competency ratings derived from them, its recommendation, summary and lab runs;
* notes were kept per interviewer and question: each goes to the interview of that interviewer's latest scorecard
  that rated the question (the candidate the notes were most likely about); the rest go to one legacy interview
  per interviewer with a placeholder candidate, so nothing is lost and nothing is shown as someone's notes.
Lab runs keep their candidate label; their owner is unknown, so none is listed as a candidate's own run.

Revision ID: 0002_interviews
Revises: 0001_baseline
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0002_interviews"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)
LEGACY_STAGE = "screen"
PLACEHOLDER = "Notes from before candidates existed"


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False, index: bool = False, cascade: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE" if cascade else None),
                     nullable=nullable, index=index)


def upgrade() -> None:
    old = _read_old_rows()
    _upgrade_accounts()
    _create_account_tables()
    _create_workflow_tables()
    _upgrade_lab_runs()
    _upgrade_rubric_decisions()
    _carry_data(old)


def _read_old_rows() -> dict[str, list]:
    conn = op.get_bind()
    notes = sa.table("interview_notes", sa.column("interviewer", sa.String), sa.column("question_id", sa.String),
                     sa.column("text", sa.Text), sa.column("updated_at", When))
    cards = sa.table("scorecards", sa.column("id", sa.Integer), sa.column("token", sa.String),
                     sa.column("created_at", When), sa.column("interviewer", sa.String),
                     sa.column("candidate", sa.String), sa.column("kit_id", sa.String),
                     sa.column("recommendation", sa.String), sa.column("summary", sa.Text),
                     sa.column("ratings", sa.JSON), sa.column("lab_run_ids", sa.JSON))
    return {"notes": [dict(r._mapping) for r in conn.execute(sa.select(notes))],
            "cards": [dict(r._mapping) for r in conn.execute(sa.select(cards).order_by(cards.c.id))]}


def _upgrade_accounts() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("email", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("name_key", sa.String), sa.column("role", sa.String),
                        sa.column("confirmed", sa.Boolean))
    conn.execute(accounts.update().where(accounts.c.role.in_(("interviewer", "manager"))).values(confirmed=False))
    taken: set[str] = set()
    rows = list(conn.execute(sa.select(accounts.c.id, accounts.c.name).order_by(accounts.c.id)))
    conn.execute(accounts.update().values(name_key=sa.literal("~migrating~") + sa.cast(accounts.c.id, sa.String)))
    for account_id, name in rows:
        key = _key(name)[:80]
        if key in taken:  # two old names that only differ in look-alike characters: the later one is marked
            key = f"{key[:70]}~{account_id}"
        taken.add(key)
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(name_key=key))


def _create_account_tables() -> None:
    op.create_table("sign_in_throttle", sa.Column("key", sa.String(200), primary_key=True),
                    sa.Column("failures", sa.Integer, nullable=False),
                    sa.Column("locked_until", When, nullable=True), sa.Column("updated_at", When, nullable=False))
    op.create_table("auth_sessions", _id(),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                    _fk("account_id", "accounts.id", index=True, cascade=True),
                    sa.Column("created_at", When, nullable=False), sa.Column("expires_at", When, nullable=False),
                    sa.Column("revoked_at", When, nullable=True))
    op.create_table("invitations", _id(),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                    sa.Column("role", sa.String(20), nullable=False),
                    _fk("created_by", "accounts.id", nullable=True),
                    sa.Column("created_at", When, nullable=False), sa.Column("expires_at", When, nullable=False),
                    sa.Column("used_at", When, nullable=True), _fk("used_by", "accounts.id", nullable=True))
    op.create_table("workspace_meta", sa.Column("key", sa.String(80), primary_key=True),
                    sa.Column("value", sa.JSON, nullable=False))


def _create_workflow_tables() -> None:
    op.drop_table("interview_notes")
    op.drop_table("scorecards")
    op.create_table("candidates", _id(), sa.Column("name", sa.String(120), nullable=False),
                    sa.Column("name_key", sa.String(120), nullable=False, index=True),
                    sa.Column("email", sa.String(200), nullable=False),
                    sa.Column("role_applied", sa.String(200), nullable=False),
                    sa.Column("stage", sa.String(20), nullable=False),
                    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True, unique=True),
                    sa.Column("created_at", When, nullable=False), sa.Column("demo", sa.Boolean, nullable=False))
    op.create_table("candidate_stage_events", _id(), _fk("candidate_id", "candidates.id", index=True, cascade=True),
                    sa.Column("from_stage", sa.String(20), nullable=True),
                    sa.Column("to_stage", sa.String(20), nullable=False),
                    _fk("actor_id", "accounts.id", nullable=True), sa.Column("actor_name", sa.String(80), nullable=False),
                    sa.Column("at", When, nullable=False), sa.Column("reason", sa.Text, nullable=False))
    op.create_table("interviews", _id(), _fk("candidate_id", "candidates.id", index=True, cascade=True),
                    sa.Column("kit_id", sa.String(80), nullable=False), sa.Column("stage", sa.String(20), nullable=False),
                    sa.Column("kit_stage", sa.String(120), nullable=True),
                    sa.Column("scheduled_at", When, nullable=True), sa.Column("status", sa.String(20), nullable=False),
                    sa.Column("created_at", When, nullable=False), sa.Column("legacy", sa.Boolean, nullable=False))
    op.create_table("interview_panel",
                    sa.Column("interview_id", sa.Integer, sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True, index=True))
    op.create_table("notes", _id(), _fk("interview_id", "interviews.id", index=True, cascade=True),
                    _fk("author_id", "accounts.id"), sa.Column("question_id", sa.String(80), nullable=False),
                    sa.Column("text", sa.Text, nullable=False), sa.Column("version", sa.Integer, nullable=False),
                    sa.Column("updated_at", When, nullable=False),
                    sa.UniqueConstraint("interview_id", "author_id", "question_id", name="uq_notes_per_question"))
    op.create_table("scorecards", _id(), _fk("interview_id", "interviews.id", index=True, cascade=True),
                    _fk("interviewer_id", "accounts.id", index=True),
                    sa.Column("token", sa.String(64), nullable=True, unique=True),
                    sa.Column("status", sa.String(12), nullable=False),
                    sa.Column("recommendation", sa.String(20), nullable=True),
                    sa.Column("rationale", sa.Text, nullable=False), sa.Column("lab_run_ids", sa.JSON, nullable=False),
                    sa.Column("created_at", When, nullable=False),
                    sa.Column("submitted_at", When, nullable=True, index=True),
                    sa.Column("version", sa.Integer, nullable=False),
                    sa.UniqueConstraint("interview_id", "interviewer_id", name="uq_scorecards_per_interviewer"))
    op.create_table("scorecard_ratings", _id(), _fk("scorecard_id", "scorecards.id", index=True, cascade=True),
                    sa.Column("question_id", sa.String(80), nullable=False),
                    sa.Column("competency", sa.String(80), nullable=False),
                    sa.Column("rating", sa.Integer, nullable=False), sa.Column("suggested", sa.Integer, nullable=True),
                    sa.UniqueConstraint("scorecard_id", "question_id", name="uq_scorecard_ratings_question"))
    op.create_table("competency_ratings", _id(), _fk("scorecard_id", "scorecards.id", index=True, cascade=True),
                    sa.Column("competency", sa.String(80), nullable=False),
                    sa.Column("derived", sa.Float, nullable=False), sa.Column("rating", sa.Integer, nullable=False),
                    sa.Column("reason", sa.Text, nullable=False),
                    sa.UniqueConstraint("scorecard_id", "competency", name="uq_competency_ratings_competency"))
    op.create_table("scorecard_audit", _id(), _fk("scorecard_id", "scorecards.id", index=True, cascade=True),
                    _fk("actor_id", "accounts.id", nullable=True), sa.Column("actor_name", sa.String(80), nullable=False),
                    sa.Column("at", When, nullable=False), sa.Column("field", sa.String(80), nullable=False),
                    sa.Column("before", sa.JSON, nullable=True), sa.Column("after", sa.JSON, nullable=True),
                    sa.Column("reason", sa.Text, nullable=False))


def _upgrade_lab_runs() -> None:
    with op.batch_alter_table("lab_runs") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("owner_name", sa.String(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("candidate_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("run_by_staff", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.create_foreign_key("fk_lab_runs_owner_id_accounts", "accounts", ["owner_id"], ["id"])
        batch.create_foreign_key("fk_lab_runs_candidate_id_candidates", "candidates", ["candidate_id"], ["id"])
        batch.create_index("ix_lab_runs_owner_id", ["owner_id"])
        batch.create_index("ix_lab_runs_candidate_id", ["candidate_id"])


def _upgrade_rubric_decisions() -> None:
    with op.batch_alter_table("rubric_decisions") as batch:
        batch.add_column(sa.Column("reviewer_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("interview_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_rubric_decisions_reviewer_id_accounts", "accounts", ["reviewer_id"], ["id"])
        batch.create_foreign_key("fk_rubric_decisions_interview_id_interviews", "interviews", ["interview_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index("ix_rubric_decisions_reviewer_id", ["reviewer_id"])
        batch.create_index("ix_rubric_decisions_interview_id", ["interview_id"])


class _Carrier:
    """Inserts the old rows into the new tables, creating candidates, interviews and accounts as needed."""

    def __init__(self) -> None:
        self.conn = op.get_bind()
        self.now = datetime.now(timezone.utc)
        meta = sa.MetaData()
        self.t = {name: sa.Table(name, meta, autoload_with=self.conn) for name in (
            "accounts", "candidates", "candidate_stage_events", "interviews", "interview_panel", "notes",
            "scorecards", "scorecard_ratings", "competency_ratings", "lab_runs")}
        accounts = self.t["accounts"]
        self.accounts = {row.name_key: (row.id, row.role) for row in self.conn.execute(sa.select(accounts))}
        self.candidates: dict[str, int] = {}
        self.interviews: dict[tuple, int] = {}

    def insert(self, table: str, **values) -> int:
        return self.conn.execute(self.t[table].insert().values(**values)).inserted_primary_key[0]

    def account(self, name: str) -> int:
        key = _key(name)[:80]
        if key not in self.accounts:  # a scorecard's author without an account: kept, never able to sign in
            account_id = self.insert("accounts", name=f"{name[:60]} (earlier version)", name_key=key,
                                     role="interviewer", password_hash="!", created_at=self.now, confirmed=False,
                                     disabled=True, email="", demo=False)
            self.accounts[key] = (account_id, "interviewer")
        return self.accounts[key][0]

    def candidate(self, name: str, stage: str = LEGACY_STAGE) -> int:
        key = _key(name)
        if key not in self.candidates:
            linked = self.accounts.get(key[:80])
            account_id = linked[0] if linked and linked[1] == "candidate" else None
            self.candidates[key] = self.insert("candidates", name=" ".join(name.split())[:120], name_key=key[:120],
                                               email="", role_applied="", stage=stage, account_id=account_id,
                                               created_at=self.now, demo=False)
            self.insert("candidate_stage_events", candidate_id=self.candidates[key], from_stage=None,
                        to_stage=stage, actor_id=None, actor_name="migration", at=self.now,
                        reason="Carried over from the earlier version of the studio.")
        return self.candidates[key]

    def interview(self, candidate_id: int, kit_id: str, interviewer_id: int, status: str) -> int:
        slot = (candidate_id, kit_id, interviewer_id)
        if slot not in self.interviews:
            self.interviews[slot] = self.insert("interviews", candidate_id=candidate_id, kit_id=kit_id,
                                                stage=LEGACY_STAGE, kit_stage=None, scheduled_at=None, status=status,
                                                created_at=self.now, legacy=True)
            self.insert("interview_panel", interview_id=self.interviews[slot], account_id=interviewer_id)
        return self.interviews[slot]

    def scorecard(self, card: dict) -> tuple[int, int]:
        interviewer_id = self.account(card["interviewer"])
        interview_id = self.interview(self.candidate(card["candidate"]), card["kit_id"], interviewer_id, "submitted")
        card_id = self.insert("scorecards", interview_id=interview_id, interviewer_id=interviewer_id,
                              token=card["token"], status="submitted", recommendation=card["recommendation"],
                              rationale=card["summary"] or "", lab_run_ids=list(card["lab_run_ids"] or []),
                              created_at=card["created_at"], submitted_at=card["created_at"], version=1)
        pooled: dict[str, list[int]] = {}
        for rating in card["ratings"] or []:
            self.insert("scorecard_ratings", scorecard_id=card_id, question_id=rating["question_id"],
                        competency=rating["competency"], rating=int(rating["rating"]), suggested=None)
            pooled.setdefault(rating["competency"], []).append(int(rating["rating"]))
        for competency, values in pooled.items():
            derived = sum(values) / len(values)
            self.insert("competency_ratings", scorecard_id=card_id, competency=competency, derived=derived,
                        rating=min(4, max(1, int(derived + 0.5))), reason="")
        return interview_id, interviewer_id

    def note(self, note: dict, rated: dict[tuple[int, str], int]) -> None:
        author_id = self.account(note["interviewer"])
        interview_id = rated.get((author_id, note["question_id"]))
        if interview_id is None:
            interview_id = self.interview(self.candidate(PLACEHOLDER, stage="applied"), "legacy", author_id,
                                          "in_progress")
        self.insert("notes", interview_id=interview_id, author_id=author_id, question_id=note["question_id"],
                    text=note["text"], version=1, updated_at=note["updated_at"] or self.now)

    def lab_run_candidates(self) -> None:
        runs = self.t["lab_runs"]
        for run_id, label in list(self.conn.execute(sa.select(runs.c.id, runs.c.candidate))):
            if label and label.strip():
                self.conn.execute(runs.update().where(runs.c.id == run_id).values(
                    candidate_id=self.candidate(label, stage="applied")))


    def decision_reviewers(self) -> None:
        decisions = sa.table("rubric_decisions", sa.column("reviewer", sa.String),
                             sa.column("reviewer_id", sa.Integer))
        for (name,) in list(self.conn.execute(sa.select(decisions.c.reviewer).distinct())):
            found = self.accounts.get(_key(name or "")[:80])
            if found:
                self.conn.execute(decisions.update().where(decisions.c.reviewer == name).values(reviewer_id=found[0]))


def _carry_data(old: dict[str, list]) -> None:
    carrier = _Carrier()
    rated: dict[tuple[int, str], int] = {}  # (interviewer, question) -> interview of the latest card rating it
    for card in sorted(old["cards"], key=lambda c: (c["created_at"], c["id"])):
        interview_id, interviewer_id = carrier.scorecard(card)
        for rating in card["ratings"] or []:
            rated[(interviewer_id, rating["question_id"])] = interview_id
    for note in old["notes"]:
        carrier.note(note, rated)
    carrier.lab_run_candidates()
    carrier.decision_reviewers()


def downgrade() -> None:
    raise NotImplementedError("The studio does not downgrade past candidates and interviews: restore a backup.")
