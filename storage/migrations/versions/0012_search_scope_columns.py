"""PostgreSQL: each search index row holds its remark's speaker and meeting, each with a btree index; the GIN
index holds the remark id too

Revision ID: 0012
Revises: 0011

A question's scope was bounded by ORing its speakers' tokens in the tsquery (the mayors: about 65, which GIN
checks against every remark of any of them) and by the ids of its meetings' remarks read from `remark` (every
match of a topic in the whole archive read back from the table first). With the two columns the planner ANDs
their btree indexes with the GIN index's matches, and reads back only the matches in scope.

The newest remarks a common term is looked for among (an id range) were read back one by one, or every match
in the archive was (the planner takes a phrase's bigrams for independent and expects a few matches where
there are 30,000): with the remark id in the GIN index (btree_gin, a trusted extension of PostgreSQL's
contrib), the index alone finds the matches in the range.

The table is rebuilt rather than updated in place: an UPDATE of every row would add each row again to the GIN
index and leave the table twice its size. SQLite: nothing to do (its index keeps the speaker as a token and
reaches meetings through `remark`).
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TOKENS_STATISTICS = 10000  # revision 0010's, which the rebuilt table keeps


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE remark_search RENAME TO remark_search_old")
    op.execute("ALTER INDEX ix_remark_search_tokens RENAME TO ix_remark_search_tokens_old")
    for constraint in ("remark_search_pkey", "remark_search_remark_id_fkey"):  # names the new table's take
        op.execute(f"ALTER TABLE remark_search_old RENAME CONSTRAINT {constraint} TO {constraint}_old")
    op.execute(
        "CREATE TABLE remark_search (remark_id integer PRIMARY KEY REFERENCES remark (id) ON DELETE CASCADE,"
        " speaker_id integer NOT NULL, meeting_id integer NOT NULL, tokens tsvector NOT NULL)"
    )
    op.execute(
        "INSERT INTO remark_search (remark_id, speaker_id, meeting_id, tokens)"
        " SELECT old.remark_id, remark.speaker_id, remark.meeting_id, old.tokens"
        " FROM remark_search_old AS old JOIN remark ON remark.id = old.remark_id ORDER BY old.remark_id"
    )
    op.execute("DROP TABLE remark_search_old")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("CREATE INDEX ix_remark_search_tokens ON remark_search USING gin (tokens, remark_id)")
    op.execute("CREATE INDEX ix_remark_search_speaker_id ON remark_search (speaker_id)")
    op.execute("CREATE INDEX ix_remark_search_meeting_id ON remark_search (meeting_id)")
    op.execute(f"ALTER TABLE remark_search ALTER COLUMN tokens SET STATISTICS {TOKENS_STATISTICS}")
    op.execute("ANALYZE remark_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_remark_search_tokens")
        op.execute("CREATE INDEX ix_remark_search_tokens ON remark_search USING gin (tokens)")
        op.execute("DROP INDEX ix_remark_search_meeting_id")
        op.execute("DROP INDEX ix_remark_search_speaker_id")
        op.execute("ALTER TABLE remark_search DROP COLUMN speaker_id, DROP COLUMN meeting_id")
