"""The whole database as one JSON file, to move it (SQLite → PostgreSQL) or keep a copy:
`python -m bot export FILE` and `python -m bot import-dump FILE`.

    {"format": 1, "schema": "0001", "exported_at": "2025-10-08T09:00:00+00:00",
     "tables": {"meeting": [{"id": 1, "title": "…", …}, …], "speaker": […], "speakeralias": […], "remark": […],
                "followup": […], "reminderrule": […], "delivery": […], "digestpost": […], …}}

Every table of the models with every column, ids included, so follow-ups still point at their remarks
and Slack buttons at their questions. Dates and times are ISO 8601 text, datetimes in UTC. The search
index is not in it: import rebuilds it. A dump is imported by the version of the bot that wrote it (the
same schema revision), into an empty database; a later version then migrates it with `db upgrade`.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, Table, insert, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from storage import migrate
from storage.engine import create_private_file, locked_transaction, snapshot_transaction
from storage.models import STAGING_TABLES
from storage.search_index import index_remarks

FORMAT = 1
UTC = datetime.UTC
# Parents before children, so that every foreign key finds its row when importing.
TABLES: list[Table] = [table for table in SQLModel.metadata.sorted_tables if table.name not in STAGING_TABLES]


class DumpError(ValueError):
    """A dump that cannot be written or imported; the message, one line, says why."""


def export_dump(engine: Engine, path: Path) -> dict[str, int]:
    """Write every row to `path`, as the database was at one moment; rows per table.
    Rows are written as they are read, one per line, so memory stays small whatever the archive."""
    partial = path.with_name(path.name + ".partial")  # renamed when complete: a failed export leaves no dump behind
    counts: dict[str, int] = {}
    try:
        partial.unlink(missing_ok=True)
        create_private_file(partial)  # a dump holds every message the bot stored
        with snapshot_transaction(engine) as connection, partial.open("w", encoding="utf-8") as out:
            out.write(f'{{"format": {FORMAT}, "schema": "{migrate.head()}", "exported_at": "{_now()}", "tables": {{')
            for number, table in enumerate(TABLES):
                out.write(("," if number else "") + f'\n"{table.name}": [')
                counts[table.name] = 0
                query = select(table).order_by(*table.primary_key)
                for row in connection.execute(query, execution_options={"yield_per": 1000}).mappings():
                    values = {name: _to_json(value) for name, value in row.items()}
                    out.write(("," if counts[table.name] else "") + "\n" + json.dumps(values, ensure_ascii=False))
                    counts[table.name] += 1
                out.write("\n]")
            out.write("\n}}\n")
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DumpError(f"cannot write the file ({error.strerror or error})") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return counts


def import_dump(engine: Engine, path: Path) -> dict[str, int]:
    """Restore a dump into an empty database at the same schema revision, in one transaction; rows per table."""
    tables = _read(path)
    with locked_transaction(engine) as connection:
        filled = [
            table.name for table in TABLES if connection.execute(select(literal(1)).select_from(table).limit(1)).first()
        ]
        if filled:
            raise DumpError(
                f"the database is not empty (it has rows in {', '.join(filled)}): import into an empty database"
            )
        for table in TABLES:
            if tables[table.name]:
                connection.execute(insert(table), tables[table.name])
        with Session(bind=connection) as session:
            remarks = tables["remark"]
            index_remarks(session, [(r["id"], r["speaker_id"], r["meeting_id"], r["normalized_text"]) for r in remarks])
        if connection.dialect.name == "postgresql":
            _restart_sequences(connection)
    return {name: len(rows) for name, rows in tables.items()}


def _read(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The dump's rows per table, as the database takes them; DumpError for anything else."""
    try:
        with path.open(encoding="utf-8") as dump:
            data = json.load(dump)
    except OSError as error:
        raise DumpError(f"cannot read the file ({error.strerror or error})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DumpError("not a dump written by `python -m bot export` (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tables"), dict):
        raise DumpError(f'not a dump written by `python -m bot export` (no "format": {FORMAT} and "tables")')
    if data.get("schema") != migrate.head():
        raise DumpError(
            f"the dump is of schema revision {data.get('schema')} and this version's is {migrate.head()}: "
            "import it with the version of the bot that exported it, then run `python -m bot db upgrade`"
        )
    missing = [table.name for table in TABLES if table.name not in data["tables"]]
    if missing:
        raise DumpError(f"the dump has no table {', '.join(missing)}")
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        columns = {column.name: column for column in table.columns}
        rows[table.name] = []
        for number, row in enumerate(data["tables"][table.name], start=1):
            if not isinstance(row, dict) or set(row) != set(columns):
                raise DumpError(f"row {number} of table {table.name} does not have its columns ({', '.join(columns)})")
            rows[table.name].append({name: _from_json(columns[name], value) for name, value in row.items()})
    return rows


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return _utc(value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value  # text, numbers, booleans, None, and JSON columns' lists


def _from_json(column: Column, value: Any) -> Any:
    if value is None:
        return None
    # A TypeDecorator (sqlmodel's AutoString and UTCDateTime, storage's UTCDateTime) names no Python type;
    # its impl does.
    stored = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    kind = stored.python_type
    if kind is datetime.datetime:
        return _utc(datetime.datetime.fromisoformat(value))
    if kind in (datetime.date, datetime.time):
        return kind.fromisoformat(value)
    return value


def _utc(value: datetime.datetime) -> datetime.datetime:
    # Every datetime the bot stores is UTC; SQLite keeps none with its offset, so a naive one is UTC too.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> str:
    return datetime.datetime.now(UTC).isoformat(timespec="seconds")


def _restart_sequences(connection: Connection) -> None:
    """Rows came with their ids, which PostgreSQL's sequences did not hand out: move each past its table's highest."""
    for table in TABLES:
        for column in table.primary_key:
            if isinstance(column.type, Integer):
                quoted = connection.dialect.identifier_preparer.quote(table.name)
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, :column),"
                        f" coalesce(max({column.name}), 0) + 1, false) FROM {quoted}"
                    ),
                    {"table": quoted, "column": column.name},
                )
