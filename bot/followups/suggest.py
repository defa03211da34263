"""Suggested follow-ups: the actions of a meeting's remarks (bot.core.actions) with their meeting.

次回会議までに is due on the date of the next meeting in the archive: suggestions are read from the stored
minutes each time, so that date appears once the next meeting's minutes are imported."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.core.actions import Action, ActionCues, RemarkText, default_action_cues, find_actions
from bot.core.speakers import AliasTable, default_alias_table
from storage import queries
from storage.models import Meeting


@dataclass(frozen=True)
class Suggestion(Action):
    """An action found in a meeting's remarks, with its meeting."""

    meeting_id: int
    meeting_title: str
    meeting_date: datetime.date | None

    def to_json(self) -> dict:
        return {
            "meeting": {
                "id": self.meeting_id,
                "title": self.meeting_title,
                "date": self.meeting_date.isoformat() if self.meeting_date else None,
            },
            "remark_id": self.remark_id,
            "speaker": self.speaker,
            "text": self.text,
            "kind": self.kind,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "due_words": self.due_words,
        }


def suggestions(
    session: Session, meeting_id: int, table: AliasTable | None = None, cues: ActionCues | None = None
) -> list[Suggestion]:
    """The follow-ups proposed from one meeting's remarks, in order; none for an unknown meeting."""
    return _suggest(session, queries.meetings_by_date(session), table, cues, only=meeting_id)


def all_suggestions(
    session: Session, table: AliasTable | None = None, cues: ActionCues | None = None
) -> list[Suggestion]:
    """The follow-ups proposed from every meeting, oldest meeting first."""
    return _suggest(session, queries.meetings_by_date(session), table, cues)


def _suggest(
    session: Session,
    meetings: Sequence[Meeting],
    table: AliasTable | None,
    cues: ActionCues | None,
    only: int | None = None,
) -> list[Suggestion]:
    table, cues = table or default_alias_table(), cues or default_action_cues()
    found = []
    for meeting in meetings:
        if only is not None and meeting.id != only:
            continue
        rows = queries.remarks_with_speakers(session, meeting.id or 0)
        remarks = [RemarkText(remark_id, label, text) for remark_id, label, text in rows]
        for action in find_actions(remarks, meeting.date, next_meeting_date(meetings, meeting), table, cues):
            found.append(
                Suggestion(
                    **vars(action), meeting_id=meeting.id or 0, meeting_title=meeting.title, meeting_date=meeting.date
                )
            )
    return found


def next_meeting_date(meetings: Sequence[Meeting], meeting: Meeting) -> datetime.date | None:
    """The date of the first meeting after this one in the archive (None when there is none yet)."""
    if meeting.date is None:
        return None
    return min((m.date for m in meetings if m.date is not None and m.date > meeting.date), default=None)
