"""Shared fixtures: a real SQLite database in a temporary directory, loaded with the sample minutes."""

from __future__ import annotations

import datetime
import os
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from sqlmodel import Session

from bot.cli import main
from bot.config import get_settings
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes
from storage.engine import database_url, get_engine
from tests.postgres_cluster import PostgresUnavailable, start_cluster

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "rumoi-2025-10-08.txt"
# For the bot processes tests start: the project, and whatever the run was given (the shifted clock's hook).
CHILD_PYTHONPATH = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

_JST = ZoneInfo("Asia/Tokyo")
# The machine's clock at which the time-sensitive tests run, besides its real now: around midnight and the
# morning in Tokyo, and the days either side of a month's end. Code that reads the clock beside the time
# it was given (the bug class this catches) disagrees with the test at most of them.
INSTANTS = {
    "00:30 JST": datetime.datetime(2026, 12, 2, 0, 30, tzinfo=_JST),
    "09:00 JST": datetime.datetime(2026, 12, 1, 9, 0, tzinfo=_JST),
    "23:59 JST": datetime.datetime(2026, 12, 1, 23, 59, tzinfo=_JST),
    "month end eve": datetime.datetime(2027, 1, 30, 12, 0, tzinfo=_JST),
    "month start": datetime.datetime(2027, 2, 1, 12, 0, tzinfo=_JST),
    "real now": None,
}


BACKENDS = ["sqlite", "postgresql"]


class SteppingClock:
    """A clock that moves only when told: by the poster's waits, or by the test."""

    def __init__(self, at: datetime.datetime):
        self.at = at

    def now(self) -> datetime.datetime:
        return self.at.astimezone(datetime.UTC)

    def advance(self, seconds: float) -> None:
        self.at += datetime.timedelta(seconds=seconds)


def pytest_report_header() -> list[str]:
    shift = os.environ.get("TEST_CLOCK_SHIFT_HOURS")
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return [f"clock: {now}" + (f" (moved by {shift} h)" if shift else "") + f", TZ={os.environ.get('TZ', 'unset')}"]


@pytest.fixture(params=list(INSTANTS))
def machine_clock(request: pytest.FixtureRequest):
    """The machine's clock moved to one of INSTANTS (ticking on from there) for the test."""
    destination = INSTANTS[request.param]
    if destination is None:
        yield
        return
    with time_machine.travel(destination, tick=True):
        yield


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the whole run. Skipped where PostgreSQL is not installed,
    except under CI, where it must run."""
    try:
        cluster = start_cluster()
    except PostgresUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}. Install the PostgreSQL 15 server to run them.")
    yield cluster
    cluster.stop()


def new_database(request: pytest.FixtureRequest, backend: str, directory: Path) -> str:
    """A fresh, empty database of this backend."""
    if backend == "sqlite":
        return f"sqlite:///{directory / 'test.db'}"
    cluster = request.getfixturevalue("postgres_server")
    name = f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_database(request, request.param, tmp_path)


@pytest.fixture
def session(db_url: str):
    with Session(get_engine(database_url(db_url, Path(".")))) as session:
        yield session


@pytest.fixture(scope="session", params=BACKENDS)
def sample_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per backend with the sample minutes, shared by the read-only tests."""
    url = new_database(request, request.param, tmp_path_factory.mktemp("sample"))
    with Session(get_engine(database_url(url, Path(".")))) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())
    return url


@pytest.fixture
def sample_session(sample_db_url: str):
    with Session(get_engine(database_url(sample_db_url, Path(".")))) as session:
        yield session


@pytest.fixture(scope="session")
def table():
    return default_alias_table()


@pytest.fixture(scope="session")
def glossary():
    return default_glossary()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """`python -m bot ARGS…` in this process (a new one costs half a second) on a database URL:
    (exit status, stdout, stderr). No Slack is reachable and no digest is due."""
    monkeypatch.chdir(tmp_path)  # no .env file
    for name in list(os.environ):
        if name.startswith(("BOT_", "SLACK_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "BOT_DIGEST": "off",
    }.items():
        monkeypatch.setenv(name, value)

    def run(args: list[str], url: str) -> tuple[int, str, str]:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        capsys.readouterr()
        status = main(args)
        return status, *capsys.readouterr()

    yield run
    get_settings.cache_clear()
