"""minutes being imported are staged in tables of their own, then switched in at once

Revision ID: 0009
Revises: 0008

An import writes a meeting's speakers, aliases, remarks and search tokens here in short transactions,
then moves them into place in one short transaction of set-based statements (bot.ingest): the bot's
other writers get their turn meanwhile, and readers see the meeting's old version or its new one whole.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _rows(name: str, *columns: sa.Column | sa.UniqueConstraint) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        *columns,
    )


def upgrade() -> None:
    op.create_table(
        "stagedimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _rows(
        "stagedspeaker",
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("refresh_aliases", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_stagedspeaker_import_id", "stagedspeaker", ["import_id"])
    _rows("stagedalias", sa.Column("label", sa.String(), nullable=False), sa.Column("alias", sa.String(), nullable=False))
    op.create_index("ix_stagedalias_import_id", "stagedalias", ["import_id"])
    _rows(
        "stagedremark",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker_label", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("normalized_text", sa.String(), nullable=False),
        sa.Column("tokens", sa.String(), nullable=False),
        sa.UniqueConstraint("import_id", "position", name="uq_staged_remark_position"),
    )
    _rows("stagedunindex", sa.Column("remark_id", sa.Integer(), nullable=False), sa.Column("tokens", sa.String(), nullable=False))
    op.create_index("ix_stagedunindex_import_id", "stagedunindex", ["import_id"])


def downgrade() -> None:
    for table in ("stagedunindex", "stagedremark", "stagedalias", "stagedspeaker", "stagedimport"):
        op.drop_table(table)
