"""Ingestion: minutes file → meeting, speakers, aliases and remarks, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from bot.core.minutes import ParsedMinutes, decode_minutes, parse_minutes
from bot.core.speakers import AliasTable, speaker_aliases, split_label
from bot.core.text import normalize
from storage import queries, search_index
from storage.models import Meeting, Speaker


@dataclass(frozen=True)
class IngestResult:
    status: Literal["added", "replaced", "unchanged"]
    meeting_id: int
    title: str
    date: str | None
    speakers: int
    remarks: int


def ingest_minutes(session: Session, data: bytes, source_name: str, table: AliasTable) -> IngestResult:
    """Store one minutes file. Raises MinutesError, before writing anything, when it cannot be read.

    The same meeting (title and date) ingested again with the same text changes nothing;
    with another text its remarks are replaced."""
    text = decode_minutes(data)
    minutes = parse_minutes(text)
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        result = _store(session, minutes, source_name, content_hash, table)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _store(session: Session, minutes: ParsedMinutes, source_name: str, content_hash: str, table: AliasTable) -> IngestResult:
    """Write one meeting; the caller commits or rolls back, so it lands whole or not at all."""
    meeting = queries.find_meeting(session, minutes.title, minutes.date)
    if meeting is not None and meeting.content_hash == content_hash:
        return _result("unchanged", meeting, minutes)
    status: Literal["added", "replaced"] = "replaced" if meeting else "added"
    if meeting is None:
        meeting = Meeting(title=minutes.title, date=minutes.date, source_name=source_name, content_hash=content_hash)
    else:
        search_index.unindex_remarks(session, queries.index_entries_of_meeting(session, meeting.id))
        queries.delete_remarks_of(session, meeting.id)
    meeting.start_time, meeting.end_time = minutes.start_time, minutes.end_time
    meeting.place = minutes.place
    meeting.attendees, meeting.agenda = list(minutes.attendees), list(minutes.agenda)
    meeting.source_name, meeting.content_hash = source_name, content_hash
    session.add(meeting)
    session.flush()
    speakers: dict[str, Speaker] = {}
    new_speakers: list[Speaker] = []
    for label in dict.fromkeys(r.speaker for r in minutes.remarks):
        organisation, role = split_label(label)
        speakers[label], created = queries.get_or_create_speaker(session, label, organisation, role)
        if created:
            new_speakers.append(speakers[label])
    rows = [
        {
            "meeting_id": meeting.id,
            "speaker_id": speakers[remark.speaker].id,
            "position": position,
            "text": remark.text,
            "normalized_text": normalize(remark.text),
        }
        for position, remark in enumerate(minutes.remarks, start=1)
    ]
    ids = queries.add_remarks(session, rows)
    search_index.index_remarks(session, [(i, r["speaker_id"], r["normalized_text"]) for i, r in zip(ids, rows)])
    refresh_aliases(session, table, new_speakers)
    return _result(status, meeting, minutes)


def refresh_aliases(session: Session, table: AliasTable, speakers: list[Speaker]) -> None:
    """Derive the speakers' aliases afresh from their labels and the alias table."""
    for speaker in speakers:
        queries.replace_aliases(session, speaker.id, speaker_aliases(speaker.label, speaker.organisation, table))


def _result(status, meeting: Meeting, minutes: ParsedMinutes) -> IngestResult:
    return IngestResult(
        status=status,
        meeting_id=meeting.id,
        title=meeting.title,
        date=meeting.date.isoformat() if meeting.date else None,
        speakers=len({r.speaker for r in minutes.remarks}),
        remarks=len(minutes.remarks),
    )
