"""The database engine: SQLite in the data directory by default, any SQLAlchemy URL by DATABASE_URL.
The schema is the migrations' (storage.migrate): a new database gets it on first use."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

from storage import migrate

DEFAULT_DATABASE_FILE = "remarks.db"
SUPPORTED = ("sqlite", "postgresql")
# Any constant shared by every process of the bot: the key of the PostgreSQL advisory lock that
# migrations and import-dump hold (the SQLite equivalent is BEGIN IMMEDIATE).
_LOCK_KEY = 0x52454D41  # "REMA"
SQLITE_BUSY_SECONDS = 30  # how long a SQLite connection waits for another's lock


class UnsupportedDatabase(ValueError):
    """DATABASE_URL names a database the bot does not support."""


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL to use: plain postgresql:// (and postgres://) mean the psycopg 3 driver."""
    if not url:
        return f"sqlite:///{data_dir / DEFAULT_DATABASE_FILE}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_url(url: str) -> None:
    """Raise UnsupportedDatabase, with a message fit for the user, unless the bot can use this database URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(
            "not a database URL: use postgresql://USER:PASSWORD@HOST/NAME or sqlite:///PATH"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise UnsupportedDatabase(
            f"{backend} is not supported: use PostgreSQL (postgresql://…) or SQLite (sqlite:///PATH)"
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        # Migrations and imports open connections of their own, which would each see another empty database.
        raise UnsupportedDatabase("an in-memory SQLite database is not supported: name a file, sqlite:///PATH")


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per URL. On first use an empty database is migrated to the newest schema; a database
    at another schema revision is refused (migrate.SchemaError says what to do). A database already at
    the newest revision costs two small queries here, whatever its size."""
    engine = new_engine(url)
    try:
        with engine.connect() as connection:
            current = migrate.status(connection)[0] is migrate.Status.CURRENT
        if not current:
            # Anything but current is looked at again under the lock: a process starting beside another that
            # is migrating sees a half-made schema outside it (the tables made, the revision not yet written).
            with locked_transaction(engine) as connection:
                if migrate.check(connection):
                    migrate.upgrade(connection)
    except BaseException:
        engine.dispose()
        raise
    return engine


def upgrade_database(url: str) -> tuple[str | None, str]:
    """`db upgrade`: migrate the database to the newest revision; (revision before, revision after)."""
    engine = new_engine(url)
    try:
        with locked_transaction(engine) as connection:
            return migrate.upgrade(connection)
    finally:
        engine.dispose()


def database_revision(url: str) -> tuple[migrate.Status, str | None]:
    """`db current`: the database's schema status and revision, changing nothing."""
    engine = new_engine(url)
    try:
        with engine.connect() as connection:
            return migrate.status(connection)
    finally:
        engine.dispose()


def database_works(engine: Engine) -> bool:
    """Whether the database answers a query now (for readiness checks)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def new_engine(url: str, **options) -> Engine:
    """An engine that never writes SQL parameters (message text, titles) into an error, and so into a log."""
    check_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_private_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
            hide_parameters=True,
            **options,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement run five times; PostgreSQL may then plan it once for any parameters, and
    # such a plan cannot tell a rare search term from a common one (asked whether an absent word occurs, it
    # reads the whole archive: seconds at 1M remarks). Unprepared, each statement is planned for its values.
    return create_engine(
        url, pool_pre_ping=True, hide_parameters=True, connect_args={"prepare_threshold": None}, **options
    )


def create_private_file(path: Path) -> None:
    """Create `path`, empty, readable and writable by its owner only (0600), unless it exists. SQLite gives
    its -wal and -shm files the database file's permissions."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run while a file is ingested.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _use_wal(cursor)
    cursor.execute(
        "PRAGMA synchronous=NORMAL"
    )  # safe with WAL: a crash loses no committed meeting, only power loss can
    cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, which the file keeps: the first process to open a new database does it.
    The switch needs the file to itself, and SQLite then answers "locked" at once instead of waiting, so a
    process opening a new database beside another tries again, for as long as it would wait for a lock."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            if cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked: could not switch it to WAL mode")
        time.sleep(0.02)


@contextmanager
def locked_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that no other process writes in meanwhile (they wait for it): migrations and
    import-dump look at the database and change it, and two processes must not both do so."""
    with _transaction(engine, "BEGIN IMMEDIATE") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        yield connection


@contextmanager
def snapshot_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads one state of the whole database while others keep writing: export."""
    with _transaction(engine, "BEGIN", isolation_level="REPEATABLE READ") as connection:
        yield connection


@contextmanager
def _transaction(engine: Engine, sqlite_begin: str, isolation_level: str | None = None) -> Iterator[Connection]:
    if engine.dialect.name != "sqlite":
        connection = engine.connect()
        if isolation_level:
            connection = connection.execution_options(isolation_level=isolation_level)
        with connection, connection.begin():
            yield connection
        return
    # The sqlite3 module begins no transaction before a SELECT or DDL, so neither reads nor schema
    # changes would be in one. SQLAlchemy's recipe: switch that off and emit BEGIN ourselves, on an
    # engine of our own so that the bot's engine keeps its behaviour.
    own = new_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    event.listen(own, "connect", lambda dbapi_connection, _record: setattr(dbapi_connection, "isolation_level", None))
    event.listen(own, "begin", lambda connection: connection.exec_driver_sql(sqlite_begin))
    try:
        with own.begin() as connection:
            yield connection
    finally:
        own.dispose()
