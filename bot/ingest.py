"""Ingestion: minutes file → meeting, speakers, aliases and remarks, in one transaction."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from sqlmodel import Session

from bot.core.documents import document_text
from bot.core.labels import LabelParts, default_label_words
from bot.core.minutes import MinutesError, ParsedMinutes, parse_minutes
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
    text, minutes = read_minutes_file(data, source_name)
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        result = _store(session, minutes, source_name, content_hash, table)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


# A council meeting has tens of speakers; a file naming thousands is not minutes, and each new speaker costs
# a few milliseconds of alias derivation while the database is written.
MAX_SPEAKERS_PER_MEETING = 500


def read_minutes_file(data: bytes, source_name: str) -> tuple[str, ParsedMinutes]:
    """The text and the parsed minutes of a file (text, PDF or .docx); a file without a title is named after
    itself. Writes nothing: `ingest --dry-run` shows this."""
    text = document_text(data)
    minutes = parse_minutes(text)
    speakers = len({remark.speaker for remark in minutes.remarks})
    if speakers > MAX_SPEAKERS_PER_MEETING:
        raise MinutesError(
            f"{speakers} different speakers in one meeting, more than minutes have "
            f"({MAX_SPEAKERS_PER_MEETING} at most): is this a list of names rather than minutes of one meeting?"
        )
    if not minutes.title:
        minutes = dataclasses.replace(minutes, title=PurePath(source_name).stem or source_name)
    return text, minutes


def speakers_of(minutes: ParsedMinutes, table: AliasTable) -> dict[str, LabelParts]:
    """Each speaker label of the minutes, in order of first remark, with its organisation, role and name."""
    return {label: split_label(label, table) for label in dict.fromkeys(r.speaker for r in minutes.remarks)}


def _store(
    session: Session, minutes: ParsedMinutes, source_name: str, content_hash: str, table: AliasTable
) -> IngestResult:
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
    for label, parts in speakers_of(minutes, table).items():
        speakers[label], created = queries.get_or_create_speaker(session, label, *parts)
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
    session.flush()
    # Another chair speaking at this meeting changes who "the chairman" is.
    chairs = [s for s in speakers.values() if s.role in default_label_words().chairs and s not in new_speakers]
    refresh_aliases(session, table, new_speakers + chairs)
    return _result(status, meeting, minutes)


def refresh_aliases(session: Session, table: AliasTable, speakers: list[Speaker]) -> None:
    """Derive the speakers' aliases afresh from their labels, their meetings and the alias table."""
    sole_chairs = _sole_chairs(session, speakers)
    for speaker in speakers:
        aliases = speaker_aliases(
            speaker.label,
            speaker.organisation,
            table,
            role=speaker.role,
            name=speaker.name,
            sole_chair=speaker.id in sole_chairs,
        )
        queries.replace_aliases(session, speaker.id, aliases)


def _sole_chairs(session: Session, speakers: list[Speaker]) -> set[int]:
    """Those of `speakers` who chair (委員長, 議長, 会長 …) every meeting they speak at with no other chair
    speaking: "the chairman" names them."""
    chairs = {s.id for s in queries.all_speakers(session) if s.role in default_label_words().chairs}
    asked = chairs & {s.id for s in speakers}
    sole: dict[int, bool] = {}
    for speaker_ids in (queries.speaker_ids_by_meeting(session, sorted(asked)) if asked else {}).values():
        meeting_chairs = speaker_ids & chairs
        for speaker_id in meeting_chairs & asked:
            sole[speaker_id] = sole.get(speaker_id, True) and len(meeting_chairs) == 1
    return {speaker_id for speaker_id, alone in sole.items() if alone}


def _result(status, meeting: Meeting, minutes: ParsedMinutes) -> IngestResult:
    return IngestResult(
        status=status,
        meeting_id=meeting.id,
        title=meeting.title,
        date=meeting.date.isoformat() if meeting.date else None,
        speakers=len({r.speaker for r in minutes.remarks}),
        remarks=len(minutes.remarks),
    )
