"""Ingestion: minutes file → meeting, speakers, aliases and remarks, staged in short transactions and switched in
at once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from sqlmodel import Session

from bot.clock import SYSTEM_CLOCK, Clock
from bot.core.labels import default_label_words
from bot.core.minutes import MinutesError, ParsedMinutes
from bot.core.speakers import AliasTable, speaker_aliases
from bot.minutes_files import ReadMinutes, read_files, read_for_storing
from storage import queries, search_index
from storage.models import Speaker, StagedAlias, StagedRemark, StagedSpeaker, StagedUnindex
from storage.queries import StagedRows

T = TypeVar("T")


@dataclass(frozen=True)
class IngestResult:
    status: Literal["added", "replaced", "unchanged"]
    meeting_id: int
    title: str
    date: str | None
    speakers: int
    remarks: int


def ingest_minutes(
    session: Session, data: bytes, source_name: str, table: AliasTable, clock: Clock = SYSTEM_CLOCK
) -> IngestResult:
    """Store one minutes file. Raises MinutesError, before writing anything, when it cannot be read.

    The same meeting (title and date) ingested again with the same text changes nothing; with another text its
    remarks are replaced. The meeting is prepared first, outside any transaction that writes; its rows are then
    staged in transactions of at most INGEST_BATCH rows, and switched in by one transaction of a few set-based
    statements: other writers get their turn between them, and readers see the meeting as it was or as it is
    now, whole. `clock` (the caller's) dates the staging: rows an import that died left a day before are
    deleted by the next import."""
    return _store(session, read_for_storing(data, source_name, table), source_name, table, clock)


def ingest_files(
    session: Session, paths: Sequence[Path], table: AliasTable, clock: Clock = SYSTEM_CLOCK
) -> Iterator[IngestResult | MinutesError | OSError]:
    """Store minutes files in order, as `ingest_minutes` does one by one: each file's result, or why it could not
    be read (nothing of it written). With many files, other processes read and parse the next ones while this
    one writes."""
    for path, read in zip(paths, read_files(paths, table), strict=True):
        yield read if isinstance(read, Exception) else _store(session, read, path.name, table, clock)
    merge_index_segments(session)


def merge_index_segments(session: Session) -> int:
    """After an import: an index left in more than MAX_INDEX_SEGMENTS segments is merged into one, MERGE_PAGES
    pages a transaction, so that readers and writers wait at most one of them (about 50 ms). How many
    transactions it took (0: the index was left as it was)."""
    if search_index.index_segments(session) <= MAX_INDEX_SEGMENTS:
        return 0
    steps = 0
    while search_index.merge_segments(session, MERGE_PAGES, start=steps == 0):
        session.commit()
        steps += 1
    session.commit()
    return steps


def _store(session: Session, read: ReadMinutes, source_name: str, table: AliasTable, clock: Clock) -> IngestResult:
    minutes = read.minutes
    now = clock.now()
    try:
        for _ in range(SWITCH_ATTEMPTS):
            previous = queries.meeting_version(session, minutes.title, minutes.date)
            if previous is not None and previous.content_hash == read.content_hash:
                return _result("unchanged", previous.id, minutes)
            _delete_staged(
                session, queries.staged_imports_to_delete(session, minutes.title, minutes.date, now - STAGED_KEPT)
            )
            prepared = _prepare(session, read, table, previous)
            import_id = queries.add_staged_import(session, minutes.title, minutes.date, now)
            session.commit()
            if _stage(session, import_id, prepared):
                meeting_id = _switch(session, import_id, prepared, source_name, read.content_hash, now)
                if meeting_id is not None:
                    return _result("replaced" if previous else "added", meeting_id, minutes)
            _delete_staged(session, [import_id])
    except BaseException:
        session.rollback()
        raise
    raise IngestConflict(f"{source_name}: other imports of this meeting kept changing it: import it again")


class IngestConflict(RuntimeError):
    """Other imports of the same meeting switched it in, or deleted this import's staged rows, every time."""


INGEST_BATCH = 1000  # rows written (or deleted) per transaction while an import is staged
# Imports of one meeting running at once: each tries again after another switched it in first.
SWITCH_ATTEMPTS = 3
MAX_INDEX_SEGMENTS = 4  # SQLite: see `merge_index_segments` (an import adds one segment, FTS5 merges four)
MERGE_PAGES = 250  # index pages merged per transaction: about 50 ms on this machine
STAGED_KEPT = datetime.timedelta(days=1)  # an import takes seconds: staged rows this old were left by one that died


@dataclass(frozen=True)
class _Prepared:
    """A meeting ready to stage: every row, computed before any write."""

    minutes: ParsedMinutes
    previous: queries.MeetingVersion | None
    rows: tuple[tuple[StagedRows, list[dict]], ...]  # by kind of staged row

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """What the switch stores of them: (index rows removed, aliases, remarks, index rows added)."""
        sizes = {model: len(rows) for model, rows in self.rows}
        remarks = sizes[StagedRemark]
        return sizes[StagedUnindex], sizes[StagedAlias], remarks, remarks


def _prepare(
    session: Session, read: ReadMinutes, table: AliasTable, previous: queries.MeetingVersion | None
) -> _Prepared:
    """The rows to stage: the meeting's speakers, the aliases of those whose aliases can change (the new ones and
    the meeting's chairs), its remarks with their search tokens and, on SQLite, the tokens of the remarks it
    replaces. Reads only."""
    labels = read.labels
    stored = queries.speakers_by_labels(session, list(labels))
    parts = {label: stored.get(label) or split for label, split in labels.items()}
    chairs = [label for label, p in parts.items() if p.role in default_label_words().chairs]
    refreshed = [label for label in labels if label not in stored or label in chairs]
    # A meeting's only chair gets a chair's English names (the chairman); whether they chair other meetings
    # beside another chair is not looked at here, but by `speakers --refresh` (refresh_aliases).
    sole = set(chairs) if len(chairs) == 1 else set()
    speakers = [
        {
            "label": label,
            "organisation": p.organisation,
            "role": p.role,
            "name": p.name,
            "refresh_aliases": label in refreshed,
        }
        for label, p in parts.items()
    ]
    aliases = [
        {"label": label, "alias": alias}
        for label in refreshed
        for alias in speaker_aliases(
            label,
            parts[label].organisation,
            table,
            role=parts[label].role,
            name=parts[label].name,
            sole_chair=label in sole,
        )
    ]
    unindex = []
    if previous and search_index.needs_tokens_to_unindex(session):
        unindex = [
            {"remark_id": remark_id, "tokens": search_index.indexed_text(normalized, speaker_id)}
            for remark_id, speaker_id, normalized in queries.index_entries_of_meeting(session, previous.id)
        ]
    rows = ((StagedSpeaker, speakers), (StagedAlias, aliases), (StagedRemark, read.remarks), (StagedUnindex, unindex))
    return _Prepared(read.minutes, previous, rows)


def sole_chairs(chairs_by_meeting: Iterable[set[T]]) -> set[T]:
    """The chairs who chair every meeting they speak at with no other chair, from the chairs speaking at each
    meeting (of every meeting where one of those asked about speaks)."""
    sole: dict[T, bool] = {}
    for chairs in chairs_by_meeting:
        for chair in chairs:
            sole[chair] = sole.get(chair, True) and len(chairs) == 1
    return {chair for chair, alone in sole.items() if alone}


def _stage(session: Session, import_id: int, prepared: _Prepared) -> bool:
    """Write the prepared rows under a staged import, INGEST_BATCH rows a transaction; False when another import
    of the meeting deleted it meanwhile."""
    batch: list[tuple[StagedRows, list[dict]]] = []
    room = INGEST_BATCH
    for model, rows in prepared.rows:
        for start in range(0, len(rows), INGEST_BATCH):
            part = rows[start : start + INGEST_BATCH]
            if len(part) > room:
                if not _stage_batch(session, import_id, batch):
                    return False
                batch, room = [], INGEST_BATCH
            batch.append((model, part))
            room -= len(part)
    return _stage_batch(session, import_id, batch)


def _stage_batch(session: Session, import_id: int, batch: list[tuple[StagedRows, list[dict]]]) -> bool:
    if not queries.touch_staged_import(session, import_id):
        session.rollback()
        return False
    for model, part in batch:
        queries.add_staged(session, model, import_id, part)
    session.commit()
    return True


def _switch(
    session: Session,
    import_id: int,
    prepared: _Prepared,
    source_name: str,
    content_hash: str,
    now: datetime.datetime,
) -> int | None:
    """Put a staged meeting in place of its previous version, in one transaction of set-based statements; its id,
    or None when the import must start again: the meeting changed since it was prepared (another import of it
    switched first) or its staged rows were deleted (by another import of it)."""
    minutes = prepared.minutes
    if not queries.delete_staged_import(session, import_id):  # claimed: no other import can switch it in
        session.rollback()
        return None
    if queries.meeting_version(session, minutes.title, minutes.date, lock=True) != prepared.previous:
        session.rollback()
        return None
    fields = {
        "start_time": minutes.start_time,
        "end_time": minutes.end_time,
        "place": minutes.place,
        "attendees": list(minutes.attendees),
        "agenda": list(minutes.agenda),
        "source_name": source_name,
        "content_hash": content_hash,
    }
    unindexed = 0
    if prepared.previous is None:
        meeting_id = queries.add_meeting(
            session, {"title": minutes.title, "date": minutes.date, "ingested_at": now, **fields}
        )
        if meeting_id is None:  # another import added it meanwhile (PostgreSQL)
            return None
    else:
        meeting_id = prepared.previous.id
        unindexed = search_index.unindex_staged(session, import_id)
        queries.delete_remarks_of(session, meeting_id)
        queries.update_meeting(session, meeting_id, fields)
    aliases, remarks = queries.switch_in_staged(session, import_id, meeting_id)
    indexed = search_index.index_staged(session, import_id, meeting_id)
    # Another import deleting these rows meanwhile (PostgreSQL) would leave the meeting short of some.
    if (unindexed, aliases, remarks, indexed) != prepared.counts:
        session.rollback()
        return None
    queries.delete_all_staged_rows(session, import_id, [model for model, rows in prepared.rows if rows])
    queries.count_archive_change(session)
    session.commit()
    return meeting_id


def _delete_staged(session: Session, import_ids: list[int]) -> None:
    """Delete staged imports, then their rows, INGEST_BATCH rows a transaction."""
    for import_id in import_ids:
        queries.delete_staged_import(session, import_id)
        session.commit()
        for model in queries.STAGED_ROWS:
            while queries.delete_staged_rows(session, model, import_id, INGEST_BATCH) == INGEST_BATCH:
                session.commit()
        session.commit()


def refresh_aliases(session: Session, table: AliasTable, speakers: list[Speaker]) -> None:
    """Derive the speakers' aliases afresh from their labels, their meetings and the alias table."""
    roles = default_label_words().chairs
    asked = sorted(s.id for s in speakers if s.role in roles)
    sole = sole_chairs(queries.chairs_by_meeting(session, asked, roles).values()) & set(asked)
    aliases = {
        speaker.id: speaker_aliases(
            speaker.label,
            speaker.organisation,
            table,
            role=speaker.role,
            name=speaker.name,
            sole_chair=speaker.id in sole,
        )
        for speaker in speakers
    }
    queries.replace_aliases(session, aliases)


def _result(status, meeting_id: int, minutes: ParsedMinutes) -> IngestResult:
    return IngestResult(
        status=status,
        meeting_id=meeting_id,
        title=minutes.title,
        date=minutes.date.isoformat() if minutes.date else None,
        speakers=len({r.speaker for r in minutes.remarks}),
        remarks=len(minutes.remarks),
    )
