"""digests are retried and taken over like reminders: attempts and a lease

Revision ID: 0006
Revises: 0005

A digest whose post failed for a while waits `pending` for its retry time; one left `sending` by a process
that died is taken over once its lease is over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digestpost") as table:
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        table.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digestpost") as table:
        table.drop_column("claimed_until")
        table.drop_column("attempts")
