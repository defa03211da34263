"""Ingestion into a real SQLite database: idempotent, replacing, refusing bad files without writing."""

import datetime
import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bench.corpus import write_real_archive
from bot import ingest, minutes_files
from bot.clock import FixedClock
from bot.core.minutes import MinutesError
from bot.ingest import IngestResult, ingest_minutes
from storage import search_index
from storage.dump import export_dump
from storage.engine import database_url, get_engine
from storage.models import Meeting, Remark, Speaker, SpeakerAlias
from tests.archive_minutes import MEETINGS
from tests.conftest import BACKENDS, SAMPLE, new_database
from tests.test_documents import docx_of, pdf_of, scanned_pdf


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


def test_meetings_and_speakers_keep_count_of_their_remarks_through_every_import(session, table):
    def stored() -> tuple[set, set]:
        meetings = {(m.id, m.remark_count, m.first_remark_id, m.last_remark_id) for m in session.exec(select(Meeting))}
        return meetings, {(s.id, s.remark_count) for s in session.exec(select(Speaker))}

    def counted() -> tuple[set, set]:
        remarks = session.exec(select(Remark)).all()
        meetings = {m.id: [r.id for r in remarks if r.meeting_id == m.id] for m in session.exec(select(Meeting))}
        speakers = {s.id: sum(r.speaker_id == s.id for r in remarks) for s in session.exec(select(Speaker))}
        return (
            {(m, len(ids), min(ids, default=None), max(ids, default=None)) for m, ids in meetings.items()},
            set(speakers.items()),
        )

    def tomamae() -> int:
        return session.exec(select(Speaker.remark_count).where(Speaker.label == "苫前町長")).one()

    sample = SAMPLE.read_text(encoding="utf-8")
    for name, text in [(SAMPLE.name, sample), *MEETINGS.items()]:
        ingest_minutes(session, text.encode(), name, table)
        assert stored() == counted()
    before = tomamae()
    # The same meeting again, the mayor of Tomamae's remarks now another's: replaced, and counted for that one.
    ingest_minutes(session, sample.replace("＜苫前町長＞", "＜初山別村長＞").encode(), SAMPLE.name, table)
    assert stored() == counted()
    assert 0 < tomamae() < before  # the other meetings' remarks still count


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02PNG\x00\x00", "binary"),
        ("令和7年度 会議\n1 実施日時\n令和7年10月8日\n".encode(), "no speakers found"),
        (scanned_pdf(), "no text layer"),
        (pdf_of(SAMPLE.read_text(encoding="utf-8"), password="secret"), "encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, r"\.doc.*save it as \.docx or PDF"),
    ],
    ids=["empty", "blank", "binary", "no-speakers", "scanned-pdf", "encrypted-pdf", "doc"],
)
def test_bad_files_are_refused_and_nothing_is_written(session, table, data, message):
    with pytest.raises(MinutesError, match=message):
        ingest_minutes(session, data, "bad.txt", table)
    assert counts(session) == (0, 0, 0)


def test_pdf_and_docx_of_the_sample_store_the_same_speakers_and_remarks(session, table):
    text = SAMPLE.read_text(encoding="utf-8")
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)

    def stored():
        return [(r.speaker_id, "".join(r.text.split())) for r in session.exec(select(Remark).order_by(Remark.position))]

    from_text = stored()
    for data, name in ((pdf_of(text), "minutes.pdf"), (docx_of(text), "minutes.docx")):
        result = ingest_minutes(session, data, name, table)
        assert (result.status, result.speakers, result.remarks) == ("replaced", 17, 49)
        assert stored() == from_text and counts(session) == (1, 17, 49)


def test_role_and_name_are_stored_apart_with_their_aliases(session, table):
    text = (
        "委員会会議録\n令和6年6月12日\n○委員長（伊藤成一君）　開会いたします。\n"
        "○事務局（柴田主幹）　資料を御説明いたします。\n"
    ).encode()
    ingest_minutes(session, text, "giun.txt", table)
    speakers = {s.label: (s.organisation, s.role, s.name) for s in session.exec(select(Speaker))}
    assert speakers == {
        "委員長（伊藤成一君）": ("", "委員長", "伊藤成一"),
        "事務局（柴田主幹）": ("", "事務局", "柴田主幹"),
    }
    aliases = {a.alias for a in session.exec(select(SpeakerAlias))}
    assert {"伊藤委員長", "伊藤", "chairman", "柴田主幹", "柴田", "secretariat"} <= aliases


def test_a_file_without_title_or_date_is_named_after_itself(session, table):
    data = "事務局\n前回の審議会において審議していただいた。\n".encode()
    result = ingest_minutes(session, data, "第5回審議会.txt", table)
    assert (result.title, result.date, result.speakers) == ("第5回審議会", None, 1)


def test_dry_run_shows_what_would_be_stored_and_writes_nothing(tmp_path):
    from tests.test_cli import run

    url = f"sqlite:///{tmp_path / 'dry.db'}"
    minutes = tmp_path / "giun.txt"
    minutes.write_text(
        "委員会会議録\n令和6年6月12日(水)\n○委員長（伊藤成一君）　開会いたします。\n（拍手）\n"
        "○事務局（柴田主幹）　資料を御説明いたします。\n",
        encoding="utf-8",
    )
    done = run(["ingest", "--dry-run", str(minutes)], url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{minutes}: would store (dry run, nothing written)",
        "meeting: 委員会会議録",
        "  date: 2024-06-12",
        "  place: -",
        "  attendees: 0, agenda items: 0",
        "speakers: 2, remarks: 2",
        "  委員長（伊藤成一君）  (role 委員長, name 伊藤成一): 1 remark(s)",
        "  事務局（柴田主幹）  (role 事務局, name 柴田主幹): 1 remark(s)",
        "dropped lines: 1",
        "  line 4: stage note: （拍手）",
    ]
    assert "No meetings yet" in run(["meetings"], url).stdout


def test_the_chairman_is_the_one_chair_of_a_meeting(session, table):
    def chairman_of():
        return {
            s.label
            for s in session.exec(select(Speaker))
            for a in session.exec(select(SpeakerAlias).where(SpeakerAlias.speaker_id == s.id))
            if a.alias == "chairman"
        }

    ingest_minutes(session, "委員会\n令和6年1月5日\n○委員長(伊藤成一君)　開会します。\n".encode(), "a.txt", table)
    assert chairman_of() == {"委員長(伊藤成一君)"}
    text = "委員会\n令和6年2月5日\n○委員長(伊藤成一君)　開会します。\n○議長(鈴木一郎君)　一言申し上げます。\n"
    ingest_minutes(session, text.encode(), "b.txt", table)
    assert chairman_of() == set()  # two chairs at one meeting: "the chairman" names neither


def test_a_file_naming_more_speakers_than_a_meeting_has_is_refused(session, table):
    names = [f"{a}{b}{c}町長" for a in "山川田中村" for b in "木林森石松竹梅花" for c in "鳥風月雪星海空谷沢岡島原野"][
        :501
    ]
    text = "会議 議事録\n開催日時 令和7年10月8日\n\n" + "".join(f"＜{name}＞\n- 検討していきたい。\n" for name in names)
    with pytest.raises(MinutesError, match="501 different speakers in one meeting"):
        ingest_minutes(session, text.encode(), "list.txt", table)
    assert session.exec(select(Meeting)).all() == []


def stored(url: str, tmp_path: Path) -> tuple[dict, list]:
    """Every row of every table (ids and times included) and, on SQLite, the search index's pages."""
    engine = get_engine(database_url(url, Path(".")))
    dump = tmp_path / f"dump-{len(list(tmp_path.iterdir()))}.json"
    export_dump(engine, dump)
    pages = []
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            pages = connection.exec_driver_sql("SELECT id, block FROM remark_index_data ORDER BY id").all()
    return json.loads(dump.read_text(encoding="utf-8"))["tables"], pages


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_files_read_by_other_processes_store_what_one_by_one_stores(backend, request, tmp_path, table):
    archive = tmp_path / "archive"
    archive.mkdir()
    edited = tmp_path / "edited.txt"
    edited.write_text(SAMPLE.read_text(encoding="utf-8").replace("奨学金", "通学費"), encoding="utf-8")
    empty, missing = tmp_path / "empty.txt", tmp_path / "missing.txt"
    empty.write_bytes(b"")
    paths = [SAMPLE, *write_real_archive(archive, 400, None).paths, empty, SAMPLE, missing, edited]
    assert len(paths) >= minutes_files.POOL_MIN_FILES
    clock = FixedClock(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC))
    one_by_one, pooled = (new_database(request, backend, tmp_path / name) for name in ("one", "pooled"))
    expected = []
    with Session(get_engine(database_url(one_by_one, Path(".")))) as session:
        for path in paths:
            try:
                expected.append(ingest_minutes(session, path.read_bytes(), path.name, table, clock))
            except (MinutesError, OSError) as error:
                expected.append(type(error))
        ingest.merge_index_segments(session)  # as ingest_files does after its files
    with Session(get_engine(database_url(pooled, Path(".")))) as session:
        results = list(ingest.ingest_files(session, paths, table, clock))
        assert search_index.index_segments(session) <= ingest.MAX_INDEX_SEGMENTS
    assert [r if isinstance(r, IngestResult) else type(r) for r in results] == expected
    assert expected[-4:] == [MinutesError, expected[-3], FileNotFoundError, expected[-1]]
    assert expected[-3].status == "unchanged" and expected[-1].status == "replaced"
    assert stored(pooled, tmp_path) == stored(one_by_one, tmp_path)
