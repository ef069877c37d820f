"""Hiring decisions: advance, hold or reject a candidate with a reason, who and when (issue 9).

Revision ID: 0010_decisions
Revises: 0002_interviews
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_decisions"
down_revision = "0002_interviews"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("candidate_id", sa.Integer, sa.ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("from_stage", sa.String(20), nullable=False),
        sa.Column("to_stage", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("actor_name", sa.String(80), nullable=False),
        sa.Column("at", When, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("decisions")
