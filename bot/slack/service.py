"""What the Slack listeners need from the core and the database, as plain functions that know nothing of Slack."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from bot.answers import Answer, answer_question
from bot.core.speakers import AliasTable
from bot.core.topics import Glossary
from bot.followups.scheduler import ReminderScheduler
from bot.ingest import IngestResult, ingest_minutes
from storage import queries
from storage.engine import get_engine

# Slack retries an event for about an hour at most; remembering a day of them is plenty.
HANDLED_EVENTS_KEPT = datetime.timedelta(days=1)
# An event claimed this long ago and still not answered lost its replica (killed while answering, say):
# Slack's next retry of it (they come after about 1 and 5 minutes) takes it over.
CLAIM_LEASE = datetime.timedelta(minutes=2)
# An answer's "More" and "Share" buttons work this long; after it they say to ask again.
ASKED_QUESTIONS_KEPT = datetime.timedelta(days=30)
# Slack's signature counts as fresh five minutes either side of its timestamp: twice that, for replicas
# whose clocks differ, is how long a signed request is remembered.
SEEN_REQUESTS_KEPT = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class MeetingSummary:
    title: str
    date: datetime.date | None
    speakers: int
    remarks: int


@dataclass(frozen=True)
class SpeakerSummary:
    label: str
    aliases: tuple[str, ...]


class RemarksService:
    """The answering core over one database, plus the small state the Slack app keeps there."""

    def __init__(self, database_url: str, table: AliasTable, glossary: Glossary, admins: frozenset[str]):
        self.engine = get_engine(database_url)
        self.table = table
        self.glossary = glossary
        self.admins = admins

    def answer(self, question: str) -> Answer:
        with Session(self.engine) as session:
            return answer_question(session, question, self.table, self.glossary)

    def remember_question(self, question: str) -> str:
        """Store a question for its "More" and "Share" buttons; returns the key the buttons carry."""
        key = secrets.token_urlsafe(9)
        with Session(self.engine) as session:
            queries.forget_asked_questions(session, datetime.datetime.now(datetime.UTC) - ASKED_QUESTIONS_KEPT)
            queries.add_asked_question(session, key, question)
            session.commit()
        return key

    def recall_question(self, key: str) -> str | None:
        with Session(self.engine) as session:
            asked = queries.find_asked_question(session, key)
            return asked.question if asked else None

    def claim_event(self, event_id: str, message_key: str | None) -> bool:
        """True the first time an event (and the message it is about) is seen, False ever after."""
        forget_before = datetime.datetime.now(datetime.UTC) - HANDLED_EVENTS_KEPT
        return self._recorded_first(lambda session: queries.forget_handled_events(session, forget_before),
                                    lambda session: queries.add_handled_event(session, event_id, message_key))

    def first_sight_of_request(self, slack_timestamp: int, signature: str) -> bool:
        """True the first time a signed request (its timestamp and signature) is seen, False ever after."""
        forget_before = int((datetime.datetime.now(datetime.UTC) - SEEN_REQUESTS_KEPT).timestamp())
        return self._recorded_first(lambda session: queries.forget_seen_requests(session, forget_before),
                                    lambda session: queries.add_seen_request(session, slack_timestamp, signature))

    def _recorded_first(self, forget_old: Callable[[Session], None], add: Callable[[Session], None]) -> bool:
        """Forget the records too old to matter, then add one: False when the database has it already."""
        with Session(self.engine) as session:
            forget_old(session)
            try:
                add(session)
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True

    def take_over_event(self, event_id: str) -> bool:
        """True when an event about a message was claimed but not answered within CLAIM_LEASE: it is claimed
        anew, here."""
        now = datetime.datetime.now(datetime.UTC)
        with Session(self.engine) as session:
            taken = queries.take_over_stale_claim(session, event_id, now - CLAIM_LEASE, now)
            session.commit()
        return taken

    def finish_event(self, event_id: str) -> None:
        """Mark a claimed event handled for good: its answer was posted, or failed in a way retrying will not mend."""
        with Session(self.engine) as session:
            queries.mark_event_answered(session, event_id, datetime.datetime.now(datetime.UTC))
            session.commit()

    def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose answer did not get through, so that Slack's retry of it is answered."""
        with Session(self.engine) as session:
            queries.forget_handled_event(session, event_id)
            session.commit()

    def ingest(self, data: bytes, source_name: str) -> IngestResult:
        """Raises MinutesError with a one-line reason when the file is not minutes."""
        with Session(self.engine) as session:
            return ingest_minutes(session, data, source_name, self.table)

    def meetings(self) -> list[MeetingSummary]:
        with Session(self.engine) as session:
            return [MeetingSummary(m.title, m.date, s, r) for m, s, r in queries.meetings_with_counts(session)]

    def speakers(self) -> list[SpeakerSummary]:
        with Session(self.engine) as session:
            aliases = queries.aliases_by_speaker(session)
            return [
                SpeakerSummary(s.label, tuple(a for a in aliases.get(s.id, []) if a != s.label))
                for s in queries.all_speakers(session)
            ]

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def database_works(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True


@dataclass(frozen=True)
class Followups:
    """What the follow-up listeners need: the database, the bot's time zone, and the reminder scheduler
    of this process, told of every change so that a new reminder gets its job at once."""

    engine: Engine
    tz: ZoneInfo
    scheduler: ReminderScheduler

    def session(self) -> Session:
        return Session(self.engine)

    def rules_changed(self) -> None:
        self.scheduler.sync()
