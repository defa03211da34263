"""export / import-dump: a SQLite database moves to another SQLite file or to PostgreSQL with nothing lost."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.answers import answer_question
from bot.core.when import When
from bot.ingest import ingest_minutes
from bot.services.followups import FollowupService
from storage import migrate, queries
from storage.dump import DumpError, export_dump, import_dump
from storage.engine import database_url, get_engine
from storage.models import STAGING_TABLES, Delivery, FollowUp, Remark, ReminderRule, StagedImport
from tests.conftest import SAMPLE, new_database

TZ = ZoneInfo("Asia/Tokyo")
QUESTIONS = [
    "what did 苫前町長 say about foreign workers",
    "奨学金について話したのは誰",
    "留萌市長の発言",
    "Tomamai mayor foreign workers",
]


def answers(url: str, table, glossary) -> list[dict]:
    with Session(get_engine(url)) as session:
        return [{**answer_question(session, q, table, glossary).to_json(0.0), "elapsed_ms": None} for q in QUESTIONS]


def tables_of(dump: Path) -> dict:
    return json.loads(dump.read_text(encoding="utf-8"))["tables"]


@pytest.fixture
def source(tmp_path: Path, table) -> str:
    """A SQLite database with the sample minutes, a follow-up from a remark with its reminder and a
    delivery, and a question kept for Slack's buttons."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = get_engine(url)
    with Session(engine) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
        remark_id = session.exec(select(Remark).where(Remark.position == 5)).one().id
    added = FollowupService(engine, TZ).add(
        title="外国人材の受入れ状況を調べる",
        owners=["U2", "U3"],
        channel_id="C1",
        created_by="U1",
        due=When(datetime.datetime(2025, 11, 1, 17, 0, tzinfo=TZ)),
        remind=When(datetime.datetime(2025, 10, 20, 9, 0, tzinfo=TZ)),
        remark_id=remark_id,
    )
    with Session(engine) as session:
        rule = session.get(ReminderRule, added.rule_id)
        session.add(
            Delivery(
                rule_id=rule.id, scheduled_at=rule.next_fire_at, state="sent", channel_id="C1", ts="1700000000.000100"
            )
        )
        queries.add_asked_question(session, "k3y", "what did 苫前町長 say", datetime.datetime(2025, 10, 9, tzinfo=TZ))
        session.commit()
    return url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_sqlite_database_moves_with_export_and_import_dump_and_nothing_is_lost(
    request, backend, source, tmp_path, table, glossary
):
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    target = database_url(new_database(request, backend, target_dir), Path("."))
    dump, again = tmp_path / "dump.json", tmp_path / "again.json"

    counts = export_dump(get_engine(source), dump)
    assert counts["meeting"] == 1 and counts["remark"] == 49 and counts["followup"] == 1 and counts["delivery"] == 1
    assert import_dump(get_engine(target), dump) == counts
    export_dump(get_engine(target), again)

    assert tables_of(again) == tables_of(dump)  # every row of every table, ids and times included
    assert answers(target, table, glossary) == answers(source, table, glossary)  # the search index was rebuilt
    with Session(get_engine(target)) as session:
        followup = session.exec(select(FollowUp)).one()
        assert session.get(Remark, followup.remark_id).position == 5
        assert followup.due_at == datetime.datetime(2025, 11, 1, 8, 0, tzinfo=datetime.UTC)
        assert session.exec(select(ReminderRule)).one().next_fire_at == datetime.datetime(
            2025, 10, 20, 0, 0, tzinfo=datetime.UTC
        )
        assert queries.find_asked_question(session, "k3y").question == "what did 苫前町長 say"
    # New rows get new ids after the imported ones (PostgreSQL's sequences were moved on).
    service = FollowupService(get_engine(target), TZ)
    added = service.add(title="next", owners=[], channel_id="C1", created_by="U1").followup
    assert added.id == followup.id + 1


def test_an_import_in_progress_is_not_exported(source, tmp_path):
    engine = get_engine(source)
    with Session(engine) as session:
        session.add(StagedImport(title="途中の会議", date=None, staged_at=datetime.datetime(2025, 10, 9, tzinfo=TZ)))
        session.commit()
    dump = tmp_path / "dump.json"
    counts = export_dump(engine, dump)
    assert not set(tables_of(dump)) & STAGING_TABLES and not set(counts) & STAGING_TABLES
    assert "stagedimport" in STAGING_TABLES and counts["remark"] == 49


def test_import_dump_refuses_a_database_that_is_not_empty(source, tmp_path):
    dump = tmp_path / "dump.json"
    export_dump(get_engine(source), dump)
    with pytest.raises(
        DumpError, match=r"the database is not empty \(it has rows in .*meeting.*\): import into an empty database"
    ):
        import_dump(get_engine(source), dump)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a dump written by `python -m bot export` (not JSON)"),
        ('{"tables": {}}', 'not a dump written by `python -m bot export` (no "format": 1 and "tables")'),
        (
            '{"format": 1, "schema": "0000", "tables": {}}',
            f"the dump is of schema revision 0000 and this version's is {migrate.head()}: import it with",
        ),
        (
            f'{{"format": 1, "schema": "{migrate.head()}", "tables": {{}}}}',
            "the dump has no table archiverevision, askedquestion, digestpost,",
        ),
    ],
)
def test_import_dump_refuses_what_is_not_a_dump_of_this_version(tmp_path, content, message):
    dump = tmp_path / "dump.json"
    dump.write_text(content, encoding="utf-8")
    with pytest.raises(DumpError) as refused:
        import_dump(get_engine(f"sqlite:///{tmp_path / 'empty.db'}"), dump)
    assert str(refused.value).startswith(message)


def test_export_and_import_dump_from_the_command_line(source, tmp_path, cli):
    status, exported, _ = cli(["export", "dump.json"], source)
    assert status == 0 and exported.startswith("exported: dump.json: 1 archiverevision, 1 askedquestion")
    assert "49 remark," in exported
    target = f"sqlite:///{tmp_path / 'target.db'}"
    assert cli(["import-dump", "dump.json"], target) == (0, exported.replace("exported", "imported"), "")
    status, _, refused = cli(["import-dump", "dump.json"], target)
    assert (
        status == 1 and refused.startswith("error: dump.json: the database is not empty") and refused.count("\n") == 1
    )
    status, _, refused = cli(["export", "missing/dump.json"], target)
    assert status == 1 and refused == "error: missing/dump.json: cannot write the file (No such file or directory)\n"
