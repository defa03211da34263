"""an index on a reminder's scheduled time: each run asks whether any was delivered ahead of the clock

Revision ID: 0007
Revises: 0006

After the clock jumps back, the rules that fired while it was ahead are found by their deliveries scheduled
after now; without the index every run would read every delivery ever made.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_scheduled_at", "delivery", ["scheduled_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_scheduled_at", table_name="delivery")
