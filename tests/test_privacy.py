"""What the bot stores stays private: no SQL parameter (message text) in an error or a log, the SQLite
database and the exports readable by their owner only."""

from __future__ import annotations

import datetime
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage import queries
from storage.dump import export_dump
from storage.engine import database_url, get_engine
from storage.models import HandledEvent

PRIVATE_TEXT = "苫前町の内部検討メモ"


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems run with (022), which alone would make new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_database_error_carries_no_sql_parameters(db_url: str) -> None:
    engine = get_engine(database_url(db_url, Path(".")))
    now = datetime.datetime.now(datetime.UTC)
    with Session(engine) as session:
        assert queries.add_handled_event(session, "EvPrivate", None, now)
        session.commit()
        with pytest.raises(IntegrityError) as refused:  # the event id is taken; the text is only a parameter
            session.add(HandledEvent(event_id="EvPrivate", message_key=PRIVATE_TEXT, handled_at=now))
            session.flush()
    assert PRIVATE_TEXT not in str(refused.value) and "SQL parameters hidden" in str(refused.value)


def test_a_new_sqlite_database_and_its_directory_are_private(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "data" / "remarks.db"
    with Session(get_engine(f"sqlite:///{path}")) as session:  # created and migrated
        queries.add_asked_question(session, "k1", PRIVATE_TEXT, datetime.datetime.now(datetime.UTC))
        session.commit()
        files = sorted(path.parent.iterdir())
        assert [file.name for file in files] == ["remarks.db", "remarks.db-shm", "remarks.db-wal"]
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    assert mode(path.parent) == 0o700


def test_an_export_is_private(tmp_path: Path, usual_umask: None) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text("an older export, readable by all")
    export_dump(get_engine(f"sqlite:///{tmp_path / 'remarks.db'}"), dump)
    assert mode(dump) == 0o600 and dump.read_text().startswith('{"format": 1')
