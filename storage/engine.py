"""The database engine: SQLite in the data directory by default, any SQLAlchemy URL by DATABASE_URL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

from storage import models  # noqa: F401  (registers the tables)
from storage import followups  # noqa: F401
from storage.search_index import create_index

DEFAULT_DATABASE_FILE = "remarks.db"
SUPPORTED = ("sqlite", "postgresql")


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


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per URL, its schema created on first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in SUPPORTED:
        raise UnsupportedDatabase(f"DATABASE_URL names {parsed.get_backend_name()}: only SQLite and PostgreSQL are supported")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        create_index(connection)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run while a file is ingested.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed meeting, only power loss can
    cursor.close()


def session(url: str) -> Session:
    return Session(get_engine(url))
