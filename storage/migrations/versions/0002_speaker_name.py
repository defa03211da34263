"""speaker name: a speaker label's name apart from its role (委員長(伊藤成一君) → 伊藤成一)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("speaker") as batch:
        batch.add_column(sa.Column("name", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("speaker") as batch:
        batch.drop_column("name")
