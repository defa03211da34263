"""Migrations: the revisions make exactly the models' schema, an empty database is migrated on first use,
one at another revision is refused with one line until `db upgrade`, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel

from bot.core.speakers import default_alias_table
from bot.ingest import ingest_minutes
from storage import migrate
from storage.engine import database_url, get_engine, new_engine, upgrade_database
from storage.migrate import SchemaError, Status
from storage.search_index import create_index
from tests.conftest import CHILD_PYTHONPATH, SAMPLE, new_database

INDEX_TABLE = {"sqlite": "remark_index", "postgresql": "remark_search"}


def set_revision(url: str, revision: str) -> None:
    engine = new_engine(database_url(url, Path(".")))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
    engine.dispose()


def test_autogenerate_finds_no_difference_between_models_and_migrations(db_url: str) -> None:
    engine = get_engine(database_url(db_url, Path(".")))  # an empty database: migrated to the newest revision
    with engine.connect() as connection:
        assert migrate.status(connection) == (Status.CURRENT, migrate.head())
        assert migrate.schema_differences(connection) == []
        tables = set(inspect(connection).get_table_names())
    assert set(SQLModel.metadata.tables) | {"alembic_version", INDEX_TABLE[engine.dialect.name]} <= tables


def read_as_alembic_reads() -> bool:
    """storage.migrate reads the revisions without Alembic: Alembic finds the same ones, and the same newest."""
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    revisions = {s.revision for s in script.walk_revisions()}
    return set(migrate._revisions(migrate.MIGRATIONS)) == revisions and migrate.head() == script.get_current_head()


def test_the_shipped_revisions_are_read_as_alembic_reads_them() -> None:
    assert read_as_alembic_reads()


def test_a_new_revision_is_read_as_alembic_reads_it(two_revisions: str) -> None:
    assert read_as_alembic_reads() and migrate.head() == "next" and two_revisions != "next"


def test_the_migrations_ship_with_the_package() -> None:
    # pyproject.toml installs the packages found under storage/: every folder of the migrations must be one.
    folders = {path.parent for path in migrate.MIGRATIONS.rglob("*.py")}
    assert folders == {migrate.MIGRATIONS, migrate.MIGRATIONS / "versions"}
    assert all((folder / "__init__.py").is_file() for folder in folders)


def test_db_upgrade_migrates_an_empty_postgresql_database_and_every_command_works_on_it(
    request, tmp_path: Path, cli
) -> None:
    url = new_database(request, "postgresql", tmp_path)
    newest = migrate.head()
    assert cli(["db", "current"], url) == (
        1,
        f"database: revision none (empty; this version's newest is {newest})\n",
        "",
    )
    assert cli(["db", "upgrade"], url) == (0, f"database: upgraded from no revision to {newest}\n", "")
    assert cli(["db", "upgrade"], url) == (0, f"database: already at the newest revision, {newest}\n", "")
    assert cli(["db", "current"], url) == (
        0,
        f"database: revision {newest} (current; this version's newest is {newest})\n",
        "",
    )
    status, out, err = cli(["ingest", str(SAMPLE)], url)
    assert status == 0 and "17 speakers, 49 remarks" in out, err
    status, out, err = cli(["ask", "what did 苫前町長 say about foreign workers"], url)
    assert status == 0 and "1. 苫前町長 — 令和7年度留萌地域づくり連携会議" in out, err
    for args in (["meetings"], ["speakers"], ["followups", "list", "all"], ["export", str(tmp_path / "dump.json")]):
        status, _, err = cli(args, url)
        assert status == 0 and err == "", (args, err)
    assert cli(["reminders", "run-due"], url) == (0, "reminders: 0 posted, 0 to retry, 0 failed\n", "")


def test_a_database_of_a_newer_schema_is_refused_with_one_line(tmp_path: Path, cli) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade_database(url)
    set_revision(url, "9999")
    refusal = (
        "error: the database's schema is at revision 9999, which this version of the bot does not know "
        f"(its newest is {migrate.head()})"
    )
    for args in (["ingest", str(SAMPLE)], ["ask", "奨学金"], ["db", "upgrade"], ["export", "dump.json"]):
        status, out, err = cli(args, url)
        assert (status, out) == (2, "") and err.startswith(refusal) and err.count("\n") == 1, args
    assert cli(["db", "current"], url)[1].startswith("database: revision 9999 (newer;")
    # As an operator sees it: a process of its own, one line, no traceback.
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": CHILD_PYTHONPATH}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert (
        (done.returncode, done.stdout) == (2, "") and done.stderr.startswith(refusal) and done.stderr.count("\n") == 1
    )


@pytest.fixture
def two_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The migrations plus a revision 'next' after them (a table of its own), standing in for the next version."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "next_version.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = 'next'\ndown_revision = {migrate.head()!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade():\n    op.create_table('next_version', sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    previous = migrate.head()
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    return previous


def test_an_older_schema_is_refused_until_db_upgrade(two_revisions: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'older.db'}"
    assert upgrade_database(url) == (None, "next")
    engine = new_engine(url)  # back to what the version before left: its revision, without next's table
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE next_version"))
    engine.dispose()
    set_revision(url, two_revisions)
    with pytest.raises(
        SchemaError, match=f"revision {two_revisions}, older than this version's next: run `python -m bot db upgrade`"
    ):
        get_engine(url)
    assert upgrade_database(url) == (two_revisions, "next")
    with get_engine(url).connect() as connection:
        assert migrate.status(connection) == (Status.CURRENT, "next")
        assert "next_version" in inspect(connection).get_table_names()


def test_a_database_made_before_migrations_is_adopted_by_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    engine = new_engine(url)
    SQLModel.metadata.create_all(engine)  # what the bot did at start-up before there were migrations
    with engine.begin() as connection:
        create_index(connection)
    with Session(engine) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())
    engine.dispose()
    with pytest.raises(
        SchemaError, match="no schema revision .it predates migrations.: run `python -m bot db upgrade`"
    ):
        get_engine(url)
    assert upgrade_database(url) == (None, migrate.head())
    with Session(get_engine(url)) as session:
        assert session.execute(text("SELECT count(*) FROM remark")).scalar_one() == 49


def test_a_database_made_before_migrations_that_differs_is_not_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = new_engine(url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_meeting_date"))
    engine.dispose()
    with pytest.raises(SchemaError, match="1 differences from this version's schema .* cannot be adopted"):
        upgrade_database(url)


# Each child opens the database it is sent, all five at the same moment, and says how that went.
_OPENER = """
import sys
from storage.engine import get_engine
print("ready", flush=True)
for url in sys.stdin:
    try:
        get_engine(url.strip())
        print("ok", flush=True)
    except Exception as error:
        print(f"{type(error).__name__}: {error}".replace("\\n", " "), flush=True)
"""
PROCESSES, ROUNDS = 5, 10


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_together_on_an_empty_database_migrate_it_once(
    request, backend: str, tmp_path: Path
) -> None:
    """Replicas started together on a new database all come up: one migrates it, the others wait under the
    lock and find it migrated. Ten new databases, five processes each, released at once."""
    env = {**os.environ, "PYTHONPATH": CHILD_PYTHONPATH}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    try:
        assert [child.stdout.readline().strip() for child in children] == ["ready"] * PROCESSES
        for round_ in range(ROUNDS):
            directory = tmp_path / f"round{round_}"
            directory.mkdir()
            url = database_url(new_database(request, backend, directory), Path("."))
            for child in children:  # all written before any answer is read: the opens overlap
                child.stdin.write(url + "\n")
                child.stdin.flush()
            outcomes = [child.stdout.readline().strip() for child in children]
            assert outcomes == ["ok"] * PROCESSES, f"round {round_}: {outcomes}"
            with get_engine(url).connect() as connection:
                assert migrate.status(connection) == (Status.CURRENT, migrate.head())
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)


def schema_of(url: str) -> dict:
    """Every table's columns, primary key, foreign keys, unique constraints and indexes, as reported."""
    engine = new_engine(database_url(url, Path(".")))
    with engine.connect() as connection:
        found = inspect(connection)
        schema = {
            table: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                "primary key": found.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (
                        fk["constrained_columns"],
                        fk["referred_table"],
                        fk["referred_columns"],
                        fk.get("options", {}).get("ondelete"),
                    )
                    for fk in found.get_foreign_keys(table)
                ),
                "unique": sorted((u["name"] or "", u["column_names"]) for u in found.get_unique_constraints(table)),
                "indexes": sorted((i["name"], i["column_names"], bool(i["unique"])) for i in found.get_indexes(table)),
            }
            for table in found.get_table_names()
            if table != "alembic_version"
        }
    engine.dispose()
    return schema


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_migrated_from_scratch_equals_one_created_from_the_models(
    request, backend: str, tmp_path: Path
) -> None:
    (migrated_dir := tmp_path / "migrated").mkdir()
    (created_dir := tmp_path / "created").mkdir()
    migrated, created = new_database(request, backend, migrated_dir), new_database(request, backend, created_dir)
    upgrade_database(database_url(migrated, Path(".")))
    engine = new_engine(database_url(created, Path(".")))
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        create_index(connection)  # the code's search index: revision 0001 carries its own copy of the DDL
    engine.dispose()
    schema = schema_of(migrated)
    assert set(SQLModel.metadata.tables) | {INDEX_TABLE[backend]} <= set(schema)
    assert schema == schema_of(created)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0013_counts_the_remarks_of_the_meetings_and_speakers_stored_before_it(
    request, backend: str, tmp_path
) -> None:
    from alembic import command
    from alembic.config import Config

    url = database_url(new_database(request, backend, tmp_path), Path("."))
    engine = get_engine(url)
    with Session(engine) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())
    extent = "SELECT remark_count, first_remark_id, last_remark_id FROM meeting UNION ALL"
    extent += " SELECT remark_count, id, 0 FROM speaker ORDER BY 2, 3"
    expected = "SELECT count(*), min(id), max(id) FROM remark UNION ALL"
    expected += " SELECT count(*), speaker_id, 0 FROM remark GROUP BY speaker_id ORDER BY 2, 3"
    with engine.begin() as connection:
        stored = connection.execute(text(extent)).all()
        assert stored == connection.execute(text(expected)).all() and (49, 1, 49) in stored
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
        assert "remark_count" not in {c["name"] for c in inspect(connection).get_columns("speaker")}
        migrate.upgrade(connection)
        assert connection.execute(text(extent)).all() == stored
