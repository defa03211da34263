"""Queries with obvious names. Each takes a session; the caller owns the transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from storage.models import AskedQuestion, HandledEvent, Meeting, Remark, SeenRequest, Speaker, SpeakerAlias


def find_meeting(session: Session, title: str, date: datetime.date | None) -> Meeting | None:
    date_matches = Meeting.date == date if date is not None else col(Meeting.date).is_(None)
    return session.exec(select(Meeting).where(Meeting.title == title, date_matches)).first()


def delete_remarks_of(session: Session, meeting_id: int) -> None:
    session.execute(delete(Remark).where(col(Remark.meeting_id) == meeting_id))


def get_or_create_speaker(session: Session, label: str, organisation: str, role: str) -> tuple[Speaker, bool]:
    """The speaker with this label, and whether it was created now."""
    speaker = session.exec(select(Speaker).where(Speaker.label == label)).first()
    if speaker is not None:
        return speaker, False
    speaker = Speaker(label=label, organisation=organisation, role=role)
    session.add(speaker)
    session.flush()
    return speaker, True


def add_remarks(session: Session, rows: list[dict]) -> list[int]:
    """Insert remarks in one statement (ORM objects cost more than the rest of ingestion); their ids in order."""
    statement = insert(Remark).returning(Remark.id, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).scalars())


def all_speakers(session: Session) -> Sequence[Speaker]:
    return session.exec(select(Speaker).order_by(col(Speaker.id))).all()


def replace_aliases(session: Session, speaker_id: int, aliases: list[str]) -> None:
    session.execute(delete(SpeakerAlias).where(col(SpeakerAlias.speaker_id) == speaker_id))
    session.add_all(SpeakerAlias(speaker_id=speaker_id, alias=alias) for alias in aliases)


def aliases_by_speaker(session: Session) -> dict[int, list[str]]:
    aliases: dict[int, list[str]] = {}
    for alias in session.exec(select(SpeakerAlias).order_by(col(SpeakerAlias.id))):
        aliases.setdefault(alias.speaker_id, []).append(alias.alias)
    return aliases


def aliases_version(session: Session) -> tuple[int, int]:
    """Changes whenever aliases are replaced: their count and highest id."""
    return tuple(session.exec(select(func.count(), func.max(SpeakerAlias.id)).select_from(SpeakerAlias)).one())


def _remark_rows():
    """Remarks as plain rows with what an answer shows of them (no ORM objects: answers read hundreds)."""
    return (
        select(
            Remark.id, Remark.speaker_id, Remark.position, Remark.text, Remark.normalized_text,
            Speaker.label, Meeting.title, Meeting.date,
        )
        .join(Speaker, col(Speaker.id) == Remark.speaker_id)
        .join(Meeting, col(Meeting.id) == Remark.meeting_id)
    )


def remarks_of_speakers(session: Session, speaker_ids: list[int], limit: int):
    """Rows (see `_remark_rows`) of these speakers' remarks, in meeting order."""
    query = (
        _remark_rows()
        .where(col(Remark.speaker_id).in_(speaker_ids))
        .order_by(col(Meeting.date), col(Meeting.id), col(Remark.position))
        .limit(limit)
    )
    return session.exec(query).all()


def _ranking_rows():
    """Remarks as the ranking reads them: (id, normalised text, meeting date, position); the text as
    written and the names come later, for the few remarks shown."""
    return select(Remark.id, Remark.normalized_text, Meeting.date, Remark.position).join(
        Meeting, col(Meeting.id) == Remark.meeting_id
    )


def remarks_to_rank(session: Session, ids: list[int]):
    """Ranking rows (see `_ranking_rows`) for these remark ids."""
    if not ids:
        return []
    return session.exec(_ranking_rows().where(col(Remark.id).in_(ids))).all()


def recent_remarks_to_rank(session: Session, speaker_ids: list[int], limit: int):
    """Ranking rows (see `_ranking_rows`) of these speakers' latest stored remarks (no sort of all of them)."""
    query = _ranking_rows().where(col(Remark.speaker_id).in_(speaker_ids)).order_by(col(Remark.id).desc()).limit(limit)
    return session.exec(query).all()


def remarks_by_ids(session: Session, ids: list[int]):
    """Rows (see `_remark_rows`) for these remark ids, in the order of `ids`."""
    if not ids:
        return []
    rows = {row.id: row for row in session.exec(_remark_rows().where(col(Remark.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def index_entries_of_meeting(session: Session, meeting_id: int) -> list[tuple[int, int, str]]:
    """(remark id, speaker id, normalised text) of a meeting's remarks, as the search index holds them."""
    query = select(Remark.id, Remark.speaker_id, Remark.normalized_text).where(Remark.meeting_id == meeting_id)
    return [tuple(row) for row in session.exec(query)]


def count_remarks(session: Session, speaker_ids: list[int] | None = None) -> int:
    """How many remarks there are (of these speakers). Without speakers, the highest id stands in:
    it needs no scan, and is close enough for weighing a term's rarity."""
    if speaker_ids is None:
        return session.exec(select(func.max(Remark.id))).one() or 0
    query = select(func.count()).select_from(Remark).where(col(Remark.speaker_id).in_(speaker_ids))
    return session.exec(query).one()


def meetings_with_counts(session: Session):
    """(meeting, speakers, remarks) for every meeting, newest first."""
    query = (
        select(Meeting, func.count(func.distinct(Remark.speaker_id)), func.count(col(Remark.id)))
        .join(Remark, col(Remark.meeting_id) == Meeting.id, isouter=True)
        .group_by(col(Meeting.id))
        .order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
    )
    return session.exec(query).all()


def add_handled_event(session: Session, event_id: str, message_key: str | None) -> None:
    """Record an event as taken on; flushing raises IntegrityError when it (or its message) already was."""
    session.add(HandledEvent(event_id=event_id, message_key=message_key))
    session.flush()


def forget_handled_events(session: Session, before: datetime.datetime) -> None:
    session.execute(delete(HandledEvent).where(col(HandledEvent.handled_at) < before))


def take_over_stale_claim(session: Session, event_id: str, claimed_before: datetime.datetime,
                          now: datetime.datetime) -> bool:
    """Claim anew an event about a message that was claimed before `claimed_before` and never answered;
    whether it was."""
    statement = (
        update(HandledEvent)
        .where(col(HandledEvent.event_id) == event_id, col(HandledEvent.answered_at).is_(None),
               col(HandledEvent.message_key).is_not(None), col(HandledEvent.handled_at) < claimed_before)
        .values(handled_at=now)
    )
    return session.execute(statement).rowcount == 1


def mark_event_answered(session: Session, event_id: str, now: datetime.datetime) -> None:
    session.execute(update(HandledEvent).where(col(HandledEvent.event_id) == event_id).values(answered_at=now))


def forget_handled_event(session: Session, event_id: str) -> None:
    session.execute(delete(HandledEvent).where(col(HandledEvent.event_id) == event_id))


def add_seen_request(session: Session, slack_timestamp: int, signature: str) -> None:
    """Record a signed request as taken; flushing raises IntegrityError when it already was."""
    session.add(SeenRequest(slack_timestamp=slack_timestamp, signature=signature))
    session.flush()


def forget_seen_requests(session: Session, before_timestamp: int) -> None:
    session.execute(delete(SeenRequest).where(col(SeenRequest.slack_timestamp) < before_timestamp))


def add_asked_question(session: Session, key: str, question: str) -> None:
    session.add(AskedQuestion(key=key, question=question))


def forget_asked_questions(session: Session, before: datetime.datetime) -> None:
    session.execute(delete(AskedQuestion).where(col(AskedQuestion.asked_at) < before))


def find_asked_question(session: Session, key: str) -> AskedQuestion | None:
    return session.get(AskedQuestion, key)
