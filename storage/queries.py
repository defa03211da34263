"""Queries with obvious names. Each takes a session; the caller owns the transaction."""

from __future__ import annotations

import dataclasses
import datetime
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, delete, exists, func, insert, or_, text, union, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    ArchiveRevision,
    AskedQuestion,
    HandledEvent,
    Meeting,
    Remark,
    SeenRequest,
    Speaker,
    SpeakerAlias,
    StagedAlias,
    StagedImport,
    StagedRemark,
    StagedSpeaker,
    StagedUnindex,
    UTCDateTime,
)


def _read(session: Session, statement, values: dict | None = None):
    """A select run on the session's connection: answers' queries are plain rows, which the ORM's layer
    of the session would only slow down."""
    return session.connection().execute(statement, values)


@dataclass(frozen=True)
class MeetingVersion:
    """A stored meeting as an import finds it: the switch checks that it is still so."""

    id: int
    content_hash: str


_MEETING_VERSION = select(Meeting.id, Meeting.content_hash).where(
    col(Meeting.title) == bindparam("title"), col(Meeting.date).is_not_distinct_from(bindparam("date"))
)
_LOCKED_MEETING_VERSION = _MEETING_VERSION.with_for_update()


def meeting_version(
    session: Session, title: str, date: datetime.date | None, lock: bool = False
) -> MeetingVersion | None:
    """The meeting of this title and date; `lock`: held against other writers until the transaction ends
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    statement = _LOCKED_MEETING_VERSION if lock else _MEETING_VERSION
    row = _read(session, statement, {"title": title, "date": date}).first()
    return MeetingVersion(*row) if row else None


_ADD_MEETING = insert(Meeting).returning(Meeting.id)


def add_meeting(session: Session, values: dict) -> int | None:
    """A new meeting's id; None, the session rolled back, when another import added it meanwhile."""
    try:
        return _read(session, _ADD_MEETING, values).scalar_one()
    except IntegrityError:
        session.rollback()
        return None


def update_meeting(session: Session, meeting_id: int, values: dict) -> None:
    session.connection().execute(update(Meeting).where(col(Meeting.id) == meeting_id).values(values))


def delete_remarks_of(session: Session, meeting_id: int) -> None:
    """Delete a meeting's remarks, no longer counted for their speakers (Speaker.remark_count)."""
    uncount = _COUNT_SPEAKERS_REMARKS.values(remark_count=Speaker.remark_count - _OF_SPEAKER_AT_MEETING)
    _write(session, uncount, {"meeting_id": meeting_id})
    session.execute(delete(Remark).where(col(Remark.meeting_id) == meeting_id))


@dataclass(frozen=True)
class StoredSpeaker:
    id: int
    organisation: str
    role: str
    name: str


_SPEAKERS_BY_LABELS = select(Speaker.label, Speaker.id, Speaker.organisation, Speaker.role, Speaker.name).where(
    col(Speaker.label).in_(bindparam("labels", expanding=True))
)


def speakers_by_labels(session: Session, labels: list[str]) -> dict[str, StoredSpeaker]:
    """The stored speakers of these labels, by label (one statement for a meeting's labels)."""
    rows = _read(session, _SPEAKERS_BY_LABELS, {"labels": labels}) if labels else []
    return {label: StoredSpeaker(*parts) for label, *parts in rows}


def all_speakers(session: Session) -> Sequence[Speaker]:
    return session.exec(select(Speaker).order_by(col(Speaker.id))).all()


def replace_aliases(session: Session, aliases: dict[int, list[str]]) -> None:
    """Every alias of these speakers (speaker id → aliases) replaced, in two statements."""
    if aliases:
        session.execute(delete(SpeakerAlias).where(col(SpeakerAlias.speaker_id).in_(list(aliases))))
        rows = [{"speaker_id": speaker_id, "alias": alias} for speaker_id, names in aliases.items() for alias in names]
        if rows:
            session.execute(insert(SpeakerAlias), rows)


def aliases_by_speaker(session: Session) -> dict[int, list[str]]:
    # Rows, not SpeakerAlias objects: a process answering one question reads thousands, once.
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in session.exec(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias).order_by(col(SpeakerAlias.id))
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    return aliases


def _count_and_highest_id(model: type[SpeakerAlias] | type[Meeting]):
    # Two subqueries: each alone is answered from an index or the end of the table, but SQLite reads the whole
    # table for count(*) and max(id) in one select.
    return select(func.count()).select_from(model).scalar_subquery(), select(func.max(model.id)).scalar_subquery()


_VERSIONS = select(
    *_count_and_highest_id(SpeakerAlias),
    *_count_and_highest_id(Meeting),
    select(func.max(ArchiveRevision.revision)).scalar_subquery(),
)


@dataclass(frozen=True)
class Versions:
    """What changes whenever aliases are replaced (their count and highest id), whenever a meeting is added or
    removed (the same of meetings), and whenever anything of the archive changes (see ArchiveRevision)."""

    aliases: tuple[int, int]
    meetings: tuple[int, int]
    archive: int


def versions(session: Session) -> Versions:
    aliases, highest_alias, meetings, highest_meeting, revision = _read(session, _VERSIONS).one()
    return Versions((aliases, highest_alias), (meetings, highest_meeting), revision or 0)


_NEXT_REVISION = text(
    "INSERT INTO archiverevision (id, revision) VALUES (1, 1)"
    " ON CONFLICT (id) DO UPDATE SET revision = archiverevision.revision + 1"
)


def count_archive_change(session: Session) -> None:
    """One more change to the archive, in the caller's transaction (see ArchiveRevision)."""
    session.connection().execute(_NEXT_REVISION)


@dataclass(frozen=True)
class IdSpan:
    """The lowest and highest id of the remarks at a scope's meetings, and how many remarks are in scope."""

    low: int
    high: int
    count: int

    @property
    def dense(self) -> bool:
        """Whether a quarter of the ids in the span or more are in scope: then testing the index's matches in
        the span one by one costs less than listing the scope's remarks (a year's meetings: thousands)."""
        return self.count * 4 >= self.high - self.low + 1


@dataclass(frozen=True)
class Scope:
    """The remarks a question searches: of these speakers, at these meetings, stored by then (the highest
    remark id then); None: no bound. `span`: where the remarks of its meetings lie (see `scope_extent`)."""

    speaker_ids: tuple[int, ...] | None = None
    meeting_ids: tuple[int, ...] | None = None
    newest_id: int | None = None
    span: IdSpan | None = None


def in_scope(scope: Scope) -> str:
    """The scope as a condition on `remark`, its ids written in: a date names thousands of meetings, and binding
    each as a parameter costs more than the database's answer."""
    conditions = ["1 = 1"]
    if scope.speaker_ids is not None:
        conditions.append(f"remark.speaker_id IN ({id_list(scope.speaker_ids)})")
    if scope.meeting_ids is not None:
        # With speakers, their index (speaker, meeting, position) answers both: + 0 keeps SQLite from looking up
        # every pair of a speaker and a meeting instead (the mayors over ten years: 50,000 look-ups).
        meeting = "remark.meeting_id + 0" if scope.speaker_ids is not None else "remark.meeting_id"
        conditions.append(f"{meeting} IN ({id_list(scope.meeting_ids)})")
    if scope.newest_id is not None:
        conditions.append(f"remark.id <= {int(scope.newest_id)}")
    return " AND ".join(conditions)


def meeting_refs(session: Session):
    """(id, date, title) of every meeting, oldest first: what questions name meetings by."""
    query = select(Meeting.id, Meeting.date, Meeting.title).order_by(col(Meeting.date), col(Meeting.id))
    return session.exec(query).all()


@dataclass(frozen=True)
class MeetingFacts:
    """What an answer tells of a meeting: its stored fields but the file's name and time of ingest."""

    id: int
    title: str
    date: datetime.date | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    place: str | None
    attendees: list[str]
    agenda: list[str]
    content_hash: str  # changes whenever the meeting's minutes do


_MEETING_FACTS = [getattr(Meeting, f.name) for f in dataclasses.fields(MeetingFacts)]


_IDS = bindparam("ids", expanding=True)
_MEETINGS_BY_IDS = select(*_MEETING_FACTS).where(col(Meeting.id).in_(_IDS))


def meetings_by_ids(session: Session, ids: list[int]) -> list[MeetingFacts]:
    """The facts of these meetings, in the order of `ids` (plain rows: a date names hundreds of meetings)."""
    rows = _read(session, _MEETINGS_BY_IDS, {"ids": ids}) if ids else []
    found = {row.id: MeetingFacts(*row) for row in rows}
    return [found[i] for i in ids if i in found]


def content_hashes(session: Session, ids: list[int]) -> dict[int, str]:
    """The content hash of each of these meetings that exists (see MeetingFacts.content_hash). The ids are
    written into the statement: a date names thousands of meetings, and binding each as a parameter costs
    three times what the database spends reading them."""
    return dict(_listing(session, "SELECT id, content_hash FROM meeting WHERE id IN ({ids})", ids)) if ids else {}


def id_list(ids: Sequence[int]) -> str:
    """Ids as SQL literals, for a statement listing thousands (as integers: nothing else can be written in)."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


_NEWEST_REMARK_ID = select(func.max(Remark.id))


def newest_remark_id(session: Session) -> int:
    return _read(session, _NEWEST_REMARK_ID).scalar_one() or 0


class RemarkRow(NamedTuple):
    """A remark with what an answer shows of it."""

    id: int
    speaker_id: int
    position: int
    text: str
    normalized_text: str
    label: str
    title: str
    date: datetime.date | None


# Remarks as plain rows, their ids written into the statement (see `_listing`).
_REMARKS_BY_IDS = (
    "SELECT remark.id, remark.speaker_id, remark.position, remark.text, remark.normalized_text, speaker.label,"
    " meeting.title, meeting.date FROM remark JOIN speaker ON speaker.id = remark.speaker_id"
    " JOIN meeting ON meeting.id = remark.meeting_id WHERE remark.id IN ({ids})"
)


def _rows(session: Session, statement: str, values: dict | None = None) -> list[tuple]:
    """A select's rows as the driver gives them, read off its cursor: for the hundreds of remarks an answer reads
    and the thousand ids an index look-up can find, SQLAlchemy's expanding parameters and typed rows cost a third
    to as much as the database's answer. Ids are written into the statement; other `values` are bound to its
    :names by SQLAlchemy. Dates come back as the driver gives them (see `_date`)."""
    connection = session.connection()
    result = connection.exec_driver_sql(statement) if values is None else connection.execute(text(statement), values)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def first_column(session: Session, statement: str, values: dict | None = None) -> list:
    """The first value of each row of a select (see `_rows`)."""
    return [row[0] for row in _rows(session, statement, values)]


def _listing(session: Session, statement: str, ids: Sequence[int]) -> list[tuple]:
    """The rows of a select of these ids, written into its {ids} (see `_rows`)."""
    return _rows(session, statement.format(ids=id_list(ids)))


def _date(value: datetime.date | str | None) -> datetime.date | None:
    """A date column as the driver gives it: SQLite's is ISO text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def remarks_in_scope(session: Session, scope: Scope, limit: int) -> list[RemarkRow]:
    """Rows of the remarks in scope: the newest meeting first, in order within a meeting."""
    # Ids first, from the indexes alone; then the rows of those: sorting rows with their text costs ten times more.
    statement = (
        f"SELECT remark.id FROM remark JOIN meeting ON meeting.id = remark.meeting_id WHERE {in_scope(scope)}"
        f" ORDER BY meeting.date DESC, meeting.id DESC, remark.position LIMIT {int(limit)}"
    )
    return remarks_by_ids(session, first_column(session, statement))


# Remarks as the ranking reads them: (id, normalised text, meeting date, position); the text as written and the
# names come later, for the few remarks shown.
_RANKING_ROWS = (
    "SELECT remark.id, remark.normalized_text, meeting.date, remark.position FROM remark"
    " JOIN meeting ON meeting.id = remark.meeting_id WHERE remark.id IN ({ids}) ORDER BY remark.id"
)
_TO_RANK = {False: _RANKING_ROWS, True: _RANKING_ROWS + " DESC"}


class RankingRow(NamedTuple):
    id: int
    normalized_text: str
    date: datetime.date | None
    position: int


def remarks_to_rank(session: Session, ids: Sequence[int], newest_first: bool = False) -> list[RankingRow]:
    """Ranking rows for these remark ids, oldest first (or newest first)."""
    rows = _listing(session, _TO_RANK[newest_first], ids) if ids else []
    return [RankingRow(remark_id, text, _date(date), position) for remark_id, text, date, position in rows]


def recent_remarks_to_rank(session: Session, scope: Scope, limit: int) -> list[RankingRow]:
    """Ranking rows of the latest stored remarks in scope, newest first."""
    statement = f"SELECT remark.id FROM remark WHERE {in_scope(scope)} ORDER BY remark.id DESC LIMIT {int(limit)}"
    return remarks_to_rank(session, first_column(session, statement), newest_first=True)


def remarks_by_ids(session: Session, ids: Sequence[int]) -> list[RemarkRow]:
    """The rows of these remarks, in the order of `ids`."""
    if not ids:
        return []
    rows = {row[0]: RemarkRow(*row[:-1], _date(row[-1])) for row in _listing(session, _REMARKS_BY_IDS, ids)}
    return [rows[i] for i in ids if i in rows]


def index_entries_of_meeting(session: Session, meeting_id: int) -> list[tuple[int, int, str]]:
    """(remark id, speaker id, normalised text) of a meeting's remarks, as the search index holds them."""
    query = select(Remark.id, Remark.speaker_id, Remark.normalized_text).where(Remark.meeting_id == meeting_id)
    return [tuple(row) for row in session.exec(query)]


_SPEAKERS_COUNT = "SELECT coalesce(sum(remark_count), 0) FROM speaker WHERE id IN ({ids})"
_MEETINGS_EXTENT = (
    "SELECT coalesce(sum(remark_count), 0), min(first_remark_id), max(last_remark_id) FROM meeting WHERE id IN ({ids})"
)


def scope_extent(session: Session, scope: Scope) -> tuple[int, IdSpan | None]:
    """How many remarks are in scope and, for a scope with meetings, where they lie (None: nowhere). From the
    speakers' or the meetings' own counts and ends (the mayors made tens of thousands of remarks, a date names
    thousands of meetings), else from the speakers' index in one pass. With no bound but the newest id, the
    highest id stands in for the count: it needs no scan, and is close enough for weighing a term's rarity."""
    if scope.meeting_ids is None:
        if scope.speaker_ids is None:
            return scope.newest_id or newest_remark_id(session), None
        if scope.newest_id is None:
            return _listing(session, _SPEAKERS_COUNT, scope.speaker_ids)[0][0], None
        return first_column(session, f"SELECT count(*) FROM remark WHERE {in_scope(scope)}")[0], None
    if not scope.meeting_ids:
        return 0, None
    if scope.speaker_ids is None:
        ((count, low, high),) = _listing(session, _MEETINGS_EXTENT, scope.meeting_ids)
        if scope.newest_id is not None:  # a question asked before the newest imports: fewer remarks then
            count = first_column(session, f"SELECT count(*) FROM remark WHERE {in_scope(scope)}")[0]
    else:
        statement = f"SELECT count(*), min(remark.id), max(remark.id) FROM remark WHERE {in_scope(scope)}"
        ((count, low, high),) = _rows(session, statement)
    return count, IdSpan(low, high, count) if low is not None else None


def meetings_with_counts(session: Session):
    """(meeting, speakers, remarks) for every meeting, newest first."""
    query = (
        select(Meeting, func.count(func.distinct(Remark.speaker_id)), func.count(col(Remark.id)))
        .join(Remark, col(Remark.meeting_id) == Meeting.id, isouter=True)
        .group_by(col(Meeting.id))
        .order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
    )
    return session.exec(query).all()


def inserted(session: Session) -> bool:
    """Flush the row just added, which a unique key may refuse: False, the session rolled back, when it did.
    How one process of several claims something (an event, a request, a reminder) in the database."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def database_now(session: Session) -> datetime.datetime:
    """The database server's current time, aware UTC."""
    return session.exec(select(func.current_timestamp(type_=UTCDateTime()))).one()


def add_handled_event(session: Session, event_id: str, message_key: str | None, at: datetime.datetime) -> bool:
    """Record an event as taken on; False, the session rolled back, when it (or its message) already was."""
    session.add(HandledEvent(event_id=event_id, message_key=message_key, handled_at=at))
    return inserted(session)


def forget_handled_events(session: Session, before: datetime.datetime) -> None:
    session.execute(delete(HandledEvent).where(col(HandledEvent.handled_at) < before))


def take_over_stale_claim(
    session: Session, event_id: str, claimed_before: datetime.datetime, now: datetime.datetime
) -> bool:
    """Claim anew, from `now`, an event about a message that was claimed at or before `claimed_before` and
    never answered; whether it was."""
    statement = (
        update(HandledEvent)
        .where(
            col(HandledEvent.event_id) == event_id,
            col(HandledEvent.answered_at).is_(None),
            col(HandledEvent.message_key).is_not(None),
            col(HandledEvent.handled_at) <= claimed_before,
        )
        .values(handled_at=now)
    )
    return session.execute(statement).rowcount == 1


def renew_event_claim(
    session: Session, event_id: str, claimed_at: datetime.datetime, new_claimed_at: datetime.datetime
) -> bool:
    """Move the start of an unanswered event's claim (held longer, or given back by moving it into the past);
    False when the claim from `claimed_at` was lost to another replica's take-over."""
    statement = (
        update(HandledEvent)
        .where(
            col(HandledEvent.event_id) == event_id,
            col(HandledEvent.answered_at).is_(None),
            col(HandledEvent.handled_at) == claimed_at,
        )
        .values(handled_at=new_claimed_at)
    )
    return session.execute(statement).rowcount == 1


def mark_event_answered(session: Session, event_id: str, now: datetime.datetime) -> None:
    session.execute(update(HandledEvent).where(col(HandledEvent.event_id) == event_id).values(answered_at=now))


def add_seen_request(session: Session, slack_timestamp: int, signature: str) -> bool:
    """Record a signed request as taken; False, the session rolled back, when it already was."""
    session.add(SeenRequest(slack_timestamp=slack_timestamp, signature=signature))
    return inserted(session)


def forget_seen_requests(session: Session, before_timestamp: int) -> None:
    session.execute(delete(SeenRequest).where(col(SeenRequest.slack_timestamp) < before_timestamp))


def add_asked_question(
    session: Session, key: str, question: str, at: datetime.datetime, newest_remark_id: int | None = None
) -> None:
    session.add(AskedQuestion(key=key, question=question, asked_at=at, newest_remark_id=newest_remark_id))


def forget_asked_questions(session: Session, before: datetime.datetime) -> None:
    session.execute(delete(AskedQuestion).where(col(AskedQuestion.asked_at) < before))


def find_asked_question(session: Session, key: str) -> AskedQuestion | None:
    return session.get(AskedQuestion, key)


def latest_meeting_titled(session: Session, title: str) -> Meeting | None:
    """The latest meeting whose title contains `title`; the latest of all when it is empty."""
    query = select(Meeting).order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
    if title:
        query = query.where(col(Meeting.title).contains(title, autoescape=True))
    return session.exec(query).first()


def meetings_by_date(session: Session) -> Sequence[Meeting]:
    """Every meeting, oldest first (those without a date last)."""
    return session.exec(select(Meeting).order_by(col(Meeting.date).is_(None), col(Meeting.date), col(Meeting.id))).all()


def remarks_with_speakers(session: Session, meeting_id: int):
    """(remark id, speaker label, text) of a meeting's remarks, in order."""
    query = (
        select(Remark.id, Speaker.label, Remark.text)
        .join(Speaker, col(Speaker.id) == Remark.speaker_id)
        .where(Remark.meeting_id == meeting_id)
        .order_by(col(Remark.position))
    )
    return session.exec(query).all()


def meeting_by_id(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id)


_SPEAKER_IDS = bindparam("speaker_ids", expanding=True)
_CHAIRS_BY_MEETING = (
    select(Remark.meeting_id, Remark.speaker_id)
    .join(Speaker, col(Speaker.id) == Remark.speaker_id)
    .where(
        col(Speaker.role).in_(bindparam("roles", expanding=True)),
        col(Remark.meeting_id).in_(select(Remark.meeting_id).where(col(Remark.speaker_id).in_(_SPEAKER_IDS))),
    )
    .distinct()
)


def chairs_by_meeting(session: Session, speaker_ids: list[int], roles: Sequence[str]) -> dict[int, set[int]]:
    """The speakers of these roles (the chairs) at each meeting where one of these speakers spoke: meeting id →
    speaker ids (one statement)."""
    chairs: dict[int, set[int]] = {}
    if speaker_ids:
        for meeting_id, speaker_id in _read(session, _CHAIRS_BY_MEETING, {"speaker_ids": speaker_ids, "roles": roles}):
            chairs.setdefault(meeting_id, set()).add(speaker_id)
    return chairs


# Staged imports (see bot.ingest): rows written in short transactions, then switched into place by set-based
# statements, never read by answers. Statements built once with parameters and run on the session's
# connection: an import runs a dozen per meeting, and building and compiling them costs more than running them.
STAGED_ROWS = (StagedSpeaker, StagedAlias, StagedRemark, StagedUnindex)
StagedRows = type[StagedSpeaker] | type[StagedAlias] | type[StagedRemark] | type[StagedUnindex]
_IMPORT_ID = bindparam("import_id")


def _write(session: Session, statement, values: dict | list[dict]):
    # Without preserve_rowcount, SQLAlchemy does not keep an INSERT … SELECT's row count on PostgreSQL.
    return session.connection().execute(statement, values, execution_options={"preserve_rowcount": True})


_ADD_STAGED_IMPORT = insert(StagedImport).returning(StagedImport.id)


def add_staged_import(session: Session, title: str, date: datetime.date | None, now: datetime.datetime) -> int:
    values = {"title": title, "date": date, "staged_at": now}
    return _write(session, _ADD_STAGED_IMPORT, values).scalar_one()


@lru_cache(maxsize=None)
def _staged_insert(model: StagedRows, paramstyle: str) -> tuple[str, operator.itemgetter]:
    """The DBAPI's INSERT of a staged row (the import's id, then the rest), and what picks the rest from a row."""
    columns = [column.name for column in model.__table__.columns if column.name not in ("id", "import_id")]
    marker = "?" if paramstyle == "qmark" else "%s"
    names = ", ".join(["import_id", *columns])
    sql = f"INSERT INTO {model.__tablename__} ({names}) VALUES ({', '.join([marker] * (len(columns) + 1))})"
    return sql, operator.itemgetter(*columns)


def add_staged(session: Session, model: StagedRows, import_id: int, rows: list[dict]) -> None:
    """Stage rows (each every column but the id and import's) under an import: one executemany of plain tuples,
    without SQLAlchemy's processing of each row's parameters, which costs more than SQLite inserting it."""
    if rows:
        connection = session.connection()
        sql, rest = _staged_insert(model, connection.dialect.paramstyle)
        connection.exec_driver_sql(sql, [(import_id, *rest(row)) for row in rows])


_DELETE_STAGED_IMPORT = delete(StagedImport).where(col(StagedImport.id) == _IMPORT_ID)


_TOUCH_STAGED_IMPORT = (
    update(StagedImport).where(col(StagedImport.id) == _IMPORT_ID).values(staged_at=StagedImport.staged_at)
)


def touch_staged_import(session: Session, import_id: int) -> bool:
    """Whether a staged import is still there (not deleted by another import of the meeting), held so until the
    transaction ends: the first statement of each batch staged, so that no row is added to an import deleted."""
    return _write(session, _TOUCH_STAGED_IMPORT, {"import_id": import_id}).rowcount == 1


def _switch_statements() -> tuple:
    unknown_speakers = select(
        StagedSpeaker.label, StagedSpeaker.organisation, StagedSpeaker.role, StagedSpeaker.name
    ).where(col(StagedSpeaker.import_id) == _IMPORT_ID, ~exists().where(col(Speaker.label) == StagedSpeaker.label))
    refreshed = (
        select(Speaker.id)
        .join(StagedSpeaker, col(StagedSpeaker.label) == Speaker.label)
        .where(col(StagedSpeaker.import_id) == _IMPORT_ID, col(StagedSpeaker.refresh_aliases))
    )
    aliases = (
        select(Speaker.id, StagedAlias.alias)
        .join(Speaker, col(Speaker.label) == StagedAlias.label)
        .where(col(StagedAlias.import_id) == _IMPORT_ID)
        .order_by(col(StagedAlias.id))
    )
    remarks = (
        select(
            bindparam("meeting_id"), Speaker.id, StagedRemark.position, StagedRemark.text, StagedRemark.normalized_text
        )
        .join(Speaker, col(Speaker.label) == StagedRemark.speaker_label)
        .where(col(StagedRemark.import_id) == _IMPORT_ID)
        .order_by(col(StagedRemark.position))
    )
    return (
        insert(Speaker).from_select(["label", "organisation", "role", "name"], unknown_speakers),
        delete(SpeakerAlias).where(col(SpeakerAlias.speaker_id).in_(refreshed)),
        insert(SpeakerAlias).from_select(["speaker_id", "alias"], aliases),
        insert(Remark).from_select(["meeting_id", "speaker_id", "position", "text", "normalized_text"], remarks),
    )


_SWITCH = _switch_statements()
_OF_MEETING = col(Remark.meeting_id) == bindparam("meeting_id")
# The speakers of a meeting, and how many of its remarks each made.
_OF_SPEAKER_AT_MEETING = select(func.count()).where(_OF_MEETING, col(Remark.speaker_id) == Speaker.id).scalar_subquery()
_COUNT_SPEAKERS_REMARKS = update(Speaker).where(col(Speaker.id).in_(select(Remark.speaker_id).where(_OF_MEETING)))
_SET_REMARK_EXTENT = (
    update(Meeting)
    .where(col(Meeting.id) == bindparam("meeting_id"))
    .values(
        remark_count=select(func.count()).where(_OF_MEETING).scalar_subquery(),
        first_remark_id=select(func.min(Remark.id)).where(_OF_MEETING).scalar_subquery(),
        last_remark_id=select(func.max(Remark.id)).where(_OF_MEETING).scalar_subquery(),
    )
)


def switch_in_staged(session: Session, import_id: int, meeting_id: int) -> tuple[int, int]:
    """The staged speakers not stored yet, the staged aliases in place of those of the speakers refreshed, and
    the staged remarks as the meeting's, counted on it and on their speakers (remark_count): set-based
    statements, whatever the meeting's size. How many aliases and remarks were stored."""
    values = {"import_id": import_id, "meeting_id": meeting_id}
    add_speakers, delete_aliases, add_aliases, add_remarks = _SWITCH
    for statement in (add_speakers, delete_aliases):
        _write(session, statement, values)
    counts = _write(session, add_aliases, values).rowcount, _write(session, add_remarks, values).rowcount
    _write(session, _SET_REMARK_EXTENT, values)
    _write(session, _COUNT_SPEAKERS_REMARKS.values(remark_count=Speaker.remark_count + _OF_SPEAKER_AT_MEETING), values)
    return counts


_ANY_STAGED = select(or_(*(exists(select(model.id)) for model in (StagedImport, *STAGED_ROWS))))
_STAGED_IMPORTS_TO_DELETE = union(
    select(StagedImport.id).where(
        or_(
            (col(StagedImport.title) == bindparam("title"))
            & col(StagedImport.date).is_not_distinct_from(bindparam("date")),
            col(StagedImport.staged_at) < bindparam("staged_before"),
        )
    ),
    *(
        select(model.import_id).where(~exists().where(col(StagedImport.id) == model.import_id)).distinct()
        for model in STAGED_ROWS
    ),
)


def staged_imports_to_delete(
    session: Session, title: str, date: datetime.date | None, staged_before: datetime.datetime
) -> list[int]:
    """Staged imports an import of this meeting deletes: those of the same meeting (left by an import that died,
    or superseded by this one), those staged before `staged_before`, and rows whose import is gone (their
    deletion cut short). Usually nothing is staged: one look at each staging table's first row tells."""
    if not _read(session, _ANY_STAGED).scalar_one():
        return []
    values = {"title": title, "date": date, "staged_before": staged_before}
    return sorted(set(_read(session, _STAGED_IMPORTS_TO_DELETE, values).scalars()))


_DELETE_STAGED_ROWS = {
    model: delete(model).where(
        col(model.id).in_(select(model.id).where(col(model.import_id) == _IMPORT_ID).limit(bindparam("limit")))
    )
    for model in STAGED_ROWS
}


def delete_staged_rows(session: Session, model: StagedRows, import_id: int, limit: int) -> int:
    """Delete at most `limit` of a staged import's rows of this kind; how many were."""
    return _write(session, _DELETE_STAGED_ROWS[model], {"import_id": import_id, "limit": limit}).rowcount


def delete_staged_import(session: Session, import_id: int) -> bool:
    """Delete a staged import's row (its rows are deleted apart); False when it was gone already (deleted by
    another import of the meeting). The switch claims its import so, first thing (on SQLite, the write that
    takes the lock)."""
    return _write(session, _DELETE_STAGED_IMPORT, {"import_id": import_id}).rowcount == 1


_DELETE_ALL_STAGED_ROWS = {model: delete(model).where(col(model.import_id) == _IMPORT_ID) for model in STAGED_ROWS}


def delete_all_staged_rows(session: Session, import_id: int, kinds: list[StagedRows]) -> None:
    """Delete a staged import's rows of these kinds (those it staged), once switched in (in the switch:
    set-based, whatever their number)."""
    for model in kinds:
        _write(session, _DELETE_ALL_STAGED_ROWS[model], {"import_id": import_id})
