"""An import does not block the bot: its rows are staged in transactions of at most INGEST_BATCH rows and the
meeting switched in by one, so readers see the old meeting or the new one whole at every commit, other writers
get their turn between batches, and an import killed at any point leaves the previous state answerable."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func
from sqlmodel import Session, select

from bot import ingest
from bot.clock import FixedClock
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes
from bot.services.remarks import RemarksService
from storage import queries, search_index
from storage.engine import database_url, get_engine
from storage.models import AskedQuestion, Meeting, Remark, Speaker, SpeakerAlias, StagedImport, StagedRemark
from tests.conftest import CHILD_PYTHONPATH, ROOT, SAMPLE

SMALL_BATCH = 10  # the sample's 49 remarks and 17 speakers then take several batches
NEW_SPEAKER = "天塩川町長"
EDITED = (
    SAMPLE.read_text(encoding="utf-8").replace("奨学金を軽くしたい", "通学費を軽くしたい")
    + f"\n＜{NEW_SPEAKER}＞\n\n- 川下りの観光船を走らせたい。\n"
)


def state(url: str) -> tuple:
    """What a reader sees now, from a connection of its own: the meeting's remarks, who is known, what the
    index finds, what the bot answers about the edited words and the new speaker."""
    service = RemarksService(database_url(url, Path(".")), default_alias_table(), default_glossary(), frozenset())
    with Session(service.engine) as session:
        remarks = tuple(session.exec(select(Remark.text).order_by(Remark.position)))
        speakers = tuple(session.exec(select(Speaker.label).order_by(Speaker.label)))
        aliases = session.exec(select(func.count()).select_from(SpeakerAlias)).one()
        found = tuple(matching(session, word) for word in ("通学費", "奨学金を軽く", "観光船"))
    answers = tuple(
        tuple(r.text for r in service.answer(question).results) for question in ("通学費", f"{NEW_SPEAKER}の発言")
    )
    return remarks, speakers, aliases, found, answers


def matching(session: Session, word: str) -> int:
    """How many remarks the index finds the word in: counted within the meetings, exact on PostgreSQL too (which
    estimates counts over the whole archive)."""
    scope = queries.Scope(meeting_ids=tuple(session.exec(select(Meeting.id))))
    return search_index.count_matching(session, [word], scope, 0, 100_000)


def commits_of(session: Session, hook) -> list:
    """Call `hook()` after every commit of the session; what it returned, in order."""
    seen: list = []
    event.listen(session, "after_commit", lambda _session: seen.append(hook()))
    return seen


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "INGEST_BATCH", SMALL_BATCH)


def test_readers_see_the_old_meeting_or_the_new_one_whole_at_every_commit(db_url, session, table, small_batches):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    old = state(db_url)
    seen = commits_of(session, lambda: state(db_url))
    result = ingest_minutes(session, EDITED.encode(), SAMPLE.name, table)
    new = state(db_url)
    assert result.status == "replaced" and old != new
    assert new[3] == (1, 0, 1) and new[4][1] == ("川下りの観光船を走らせたい。",)
    assert old[3] == (0, 1, 0) and old[4][1] == ()
    assert any("通学費" in text for text in new[4][0]) and not any("通学費" in text for text in old[4][0])
    # Staged in several transactions; at each commit, the old meeting whole until the switch, the new one after.
    assert len(seen) > 3
    assert set(seen) == {old, new}
    assert seen == sorted(seen, key=lambda s: s == new)


def test_every_write_transaction_of_an_import_is_bounded(db_url, session, table, small_batches):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    transactions: list[list[int]] = [[]]  # rows given to each statement, per transaction

    def count(_conn, _cursor, _statement, parameters, _context, executemany):
        transactions[-1].append(len(parameters) if executemany else 1)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    event.listen(session, "after_commit", lambda _session: transactions.append([]))
    try:
        assert ingest_minutes(session, EDITED.encode(), SAMPLE.name, table).status == "replaced"
    finally:
        event.remove(engine, "before_cursor_execute", count)
    writes = [t for t in transactions if t]
    # Staging: 18 speakers, their aliases, 50 remarks and (SQLite) 49 to unindex, 10 rows at a time; the switch:
    # 18 statements of one row of parameters each, whatever the meeting's size.
    assert len(writes) >= 10
    assert max(sum(t) for t in writes) <= SMALL_BATCH + 8
    assert max(len(t) for t in writes) <= 20


def test_another_writer_gets_its_turn_between_batches(db_url, session, table, small_batches):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    service = RemarksService(database_url(db_url, Path(".")), table, default_glossary(), frozenset())

    def write_meanwhile() -> bool:
        """Another writer, between two of the import's transactions: True while the import is not switched in."""
        with Session(service.engine) as other:
            staging = other.exec(select(func.count()).select_from(StagedImport)).one() > 0
        if db_url.startswith("sqlite"):  # the write lock is free: taken at once, no waiting
            with sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0) as connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.rollback()
        service.remember_question("what did 苫前町長 say")
        return staging

    during = commits_of(session, write_meanwhile)
    ingest_minutes(session, EDITED.encode(), SAMPLE.name, table)
    assert during.count(True) > 3
    with Session(service.engine) as other:
        assert other.exec(select(func.count()).select_from(AskedQuestion)).one() == len(during)


def test_an_import_of_the_same_meeting_switching_first_makes_the_other_start_again(
    db_url, session, table, small_batches
):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    other_text = SAMPLE.read_text(encoding="utf-8").replace("奨学金を軽くしたい", "給付金を増やしたい")
    engine = get_engine(database_url(db_url, Path(".")))
    other_results = []

    def import_the_other_version_once():
        if not other_results:
            with Session(engine) as other:
                other_results.append(ingest_minutes(other, other_text.encode(), SAMPLE.name, table))

    commits_of(session, import_the_other_version_once)  # after this import's first staged batch
    result = ingest_minutes(session, EDITED.encode(), SAMPLE.name, table)
    assert other_results[0].status == "replaced" and result.status == "replaced"
    assert state(db_url)[3] == (1, 0, 1)  # the edited version, indexed once
    assert matching(session, "給付金") == 0
    assert session.exec(select(func.count()).select_from(StagedRemark)).one() == 0


def test_rows_an_import_left_a_day_ago_are_deleted_by_the_next_import(session, table):
    now = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    left = queries.add_staged_import(session, "another meeting", None, now - datetime.timedelta(days=2))
    recent = queries.add_staged_import(session, "a third meeting", None, now - datetime.timedelta(hours=1))
    row = {"position": 1, "speaker_label": "x", "text": "t", "normalized_text": "t", "tokens": "t"}
    # Rows of the import a day old, and rows whose import's row is gone (a deletion cut short).
    queries.add_staged(session, StagedRemark, left, [row])
    queries.add_staged(session, StagedRemark, recent + 1, [row])
    session.commit()
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table, FixedClock(now))
    assert list(session.exec(select(StagedImport.id))) == [recent]  # an import may still be staging that one
    assert session.exec(select(func.count()).select_from(StagedRemark)).one() == 0


def test_with_nothing_staged_an_import_looks_for_nothing_to_delete(session, table):
    """The search for staged rows to delete (of this meeting, a day old, or whose import is gone: a union over
    every staging table) runs only when some staging table has a row; an import that finished left none."""
    statements: list[str] = []
    engine = session.get_bind()
    record = lambda _conn, _cursor, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
        ingest_minutes(session, EDITED.encode(), SAMPLE.name, table)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len([s for s in statements if "INSERT INTO stagedremark" in s]) == 2
    assert not [s for s in statements if "UNION" in s]
    assert session.exec(select(func.count()).select_from(StagedImport)).one() == 0


def big_minutes(variant: str, remarks: int) -> str:
    names = [f"{a}{b}町長" for a in "山川田中村" for b in "木林森石松竹梅花"]
    lines = ["大会議 議事録\n開催日時 令和7年10月8日\n\n"]
    lines += [
        f"＜{names[i % len(names)]}＞\n- 第{i}の論点について{variant}の立場から申し上げる。\n" for i in range(remarks)
    ]
    return "".join(lines)


def staged_remarks(url: str) -> int:
    """How many staged remarks there are, read on a connection of its own (taking no lock: the import goes on)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute("SELECT count(*) FROM stagedremark").fetchone()[0]
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT count(*) FROM stagedremark").fetchone()[0]


def test_an_import_killed_mid_import_leaves_the_old_meeting_and_runs_again_whole(db_url, tmp_path, table):
    remarks = 12_000
    old_file, new_file = tmp_path / "old.txt", tmp_path / "new.txt"
    old_file.write_text(big_minutes("甲", 40), encoding="utf-8")
    new_file.write_text(big_minutes("乙", remarks), encoding="utf-8")
    env = dict(os.environ, DATABASE_URL=db_url, PYTHONPATH=CHILD_PYTHONPATH)

    def run_ingest(path: Path) -> subprocess.Popen:
        command = [sys.executable, "-m", "bot", "ingest", str(path)]
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    assert run_ingest(old_file).wait(timeout=120) == 0
    before = state(db_url)
    child = run_ingest(new_file)
    # Rows staged and the switch not committed (it deletes them): killed now, the import dies mid-way.
    while child.poll() is None and staged_remarks(db_url) == 0:
        pass
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert state(db_url) == before
    engine = get_engine(database_url(db_url, Path(".")))
    with Session(engine) as session:
        assert 0 < session.exec(select(func.count()).select_from(StagedRemark)).one() <= remarks  # invisible leftovers
        assert [m.title for m in session.exec(select(Meeting))] == ["大会議 議事録"]
    again = run_ingest(new_file)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert out.startswith(f"replaced: {new_file}: 大会議 議事録 (2025-10-08), 40 speakers, {remarks} remarks")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Remark)).one() == remarks
        assert session.exec(select(func.count()).select_from(StagedRemark)).one() == 0
        assert session.exec(select(func.count()).select_from(StagedImport)).one() == 0
        assert matching(session, "乙の立場") == remarks
        assert matching(session, "甲の立場") == 0
