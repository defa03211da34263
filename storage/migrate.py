"""The schema's history: Alembic revisions in storage/migrations, one per change of the models.

`python -m bot db upgrade` applies them. The bot itself migrates only an empty database (on first
use, see storage.engine.get_engine) and refuses one at any other revision than its newest: upgrading
is an operator's step, taken once, after a backup, before the new version's replicas start.
"""

from __future__ import annotations

import ast
import enum
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import followups, models  # noqa: F401  (registers the tables)
from storage.search_index import create_index

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The search index is storage.search_index's SQL (an FTS5 table, a tsvector table), which the models
# do not describe: autogenerate must neither drop it nor report it.
INDEX_TABLES = ("remark_index", "remark_search")
UPGRADE = "run `python -m bot db upgrade` (back the database up first: docs/operations.md)"
VERSION_TABLE = "alembic_version"  # where Alembic keeps the database's revision


class Status(enum.Enum):
    EMPTY = "empty"  # none of the bot's tables
    CURRENT = "current"  # at the newest revision of this code
    OLDER = "older"  # at an earlier revision: `db upgrade` migrates it
    NEWER = "newer"  # at a revision this code does not know: a later version of the bot migrated it
    UNVERSIONED = "unversioned"  # the bot's tables without a revision: made before there were migrations


class SchemaError(RuntimeError):
    """The database's schema is not one this code can work with; the message, one line, says what to do."""


def head() -> str:
    revisions = _revisions(MIGRATIONS)
    heads = set(revisions).difference(*revisions.values())
    assert len(heads) == 1, f"storage/migrations/versions has {len(heads)} newest revisions: {sorted(heads)}"
    return heads.pop()


# Read without Alembic, which is imported only to migrate: importing it costs a command-line process more
# than answering its question. Tests check that Alembic finds the same revisions and head.
@lru_cache(maxsize=4)
def _revisions(migrations: Path) -> dict[str, set[str]]:
    """Every revision, with the revisions it revises, from the revision files' `revision` and `down_revision`."""
    revises: dict[str, set[str]] = {}
    for path in (migrations / "versions").glob("*.py"):
        if path.name != "__init__.py":
            names = _revision_names(path)
            down = names.get("down_revision")
            revises[names["revision"]] = set(down) if isinstance(down, tuple) else {down} - {None}
    return revises


def _revision_names(path: Path) -> dict[str, object]:
    """A revision file's `revision` and `down_revision`, as the literals it sets them to."""
    names: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            names[target.id] = ast.literal_eval(node.value)
    return names


def _revision(connection: Connection) -> str | None:
    """The database's revision, as Alembic stores it (none without its table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def status(connection: Connection) -> tuple[Status, str | None]:
    """The database's schema status and revision."""
    revision = _revision(connection)
    if revision is None:
        ours = set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables)
        return (Status.UNVERSIONED if ours else Status.EMPTY), None
    if revision == head():
        return Status.CURRENT, revision
    return (Status.OLDER if revision in _revisions(MIGRATIONS) else Status.NEWER), revision


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
    from alembic import command
    from alembic.config import Config

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
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

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
