"""a count of the archive's changes, for what the bot keeps of it between questions

Revision ID: 0011
Revises: 0010

Every import switching a meeting in adds one (bot.ingest); readers compare it with the count their kept
answers were read at. Remark ids do not tell: SQLite gives a replaced meeting's new remarks the ids its old
ones had when they were the newest.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archiverevision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("archiverevision")
