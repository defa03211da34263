"""The stored concepts: meetings, speakers and their aliases, remarks. One model per concept."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
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


class Speaker(SQLModel, table=True):
    """A speaker as the minutes label them (苫前町長, 留萌商工会議所 会頭)."""

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(unique=True)
    organisation: str
    role: str


class SpeakerAlias(SQLModel, table=True):
    """Another name of a speaker, normalised (苫前, とままえ, tomamae, the mayor's town in English)."""

    __table_args__ = (UniqueConstraint("speaker_id", "alias", name="uq_speaker_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speaker.id", index=True, ondelete="CASCADE")
    alias: str


class Remark(SQLModel, table=True):
    """What one speaker said, in order within a meeting; `normalized_text` is what search reads."""

    __table_args__ = (UniqueConstraint("meeting_id", "position", name="uq_remark_position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    speaker_id: int = Field(foreign_key="speaker.id", index=True)
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


class SeenRequest(SQLModel, table=True):
    """A signed request from Slack already taken, by its timestamp and signature: the same request sent
    again (replayed by someone who recorded it) is not executed twice, whichever replica gets it. Slack's
    signature counts as fresh for five minutes either side of its timestamp; after that it is refused anyway."""

    slack_timestamp: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    signature: str = Field(primary_key=True, max_length=100)
