"""The Slack app's small state in the database: asked questions and handled events are not kept forever."""

import datetime

from sqlmodel import Session

from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.services.remarks import ASKED_QUESTIONS_KEPT, RemarksService
from storage.models import AskedQuestion
from tests.archive_minutes import MEETINGS


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
    assert service.claim_event("Ev1", "C1:1.0") is True
    assert service.claim_event("Ev1", "C1:1.0") is False
    assert service.claim_event("Ev2", "C1:1.0") is False  # the same message by another subscription


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
