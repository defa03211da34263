"""Answering, and the lists of meetings and speakers, over one database, for the CLI and the Slack app alike;
with the small state the Slack app keeps there (questions behind buttons, events taken on), which
expires by the service's clock. Claims on events are leases every replica shares: they follow the
database's clock, whatever each replica's machine says. Knows nothing of Slack."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.answers import Answer, AskFilters, answer_question, meeting_json
from bot.clock import HOLD_MARGIN, SYSTEM_CLOCK, Clock, DatabaseClock
from bot.core.speakers import AliasTable
from bot.core.topics import Glossary
from storage import queries
from storage.engine import database_works, get_engine

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from bot.core.minutes import MinutesError
    from bot.ingest import IngestResult

# Slack retries an event for about an hour at most; remembering a day of them is plenty.
HANDLED_EVENTS_KEPT = datetime.timedelta(days=1)
# An event claimed this long ago and still not answered lost its replica (killed while answering, say):
# Slack's next retry of it (they come after about 1 and 5 minutes) takes it over.
CLAIM_LEASE = datetime.timedelta(minutes=2)
# Slack's signature counts as fresh five minutes either side of its timestamp: twice that, for replicas
# whose clocks differ, is how long a signed request is remembered.
SEEN_REQUESTS_KEPT = datetime.timedelta(minutes=10)
# An answer's "More" and "Share" buttons work this long; after it they say to ask again.
ASKED_QUESTIONS_KEPT = datetime.timedelta(days=30)


@dataclass
class EventClaim:
    """This replica's claim on a Slack event, from `claimed_at` (the database's time) for CLAIM_LEASE."""

    event_id: str
    claimed_at: datetime.datetime
    taken_over: bool  # claimed before, by a replica that may have posted the answer before it was lost


@dataclass(frozen=True)
class MeetingSummary:
    title: str
    date: datetime.date | None
    speakers: int
    remarks: int
    id: int | None = None


@dataclass(frozen=True)
class SpeakerSummary:
    label: str
    aliases: tuple[str, ...]  # its other names
    id: int | None = None
    organisation: str = ""
    role: str = ""
    stored_aliases: tuple[str, ...] = ()  # every stored alias, the label's own included


class RemarksService:
    """The answering core over one database, plus the small state the Slack app keeps there."""

    def __init__(
        self,
        database_url: str,
        table: AliasTable,
        glossary: Glossary,
        admins: frozenset[str],
        clock: Clock = SYSTEM_CLOCK,
        secretariat_channel: str = "",
        database_clock: Clock | None = None,
    ):
        self.engine = get_engine(database_url)
        # Where the review of follow-ups found in imported minutes also goes ("": only to the importer).
        self.secretariat_channel = secretariat_channel
        self.clock = clock
        # Claims on events: the database's time, unless a clock is given (tests, a run at a set time).
        self.database_clock = database_clock or (DatabaseClock(self.engine) if clock is SYSTEM_CLOCK else clock)
        self.table = table
        self.glossary = glossary
        self.admins = admins

    def answer(self, question: str, filters: AskFilters | None = None) -> Answer:
        with Session(self.engine) as session:
            return answer_question(session, question, self.table, self.glossary, filters or AskFilters())

    def remember_question(self, question: str) -> str:
        """Store a question for its "More" and "Share" buttons; returns the key the buttons carry."""
        key = secrets.token_urlsafe(9)
        with Session(self.engine) as session:
            now = self.clock.now()
            queries.forget_asked_questions(session, now - ASKED_QUESTIONS_KEPT)
            queries.add_asked_question(session, key, question, now, queries.newest_remark_id(session))
            session.commit()
        return key

    def recall_question(self, key: str) -> str | None:
        with Session(self.engine) as session:
            asked = queries.find_asked_question(session, key)
            return asked.question if asked else None

    def answer_asked(self, key: str) -> Answer | None:
        """The answer to a stored question from the remarks there were when it was asked (so that its pages
        stay the same when new minutes arrive); None when it is forgotten."""
        with Session(self.engine) as session:
            asked = queries.find_asked_question(session, key)
            if asked is None:
                return None
            filters = AskFilters(newest_remark_id=asked.newest_remark_id)
            return answer_question(session, asked.question, self.table, self.glossary, filters)

    def claim_event(self, event_id: str, message_key: str | None) -> EventClaim | None:
        """Take an event on: the first time it (or the message it is about) is seen, or when its earlier claim
        was given back or went unanswered past CLAIM_LEASE (its replica died, say); None otherwise, the event
        being answered or answered already."""
        with Session(self.engine) as session:
            now = self.database_clock.now()
            queries.forget_handled_events(session, now - HANDLED_EVENTS_KEPT)
            if queries.add_handled_event(session, event_id, message_key, now):
                session.commit()
                return EventClaim(event_id, now, taken_over=False)
            if queries.take_over_stale_claim(session, event_id, now - CLAIM_LEASE, now):
                session.commit()
                return EventClaim(event_id, now, taken_over=True)
        return None

    def hold_event(self, claim: EventClaim, seconds: float) -> bool:
        """Keep a claim while its answer waits `seconds` on Slack: when less than that and HOLD_MARGIN is left
        of its lease, it is claimed anew now. False when another replica has taken the event over."""
        now = self.database_clock.now()
        if claim.claimed_at + CLAIM_LEASE >= now + datetime.timedelta(seconds=seconds) + HOLD_MARGIN:
            return True
        with Session(self.engine) as session:
            if not queries.renew_event_claim(session, claim.event_id, claim.claimed_at, now):
                return False
            session.commit()
        claim.claimed_at = now
        return True

    def finish_event(self, event_id: str) -> None:
        """Mark a claimed event handled for good: its answer was posted, or failed in a way retrying will not mend."""
        with Session(self.engine) as session:
            queries.mark_event_answered(session, event_id, self.database_clock.now())
            session.commit()

    def release_event(self, claim: EventClaim) -> None:
        """End the claim of an event whose answer did not get through, so that Slack's retry of it takes it
        over (and, its answer maybe posted after all, looks for it before posting)."""
        with Session(self.engine) as session:
            ended = self.database_clock.now() - CLAIM_LEASE
            queries.renew_event_claim(session, claim.event_id, claim.claimed_at, ended)
            session.commit()

    def first_sight_of_request(self, slack_timestamp: int, signature: str) -> bool:
        """True the first time a signed request (its timestamp and signature) is seen, False ever after."""
        with Session(self.engine) as session:
            forget_before = int((self.clock.now() - SEEN_REQUESTS_KEPT).timestamp())
            queries.forget_seen_requests(session, forget_before)
            if not queries.add_seen_request(session, slack_timestamp, signature):
                return False
            session.commit()
        return True

    def ingest(self, data: bytes, source_name: str) -> IngestResult:
        """Raises MinutesError with a one-line reason when the file is not minutes."""
        from bot.ingest import ingest_minutes, merge_index_segments  # the minutes' parsers load only to ingest

        with Session(self.engine) as session:
            result = ingest_minutes(session, data, source_name, self.table, self.clock)
            merge_index_segments(session)
            return result

    def ingest_files(self, paths: Sequence[Path]) -> Iterator[IngestResult | MinutesError | OSError]:
        """Each file stored, in order, or why it could not be read (see bot.ingest.ingest_files)."""
        from bot.ingest import ingest_files

        with Session(self.engine) as session:
            yield from ingest_files(session, paths, self.table, self.clock)

    def meetings(self) -> list[MeetingSummary]:
        """Every meeting, newest first."""
        with Session(self.engine) as session:
            return [MeetingSummary(m.title, m.date, s, r, m.id) for m, s, r in queries.meetings_with_counts(session)]

    def meeting(self, meeting_id: int) -> dict | None:
        """One meeting's stored fields (as in answers' JSON) and its speaker and remark counts; None when unknown."""
        with Session(self.engine) as session:
            found = [(m, s, r) for m, s, r in queries.meetings_with_counts(session) if m.id == meeting_id]
            if not found:
                return None
            meeting, speakers, remarks = found[0]
            return {**meeting_json(meeting), "speakers": speakers, "remarks": remarks}

    def speakers(self) -> list[SpeakerSummary]:
        with Session(self.engine) as session:
            aliases = queries.aliases_by_speaker(session)
            return [
                SpeakerSummary(
                    s.label,
                    tuple(a for a in aliases.get(s.id or 0, []) if a != s.label),
                    s.id,
                    s.organisation,
                    s.role,
                    tuple(aliases.get(s.id or 0, [])),
                )
                for s in queries.all_speakers(session)
            ]

    def refresh_aliases(self) -> None:
        """Re-derive every speaker's aliases from the alias table (after editing aliases.toml)."""
        from bot.ingest import refresh_aliases

        with Session(self.engine) as session:
            refresh_aliases(session, self.table, list(queries.all_speakers(session)))
            session.commit()

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def database_works(self) -> bool:
        return database_works(self.engine)
