"""The stored concepts, every table of the schema: meetings, speakers and their aliases, remarks, the Slack
app's small state, follow-ups with their reminder rules, deliveries and digests. One model per concept.
Every time is stored in UTC."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Meeting(SQLModel, table=True):
    """One meeting's minutes. A meeting is known by its title and date: re-ingesting it replaces it."""

    __table_args__ = (UniqueConstraint("title", "date", name="uq_meeting_title_date"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str
    date: datetime.date | None = Field(default=None, index=True)
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    place: str | None = None
    attendees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agenda: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_name: str
    content_hash: str = Field(index=True)
    ingested_at: datetime.datetime = Field(default_factory=utcnow)
    # Of its remarks, set by the import that stores them (revision 0013): how many, and their lowest and highest
    # id. A date's meetings count and bound a question's remarks without reading thousands of them.
    remark_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    first_remark_id: int | None = None
    last_remark_id: int | None = None


class Speaker(SQLModel, table=True):
    """A speaker as the minutes label them (苫前町長, 留萌商工会議所 会頭, 委員長(伊藤成一君)), and the label's parts:
    organisation (留萌商工会議所), role (会頭, 委員長) and name (伊藤成一), each "" when the label has none."""

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(unique=True)
    organisation: str
    role: str
    name: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # How many remarks they made, kept by each import's switch (revision 0013): the mayors' count without reading
    # their tens of thousands of remarks.
    remark_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SpeakerAlias(SQLModel, table=True):
    """Another name of a speaker, normalised (苫前, とままえ, tomamae, the mayor's town in English)."""

    __table_args__ = (UniqueConstraint("speaker_id", "alias", name="uq_speaker_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speaker.id", index=True, ondelete="CASCADE")
    alias: str


class Remark(SQLModel, table=True):
    """What one speaker said, in order within a meeting; `normalized_text` is what search reads."""

    __table_args__ = (
        UniqueConstraint("meeting_id", "position", name="uq_remark_position"),
        # A speaker's remarks by meeting and in order, from the index alone: which, how many, the newest.
        Index("ix_remark_speaker_meeting", "speaker_id", "meeting_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    speaker_id: int = Field(foreign_key="speaker.id")
    position: int
    text: str
    normalized_text: str


class HandledEvent(SQLModel, table=True):
    """A Slack event the bot has taken on. Slack retries events it thinks were lost, and one message
    that mentions the bot in a DM arrives twice (app_mention and message.im): both are answered once."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True)
    message_key: str | None = Field(default=None, unique=True)  # "channel:ts" of the message answered
    handled_at: datetime.datetime = Field(default_factory=utcnow, index=True)  # claimed (or taken over)
    answered_at: datetime.datetime | None = None  # the answer posted, or failed for good


class AskedQuestion(SQLModel, table=True):
    """A question answered in Slack, kept so that any replica can show its further pages or share it:
    a button carries only this short key and a page number."""

    key: str = Field(primary_key=True, max_length=32)
    question: str
    asked_at: datetime.datetime = Field(default_factory=utcnow, index=True)
    # The newest remark when it was asked: later pages answer from the same remarks as the first.
    newest_remark_id: int | None = None


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime in and out. SQLite keeps no offset and returns naive values: they are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        value = value.astimezone(datetime.UTC)
        # SQLite compares these as text: one offset-free format keeps the comparisons and the unique key right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime.datetime | None, dialect: Dialect):
        if value is None:
            return None
        return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value.astimezone(datetime.UTC)


def _utc_field(*, index: bool = False, nullable: bool = True, default_now: bool = False):
    column = Column(UTCDateTime(), index=index, nullable=nullable)
    return Field(default_factory=utcnow, sa_column=column) if default_now else Field(default=None, sa_column=column)


OPEN, DONE, CANCELLED = "open", "done", "cancelled"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
ONCE = "once"


class FollowUp(SQLModel, table=True):
    """An action someone agreed to take, maybe from a remark in the minutes."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    # The source is kept as text too: re-ingesting minutes replaces their remarks, and the link with them.
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL")
    remark_id: int | None = Field(default=None, foreign_key="remark.id", ondelete="SET NULL")
    source_meeting: str | None = None  # "title (date)"
    source_remark: str | None = None  # "speaker: text"
    owners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # Slack user IDs
    channel_id: str = Field(index=True)
    due_at: datetime.datetime | None = _utc_field()
    status: str = Field(default=OPEN, index=True)
    created_by: str
    closed_by: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)
    updated_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class ReminderRule(SQLModel, table=True):
    """When to remind of a follow-up: once, or daily, weekdays, weekly on days, monthly on a day, at HH:MM
    in a time zone. `next_fire_at` is the next reminder due; None once the rule has nothing left to do."""

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(foreign_key="followup.id", index=True, ondelete="CASCADE")
    kind: str  # once, daily, weekdays, weekly, monthly
    at_time: str  # "HH:MM", wall clock in `timezone`
    weekdays: str = ""  # "0,3" (Monday is 0) for weekly
    month_day: int | None = None
    timezone: str
    next_fire_at: datetime.datetime | None = _utc_field(index=True)
    active: bool = Field(default=True, index=True)
    stopped_reason: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class Delivery(SQLModel, table=True):
    """One reminder post. `claimed_until`: while `sending`, the lease of the process posting it; while
    `pending`, when to retry. After it, another process may take the delivery over."""

    __table_args__ = (UniqueConstraint("rule_id", "scheduled_at", name="uq_delivery_rule_time"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="reminderrule.id", index=True, ondelete="CASCADE")
    scheduled_at: datetime.datetime = _utc_field(index=True, nullable=False)  # indexed: "any ahead of now?"
    state: str = Field(default=SENDING, index=True)
    attempts: int = 1
    last_error: str | None = None
    claimed_until: datetime.datetime | None = _utc_field()
    channel_id: str | None = None
    ts: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)
    updated_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class DigestPost(SQLModel, table=True):
    """One channel's weekly digest, claimed like a delivery: unique on (channel, scheduled time), and
    `claimed_until` the lease (while `sending`) or the retry time (while `pending`)."""

    __table_args__ = (UniqueConstraint("channel_id", "scheduled_at", name="uq_digest_channel_time"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str
    scheduled_at: datetime.datetime = _utc_field(nullable=False)
    state: str = Field(default=SENDING)
    last_error: str | None = None
    ts: str | None = None
    attempts: int = 1
    claimed_until: datetime.datetime | None = _utc_field()


class SeenRequest(SQLModel, table=True):
    """A signed request from Slack already taken, by its timestamp and signature: the same request sent
    again (replayed by someone who recorded it) is not executed twice, whichever replica gets it. Slack's
    signature counts as fresh for five minutes either side of its timestamp; after that it is refused anyway."""

    slack_timestamp: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    signature: str = Field(primary_key=True, max_length=100)


class MemberLink(SQLModel, table=True):
    """A Slack member who acts for a speaker or an organisation as the minutes name them (苫前町長, 苫前町):
    a follow-up owed by that name is theirs."""

    __table_args__ = (UniqueConstraint("name", "user_id", name="uq_member_link"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    user_id: str


class FollowupReview(SQLModel, table=True):
    """The review of a meeting's proposed follow-ups, sent once after its import: inserting the row claims
    the sending, so a re-import or a second replica sends nothing."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True, ondelete="CASCADE")
    requested_by: str
    sent_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class FollowupOwnerName(SQLModel, table=True):
    """The speaker or organisation a follow-up tracked from the minutes is owed by (苫前町, 北海道): members
    linked to it later see it as theirs too."""

    followup_id: int = Field(primary_key=True, foreign_key="followup.id", ondelete="CASCADE")
    name: str = Field(index=True)


class ArchiveRevision(SQLModel, table=True):
    """One row counting the changes to the archive: every import switching a meeting in adds one. What the bot
    keeps of the archive between questions (which words occur in it, meetings' facts) is good while it holds."""

    id: int = Field(primary_key=True)
    revision: int


class StagedImport(SQLModel, table=True):
    """A minutes file being imported: its rows are written here in short transactions, then switched into
    `speaker`, `speakeralias`, `remark` and the search index in one (bot.ingest). No read looks here, so rows
    left by an import that died are invisible; the next import of the same meeting, or any a day later,
    deletes them."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    date: datetime.date | None = None
    staged_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


def _staged_import_field():
    # No foreign key: the switch deletes the import's row before its rows.
    return Field(index=True)


class StagedSpeaker(SQLModel, table=True):
    """A speaker of the meeting being imported, created at the switch unless known by then; `refresh_aliases`:
    its aliases are replaced by the staged ones."""

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = _staged_import_field()
    label: str
    organisation: str
    role: str
    name: str
    refresh_aliases: bool


class StagedAlias(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    import_id: int = _staged_import_field()
    label: str  # of the speaker
    alias: str


class StagedRemark(SQLModel, table=True):
    """A remark of the meeting being imported, with its search tokens (storage.search_index) but the speaker's."""

    __table_args__ = (UniqueConstraint("import_id", "position", name="uq_staged_remark_position"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: int  # indexed by the unique key
    position: int
    speaker_label: str
    text: str
    normalized_text: str
    tokens: str


class StagedUnindex(SQLModel, table=True):
    """SQLite: a remark of the meeting's previous version with the tokens it is indexed by, which its contentless
    index needs again to delete it."""

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = _staged_import_field()
    remark_id: int
    tokens: str


# Imports in progress, not data: `export` leaves them out (an import that dies leaves rows no one reads).
STAGING_TABLES = frozenset(
    model.__tablename__ for model in (StagedImport, StagedSpeaker, StagedAlias, StagedRemark, StagedUnindex)
)
