"""Practice that remembers: attempts belong to an account and keep what reopening them needs; FSRS cards; drafts.

* practice_attempts gains the owner's account (filled in for older rows from the candidate account of the same
  name; rows whose name matches no candidate account stay unowned, so nobody sees them), the competency, the
  coverage (share of rubric points covered, computed for older rows), the rating the candidate recorded, the time
  used and the time limit, and the per-point analysis (covered, probability, evidence span, reason);
* practice_reviews: the spaced-repetition card (fsrs.Card as a dict) of each account's question;
* practice_drafts: the answer being written, per account and question, so that a reload loses nothing.

Revision ID: 0011_practice
Revises: 0010_decisions
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0011_practice"
down_revision = "0010_decisions"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def upgrade() -> None:
    with op.batch_alter_table("practice_attempts") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("competency", sa.String(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("coverage", sa.Float, nullable=False, server_default="0"))
        batch.add_column(sa.Column("rating", sa.Integer, nullable=True))
        batch.add_column(sa.Column("time_used_s", sa.Float, nullable=True))
        batch.add_column(sa.Column("time_limit_s", sa.Integer, nullable=True))
        batch.add_column(sa.Column("analysis", sa.JSON, nullable=True))
        batch.create_foreign_key("fk_practice_attempts_account_id_accounts", "accounts", ["account_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index("ix_practice_attempts_account_id", ["account_id"])
    _carry_owners()
    for name in ("practice_reviews", "practice_drafts"):
        extra = ([sa.Column("card", sa.JSON, nullable=False), sa.Column("due", When, nullable=False),
                  sa.Column("reviews", sa.Integer, nullable=False)] if name == "practice_reviews"
                 else [sa.Column("text", sa.Text, nullable=False)])
        op.create_table(
            name,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
            sa.Column("question_id", sa.String(80), nullable=False),
            *extra,
            sa.Column("updated_at", When, nullable=False),
            sa.UniqueConstraint("account_id", "question_id", name=f"uq_{name}_owner_question"),
        )
        op.create_index(f"ix_{name}_account_id", name, ["account_id"])


def _carry_owners() -> None:
    """Older attempts were kept by name: give each to the candidate account of that name, and compute coverage."""
    conn = op.get_bind()
    meta = sa.MetaData()
    accounts = sa.Table("accounts", meta, autoload_with=conn)
    attempts = sa.Table("practice_attempts", meta, autoload_with=conn)
    owners = {row.name_key: row.id for row in conn.execute(sa.select(accounts.c.id, accounts.c.name_key)
                                                             .where(accounts.c.role == "candidate"))}
    rows = conn.execute(sa.select(attempts.c.id, attempts.c.candidate, attempts.c.covered_points,
                                  attempts.c.total_points)).all()
    for row in rows:
        covered = len(row.covered_points or [])
        conn.execute(attempts.update().where(attempts.c.id == row.id).values(
            account_id=owners.get(_key(row.candidate)),
            coverage=min(covered / row.total_points, 1.0) if row.total_points else 0.0,
            analysis=[]))


def downgrade() -> None:
    op.drop_table("practice_drafts")
    op.drop_table("practice_reviews")
    with op.batch_alter_table("practice_attempts") as batch:
        batch.drop_index("ix_practice_attempts_account_id")
        batch.drop_constraint("fk_practice_attempts_account_id_accounts", type_="foreignkey")
        for column in ("analysis", "time_limit_s", "time_used_s", "rating", "coverage", "competency", "account_id"):
            batch.drop_column(column)
