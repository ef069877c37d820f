"""The schema of commit 1280512, as ``create_all`` made it before migrations existed.

A database made by that version has these tables and no version table; :func:`interviews.db.migrate` stamps it
with this revision and upgrades it from here. An empty database is built through this revision too, so there is
one path for everyone.

Revision ID: 0001_baseline
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_accounts_name_key", "accounts", ["name_key"], unique=True)
    op.create_table(
        "interview_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("interviewer", sa.String(80), nullable=False),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.UniqueConstraint("interviewer", "question_id", name="uq_note_per_question"),
    )
    op.create_index("ix_interview_notes_interviewer", "interview_notes", ["interviewer"])
    op.create_table(
        "lab_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("candidate", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(200), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("latency", sa.JSON, nullable=False),
        sa.Column("accuracy", sa.JSON, nullable=True),
        sa.Column("environment", sa.JSON, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
    )
    op.create_index("ix_lab_runs_candidate", "lab_runs", ["candidate"])
    op.create_table(
        "practice_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("candidate", sa.String(80), nullable=False),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("covered_points", sa.JSON, nullable=False),
        sa.Column("total_points", sa.Integer, nullable=False),
        sa.Column("suggested_rating", sa.Integer, nullable=False),
    )
    for column in ("created_at", "question_id", "candidate"):
        op.create_index(f"ix_practice_attempts_{column}", "practice_attempts", [column])
    op.create_table(
        "rubric_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("reviewer", sa.String(80), nullable=False),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("point_id", sa.String(80), nullable=False),
        sa.Column("point_text", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("model_covered", sa.Boolean, nullable=False),
        sa.Column("model_probability", sa.Float, nullable=False),
        sa.Column("human_covered", sa.Boolean, nullable=False),
    )
    op.create_index("ix_rubric_decisions_reviewer", "rubric_decisions", ["reviewer"])
    op.create_index("ix_rubric_decisions_question_id", "rubric_decisions", ["question_id"])
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("interviewer", sa.String(80), nullable=False),
        sa.Column("candidate", sa.String(80), nullable=False),
        sa.Column("kit_id", sa.String(80), nullable=False),
        sa.Column("recommendation", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("ratings", sa.JSON, nullable=False),
        sa.Column("lab_run_ids", sa.JSON, nullable=False),
    )
    for column in ("created_at", "interviewer", "candidate"):
        op.create_index(f"ix_scorecards_{column}", "scorecards", [column])


def downgrade() -> None:
    for table in ("scorecards", "rubric_decisions", "practice_attempts", "lab_runs", "interview_notes", "accounts"):
        op.drop_table(table)
