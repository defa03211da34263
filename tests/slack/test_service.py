"""The Slack app's small state in the database: asked questions and handled events are not kept forever;
claims on events are leases on the database's clock, whatever each replica's clock says."""

import datetime

from sqlmodel import Session

from bench.corpus import write_real_archive
from bot import ingest
from bot.clock import FixedClock
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.services.remarks import ASKED_QUESTIONS_KEPT, RemarksService
from storage import search_index
from storage.models import AskedQuestion
from tests.archive_minutes import MEETINGS
from tests.clocks import MovedClock

REPLICA_TIME = datetime.datetime(2026, 12, 1, 0, 0, tzinfo=datetime.UTC)


def test_old_answers_are_forgotten_as_new_ones_are_asked(db_url):
    service = RemarksService(db_url, default_alias_table(), default_glossary(), frozenset())
    long_ago = datetime.datetime.now(datetime.UTC) - ASKED_QUESTIONS_KEPT - datetime.timedelta(hours=1)
    with Session(service.engine) as session:
        session.add(AskedQuestion(key="old", question="who talked about SNS", asked_at=long_ago))
        session.commit()
    key = service.remember_question("who talked about snow removal")
    assert service.recall_question(key) == "who talked about snow removal"
    assert service.recall_question("old") is None


def test_an_event_is_claimed_once(db_url):
    service = RemarksService(db_url, default_alias_table(), default_glossary(), frozenset())
    assert service.claim_event("Ev1", "C1:1.0") is not None
    assert service.claim_event("Ev1", "C1:1.0") is None
    assert service.claim_event("Ev2", "C1:1.0") is None  # the same message by another subscription


def test_a_stored_question_is_answered_from_the_remarks_there_were_when_it_was_asked(db_url):
    service = RemarksService(db_url, default_alias_table(), default_glossary(), frozenset())
    (first, text), *later = MEETINGS.items()
    service.ingest(text.encode(), first)
    key = service.remember_question("苫前町長の発言")
    shown = [r.remark_id for r in service.answer_asked(key).results]
    for name, text in later:  # new minutes between two clicks of "More"
        service.ingest(text.encode(), name)
    assert [r.remark_id for r in service.answer_asked(key).results] == shown
    assert len(service.answer("苫前町長の発言").results) > len(shown)
    assert service.answer_asked("gone") is None


def test_minutes_imported_one_by_one_keep_the_index_in_few_segments(db_url, tmp_path):
    service = RemarksService(db_url, default_alias_table(), default_glossary(), frozenset())
    for path in write_real_archive(tmp_path, 1500, None).paths:  # a dozen segments, stored one by one
        service.ingest(path.read_bytes(), path.name)
        with Session(service.engine) as session:
            assert search_index.index_segments(session) <= ingest.MAX_INDEX_SEGMENTS
    assert service.answer("除雪について話したのは誰").results


def replicas(db_url: str, database: MovedClock) -> tuple[RemarksService, RemarksService]:
    """Two replicas on one database, the second's clock six minutes ahead of the first's; their claims
    follow `database`, the database's clock as the test moves it."""
    return tuple(
        RemarksService(
            db_url,
            default_alias_table(),
            default_glossary(),
            frozenset(),
            clock=FixedClock(REPLICA_TIME + datetime.timedelta(minutes=minutes)),
            database_clock=database,
        )
        for minutes in (0, 6)
    )


def test_replicas_whose_clocks_differ_by_minutes_never_take_over_a_live_claim(db_url):
    database = MovedClock(REPLICA_TIME)
    behind, ahead = replicas(db_url, database)
    assert behind.claim_event("Ev1", "C1:1.0") is not None
    assert ahead.claim_event("Ev1", "C1:1.0") is None  # before (each replica's own clock): taken over, answered twice
    database.advance(60)  # Slack's first retry
    assert ahead.claim_event("Ev1", "C1:1.0") is None
    behind.finish_event("Ev1")
    database.advance(240)  # its last
    assert ahead.claim_event("Ev1", "C1:1.0") is None and behind.claim_event("Ev1", "C1:1.0") is None


def test_a_claim_whose_replica_died_is_taken_over_once_its_lease_ends_by_the_databases_clock(db_url):
    database = MovedClock(REPLICA_TIME)
    behind, ahead = replicas(db_url, database)
    dead = ahead.claim_event("Ev2", "C1:2.0")  # and the replica dies before answering
    database.advance(60)
    assert behind.claim_event("Ev2", "C1:2.0") is None
    database.advance(240)  # before: the claim, six minutes ahead, still looked fresh; the answer was lost
    taken = behind.claim_event("Ev2", "C1:2.0")
    assert taken is not None and taken.taken_over  # it looks for an answer already posted before posting
    assert ahead.hold_event(dead, 10) is False  # the first replica, back, does not answer it too
    assert ahead.claim_event("Ev2", "C1:2.0") is None


def test_a_claim_held_while_its_answer_waits_on_slack_is_not_taken_over(db_url):
    database = MovedClock(REPLICA_TIME)
    answering, other = replicas(db_url, database)
    claim = answering.claim_event("Ev3", "C1:3.0")
    database.advance(90)
    assert answering.hold_event(claim, 10) is True  # within a minute of the lease's end: claimed anew
    database.advance(60)  # past the first lease
    assert other.claim_event("Ev3", "C1:3.0") is None
    assert answering.hold_event(claim, 10) is True


def test_a_claim_given_back_is_taken_over_at_once_by_slacks_retry(db_url):
    database = MovedClock(REPLICA_TIME)
    first, second = replicas(db_url, database)
    first.release_event(first.claim_event("Ev4", "C1:4.0"))  # its answer did not get through
    taken = second.claim_event("Ev4", "C1:4.0")
    assert taken is not None and taken.taken_over
