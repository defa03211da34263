"""member links, follow-up reviews sent after an import, and the name a follow-up is owed by

Revision ID: 0005
Revises: 0004

Speakers and organisations linked to Slack members; one review per meeting, claimed by its row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memberlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "user_id", name="uq_member_link"),
    )
    op.create_index("ix_memberlink_name", "memberlink", ["name"], unique=False)
    op.create_table(
        "followupreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id"),
    )
    op.create_table(
        "followupownername",
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["followup_id"], ["followup.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("followup_id"),
    )
    op.create_index("ix_followupownername_name", "followupownername", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_followupownername_name", table_name="followupownername")
    op.drop_table("followupownername")
    op.drop_table("followupreview")
    op.drop_index("ix_memberlink_name", table_name="memberlink")
    op.drop_table("memberlink")
