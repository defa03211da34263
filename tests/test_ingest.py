"""Ingestion into a real SQLite database: idempotent, replacing, refusing bad files without writing."""

import pytest
from sqlmodel import select

from bot.core.minutes import MinutesError
from bot.ingest import ingest_minutes
from storage import search_index
from storage.models import Meeting, Remark, Speaker, SpeakerAlias
from tests.conftest import SAMPLE


def counts(session):
    return tuple(len(session.exec(select(model)).all()) for model in (Meeting, Speaker, Remark))


def test_sample_is_stored_with_its_metadata(session, table):
    result = ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    assert (result.status, result.speakers, result.remarks) == ("added", 17, 49)
    meeting = session.exec(select(Meeting)).one()
    assert meeting.date.isoformat() == "2025-10-08" and meeting.start_time.hour == 14
    assert meeting.place == "羽幌町立中央公民館 1階大ホール"
    assert len(meeting.agenda) == 4 and "留萌商工会議所会頭" in meeting.attendees
    remark = session.exec(select(Remark).where(Remark.position == 1)).one()
    assert remark.normalized_text.startswith("管内の基幹産業は一次産業")
    aliases = {a.alias for a in session.exec(select(SpeakerAlias)).all()}
    assert {"苫前", "とままえ", "tomamae", "chamber of commerce"} <= aliases


def test_reingesting_the_same_file_changes_nothing(session, table):
    first = ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    ids = [r.id for r in session.exec(select(Remark)).all()]
    again = ingest_minutes(session, SAMPLE.read_bytes(), "renamed.txt", table)
    assert again.status == "unchanged" and again.meeting_id == first.meeting_id
    assert [r.id for r in session.exec(select(Remark)).all()] == ids


def test_the_same_meeting_in_shift_jis_and_crlf_is_the_same_meeting(session, table):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    cp932 = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp932")
    assert ingest_minutes(session, cp932, "sjis.txt", table).status == "unchanged"


def test_an_edited_file_replaces_the_meetings_remarks_and_the_index(session, table):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    edited = SAMPLE.read_text(encoding="utf-8").replace("奨学金を軽くしたい", "通学費を軽くしたい")
    result = ingest_minutes(session, edited.encode(), SAMPLE.name, table)
    assert result.status == "replaced"
    assert counts(session) == (1, 17, 49)
    texts = [r.text for r in session.exec(select(Remark)).all()]
    assert any("通学費を軽くしたい" in t for t in texts) and not any("奨学金を軽くしたい" in t for t in texts)
    # The index forgot the old text and knows the new one.
    assert search_index.count_matching(session, ["通学費"], None, 49, 10) == 1
    assert search_index.count_matching(session, ["軽くしたい"], None, 49, 10) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02PNG\x00\x00", "binary"),
        ("令和7年度 会議\n1 実施日時\n令和7年10月8日\n".encode(), "no speakers found"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(session, table, data, message):
    with pytest.raises(MinutesError, match=message):
        ingest_minutes(session, data, "bad.txt", table)
    assert counts(session) == (0, 0, 0)
