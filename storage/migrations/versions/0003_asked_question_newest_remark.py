"""asked questions keep the newest remark they were answered from

Revision ID: 0003
Revises: 0002

A Slack answer's later pages answer from the remarks there were when it was asked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("askedquestion") as table:
        table.add_column(sa.Column("newest_remark_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("askedquestion") as table:
        table.drop_column("newest_remark_id")
