"""Candidates and counts from one index query per topic group are those of a query for all groups at once."""

from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bench.corpus import write_real_archive
from bot import ingest
from bot.core.speakers import default_alias_table
from bot.ingest import ingest_minutes
from storage import queries, search_index
from storage.engine import database_url, get_engine
from storage.models import Meeting, Remark, Speaker
from storage.queries import Scope
from tests.archive_minutes import MEETINGS
from tests.conftest import BACKENDS, SAMPLE, new_database

GROUPS = [
    [["人材", "人手"], ["確保", "採用"]],  # two common groups
    [["人材"], ["奨学金"]],  # a common group and a rare one
    [["奨学金"], ["ferry"], ["企業"]],  # and one the minutes lack
]
SCOPES = [Scope(), Scope(speaker_ids=(1, 2, 3)), Scope(meeting_ids=(1,)), Scope(newest_id=30)]


@pytest.mark.parametrize("groups", GROUPS)
@pytest.mark.parametrize("limit, enough, cap", [(200, 20, 1000), (3, 2, 3), (2, 5, 1)])  # small: reads stop early
@pytest.mark.parametrize("scope", SCOPES)
def test_search_finds_what_the_index_finds_for_every_group_together(sample_session, groups, limit, enough, cap, scope):
    session = sample_session
    ids = search_index.candidate_ids(session, groups, scope, limit, enough)
    counts = [search_index.count_matching(session, terms, scope, 49, cap) for terms in groups]
    assert search_index.search(session, groups, scope, limit, enough, cap, 49) == (ids, counts)
    assert ids  # the sample has remarks on these


def test_a_term_holding_another_term_of_its_group_is_not_looked_up_again():
    # A remark with 外国人材 has 外国人; one with "mail" has no word "ai", and one with 市長 no lone 市.
    terms = ("外国人", "外国人材", "在留外国人", "ai", "mail", "市", "市長", "foreign worker", "foreign workers")
    assert search_index._phrases(terms) == [
        ("外国", "国人"),
        ("ai",),
        ("mail",),
        ("市",),
        ("市長",),
        ("foreign", "worker"),
        ("foreign", "workers"),
    ]


@pytest.fixture(scope="module", params=BACKENDS)
def archive_session(request, tmp_path_factory):
    """The sample and three more meetings, ingested one after the other."""
    url = new_database(request, request.param, tmp_path_factory.mktemp("archive"))
    engine = get_engine(database_url(url, Path(".")))
    with Session(engine) as session:
        for name, text in {SAMPLE.name: SAMPLE.read_text(encoding="utf-8"), **MEETINGS}.items():
            ingest_minutes(session, text.encode(), name, default_alias_table())
    with Session(engine) as session:
        yield session


@pytest.mark.parametrize("terms", [["除雪"], ["事業承継", "後継者"], ["医師"]])
@pytest.mark.parametrize("speakers", [None, "苫前町長"])
def test_the_span_of_a_scope_s_meetings_bounds_the_index_and_changes_nothing_it_finds(archive_session, terms, speakers):
    session = archive_session
    meetings = [m.id for m in session.exec(select(Meeting).order_by(Meeting.id))]
    speaker_ids = (
        None if speakers is None else tuple(s.id for s in queries.all_speakers(session) if s.label == speakers)
    )
    for chosen in [meetings[:2], meetings[1:], meetings[::2], meetings[-1:]]:  # together, or apart
        scope = Scope(speaker_ids, tuple(chosen))
        remarks = session.exec(select(Remark).where(col(Remark.meeting_id).in_(chosen))).all()
        in_scope = [r for r in remarks if speaker_ids is None or r.speaker_id in speaker_ids]
        expected = sorted((r.id for r in in_scope if any(t in r.normalized_text for t in terms)), reverse=True)
        count, span = queries.scope_extent(session, scope)
        assert count == span.count == len(in_scope)
        spanned_remarks = in_scope if speaker_ids else remarks
        assert (span.low, span.high) == (min(r.id for r in spanned_remarks), max(r.id for r in spanned_remarks))
        # Found alike whether the matches in the span are tested one by one (dense) or the scope's listed.
        for count in (span.count, 0, span.high - span.low + 1):
            spanned = replace(scope, span=replace(span, count=count))
            assert search_index.candidate_ids(session, [terms], spanned, 200, 20) == expected
            assert search_index.count_matching(session, terms, spanned, 49, 1000) == len(expected)
        assert search_index.candidate_ids(session, [terms], scope, 200, 20) == expected


def test_meetings_without_remarks_have_no_span(archive_session):
    for scope in (Scope(meeting_ids=()), Scope(meeting_ids=(10_000,)), Scope(speaker_ids=(10_000,), meeting_ids=(1,))):
        assert queries.scope_extent(archive_session, scope) == (0, None)


def test_a_scope_stored_by_an_earlier_remark_counts_the_remarks_stored_then(archive_session):
    meetings = tuple(m.id for m in archive_session.exec(select(Meeting)))
    remarks = archive_session.exec(select(Remark).order_by(Remark.id)).all()
    newest = remarks[len(remarks) // 2].id
    count, span = queries.scope_extent(archive_session, Scope(meeting_ids=meetings, newest_id=newest))
    assert count == len([r for r in remarks if r.id <= newest])
    assert (span.low, span.high) == (remarks[0].id, remarks[-1].id)  # the meetings' span: the index bounds the rest


@pytest.mark.parametrize("meeting_ids", [None, (1,)])
def test_a_scope_of_every_speaker_finds_what_one_of_no_speaker_finds(sample_session, meeting_ids):
    """Few speakers are tokens of the index query; on PostgreSQL more are bounded by their column instead."""
    everyone = tuple(sample_session.exec(select(Speaker.id)).all())
    assert len(everyone) > search_index.FEW_SPEAKERS
    for speakers in (everyone, everyone[: search_index.FEW_SPEAKERS]):
        for groups in GROUPS:
            unbounded = search_index.candidate_ids(sample_session, groups, Scope(meeting_ids=meeting_ids), 200, 20)
            bounded = search_index.candidate_ids(sample_session, groups, Scope(speakers, meeting_ids), 200, 20)
            assert bounded == unbounded if speakers == everyone else set(bounded) <= set(unbounded)


def test_merging_the_index_s_segments_into_one_changes_nothing_it_finds(tmp_path, monkeypatch):
    """An archive imported file by file is in many segments; merged a few pages a transaction, in one."""
    engine = get_engine(database_url(f"sqlite:///{tmp_path / 'test.db'}", Path(".")))
    table = default_alias_table()
    with Session(engine) as session:
        (tmp_path / "archive").mkdir()
        for path in write_real_archive(tmp_path / "archive", 3000, None).paths:
            ingest_minutes(session, path.read_bytes(), path.name, table)
        segments = search_index.index_segments(session)
        assert segments > ingest.MAX_INDEX_SEGMENTS
        speakers = tuple(s.id for s in queries.all_speakers(session))[:40]
        scopes = [Scope(), Scope(speaker_ids=speakers), Scope(meeting_ids=tuple(range(1, 30))), Scope(newest_id=2000)]
        groups = [[["人口", "過疎"]], [["除雪"], ["防災", "避難"]], [["観光"], ["修学"]], [["令和"]]]

        def found() -> list:
            return [search_index.search(session, g, s, 200, 20, 1000, 3000) for g in groups for s in scopes]

        before = found()
        assert all(ids for ids, _ in before)
        monkeypatch.setattr(ingest, "MERGE_PAGES", 20)  # several transactions
        assert ingest.merge_index_segments(session) > 1
        assert search_index.index_segments(session) == 1
        assert found() == before
        assert ingest.merge_index_segments(session) == 0  # one segment: nothing to do
