"""asked questions keep the newest remark they were answered from

Revision ID: archive_questions
Revises: 0001

A Slack answer's later pages answer from the remarks there were when it was asked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "archive_questions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("askedquestion") as table:
        table.add_column(sa.Column("newest_remark_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("askedquestion") as table:
        table.drop_column("newest_remark_id")
