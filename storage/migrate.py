"""The schema's history: Alembic revisions in storage/migrations, one per change of the models.

`python -m bot db upgrade` applies them. The bot itself migrates only an empty database (on first
use, see storage.engine.get_engine) and refuses one at any other revision than its newest: upgrading
is an operator's step, taken once, after a backup, before the new version's replicas start.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import followups, models  # noqa: F401  (registers the tables)
from storage.search_index import create_index

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The search index is storage.search_index's SQL (an FTS5 table, a tsvector table), which the models
# do not describe: autogenerate must neither drop it nor report it.
INDEX_TABLES = ("remark_index", "remark_search")
UPGRADE = "run `python -m bot db upgrade` (back the database up first: docs/operations.md)"


class Status(enum.Enum):
    EMPTY = "empty"  # none of the bot's tables
    CURRENT = "current"  # at the newest revision of this code
    OLDER = "older"  # at an earlier revision: `db upgrade` migrates it
    NEWER = "newer"  # at a revision this code does not know: a later version of the bot migrated it
    UNVERSIONED = "unversioned"  # the bot's tables without a revision: made before there were migrations


class SchemaError(RuntimeError):
    """The database's schema is not one this code can work with; the message, one line, says what to do."""


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    revision = _script().get_current_head()
    assert revision is not None, "storage/migrations/versions has no revision"
    return revision


def status(connection: Connection) -> tuple[Status, str | None]:
    """The database's schema status and revision."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        ours = set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables)
        return (Status.UNVERSIONED if ours else Status.EMPTY), None
    if revision == head():
        return Status.CURRENT, revision
    known = any(script.revision == revision for script in _script().walk_revisions())
    return (Status.OLDER if known else Status.NEWER), revision


def check(connection: Connection) -> bool:
    """Whether the database is empty (and so to be migrated); SchemaError unless it is empty or current."""
    state, revision = status(connection)
    if state is Status.NEWER:
        raise SchemaError(_newer(revision))
    if state is Status.OLDER:
        raise SchemaError(
            f"the database's schema is at revision {revision}, older than this version's {head()}: {UPGRADE}"
        )
    if state is Status.UNVERSIONED:
        raise SchemaError(
            f"the database has the bot's tables but no schema revision (it predates migrations): {UPGRADE}"
        )
    return state is Status.EMPTY


def upgrade(connection: Connection) -> tuple[str | None, str]:
    """Migrate to the newest revision, in the caller's transaction; (revision before, revision after).
    A database made before migrations is adopted when its tables are exactly the models'."""
    state, revision = status(connection)
    if state is Status.NEWER:
        raise SchemaError(_newer(revision))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection  # storage/migrations/env.py runs on it
    if state is Status.UNVERSIONED:
        differences = schema_differences(connection)
        if differences:
            raise SchemaError(
                f"the database has the bot's tables but no schema revision, and {len(differences)} differences from "
                f"this version's schema (first: {differences[0]}): it cannot be adopted; "
                "load the minutes into an empty database"
            )
        create_index(connection)  # the index the bot made at start-up before, in case it is missing
        command.stamp(config, "head")
    else:
        command.upgrade(config, "head")
    return revision, head()


def schema_differences(connection: Connection) -> list:
    """What autogenerate finds between the database and the models, the search index aside: [] when they agree."""
    context = MigrationContext.configure(connection, opts={"include_object": include_object})
    return compare_metadata(context, SQLModel.metadata)


def include_object(_object, name: str | None, type_: str, _reflected: bool, _compare_to) -> bool:
    """Alembic's filter: everything but the search index's tables."""
    return not (type_ == "table" and name is not None and name.startswith(INDEX_TABLES))


def _newer(revision: str | None) -> str:
    return (
        f"the database's schema is at revision {revision}, which this version of the bot does not know "
        f"(its newest is {head()}): a later version upgraded it; run that version or a later one"
    )
