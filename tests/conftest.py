"""Shared fixtures: a real SQLite database in a temporary directory, loaded with the sample minutes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes
from storage.engine import get_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "rumoi-2025-10-08.txt"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def session(db_url: str):
    with Session(get_engine(db_url)) as session:
        yield session


@pytest.fixture(scope="session")
def sample_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database with the sample minutes, shared by the read-only tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.db'}"
    with Session(get_engine(url)) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())
    return url


@pytest.fixture
def sample_session(sample_db_url: str):
    with Session(get_engine(sample_db_url)) as session:
        yield session


@pytest.fixture(scope="session")
def table():
    return default_alias_table()


@pytest.fixture(scope="session")
def glossary():
    return default_glossary()
