"""PostgreSQL: the planner keeps statistics on many more of the search tokens

Revision ID: 0010
Revises: 0009

With the default statistics target the planner knows the 1,000 commonest tokens and takes any other for one
in 200 remarks: asked whether a word absent from the archive occurs at all, it reads the whole table
expecting a match within the first few hundred rows (seconds at 1M remarks instead of ms through the GIN
index). Keeping every token of one remark in 3,000 brings that guess down to where the index wins.
SQLite: nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TARGET = 10000  # PostgreSQL's maximum; ANALYZE then samples 3M remarks (12 s at 1M)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE remark_search ALTER COLUMN tokens SET STATISTICS {TARGET}")
        op.execute("ANALYZE remark_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE remark_search ALTER COLUMN tokens SET STATISTICS -1")
