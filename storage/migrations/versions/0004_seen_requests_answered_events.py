"""seen requests, answered events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00

The signed requests from Slack already taken (storage.models.SeenRequest), so that a replay is not executed;
when each handled event's answer was posted (HandledEvent.answered_at), so that an event whose replica died
before answering is taken over by Slack's retry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seenrequest",
        sa.Column("slack_timestamp", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("slack_timestamp", "signature"),
    )
    op.add_column("handledevent", sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not supported: to go back, restore the backup taken before `db upgrade` (docs/operations.md).
    raise NotImplementedError("downgrades are not supported: restore the backup taken before upgrading")
