"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 07:35:55

Every table of storage.models, and the search index as it was at this revision (its DDL frozen here:
a later change of storage.search_index comes with a revision of its own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEARCH_INDEX = {
    "sqlite": ("CREATE VIRTUAL TABLE IF NOT EXISTS remark_index USING fts5(tokens, content='', tokenize='unicode61')",),
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS remark_search ("
        " remark_id integer PRIMARY KEY REFERENCES remark (id) ON DELETE CASCADE, tokens tsvector NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_remark_search_tokens ON remark_search USING gin (tokens)",
    ),
}


def upgrade() -> None:
    op.create_table(
        "askedquestion",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_askedquestion_asked_at", "askedquestion", ["asked_at"], unique=False)

    op.create_table(
        "digestpost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "scheduled_at", name="uq_digest_channel_time"),
    )

    op.create_table(
        "handledevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("message_key", sa.String(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("message_key"),
    )
    op.create_index("ix_handledevent_handled_at", "handledevent", ["handled_at"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("place", sa.String(), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("title", "date", name="uq_meeting_title_date"),
    )
    op.create_index("ix_meeting_content_hash", "meeting", ["content_hash"], unique=False)
    op.create_index("ix_meeting_date", "meeting", ["date"], unique=False)

    op.create_table(
        "speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label"),
    )

    op.create_table(
        "remark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("normalized_text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["speaker_id"], ["speaker.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "position", name="uq_remark_position"),
    )
    op.create_index("ix_remark_meeting_id", "remark", ["meeting_id"], unique=False)
    op.create_index("ix_remark_speaker_id", "remark", ["speaker_id"], unique=False)

    op.create_table(
        "speakeralias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["speaker_id"], ["speaker.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("speaker_id", "alias", name="uq_speaker_alias"),
    )
    op.create_index("ix_speakeralias_speaker_id", "speakeralias", ["speaker_id"], unique=False)

    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("remark_id", sa.Integer(), nullable=True),
        sa.Column("source_meeting", sa.String(), nullable=True),
        sa.Column("source_remark", sa.String(), nullable=True),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["remark_id"], ["remark.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followup_channel_id", "followup", ["channel_id"], unique=False)
    op.create_index("ix_followup_status", "followup", ["status"], unique=False)

    op.create_table(
        "reminderrule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("at_time", sa.String(), nullable=False),
        sa.Column("weekdays", sa.String(), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("stopped_reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["followup_id"], ["followup.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reminderrule_active", "reminderrule", ["active"], unique=False)
    op.create_index("ix_reminderrule_followup_id", "reminderrule", ["followup_id"], unique=False)
    op.create_index("ix_reminderrule_next_fire_at", "reminderrule", ["next_fire_at"], unique=False)

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["reminderrule.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "scheduled_at", name="uq_delivery_rule_time"),
    )
    op.create_index("ix_delivery_rule_id", "delivery", ["rule_id"], unique=False)
    op.create_index("ix_delivery_state", "delivery", ["state"], unique=False)

    for statement in SEARCH_INDEX[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    # Not supported: to go back, restore the backup taken before `db upgrade` (docs/operations.md).
    raise NotImplementedError("downgrades are not supported: restore the backup taken before upgrading")
