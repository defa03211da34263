"""Suggested follow-ups: remarks of a meeting that state a commitment or a request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import Meeting, Remark, Speaker

# Endings and words of Japanese minutes that promise or ask for action.
COMMITMENT = re.compile(
    r"していきたい|取り組んでいく|取り組んでまいり|進めていく|進めてまいり|を検討|検討して|検討する|必要|予定|"
    r"お願い|連携|支援していく|実施していく|対応していく|努めて|図っていく|考えている|つなげていく"
)
MAX_SUGGESTIONS = 20


@dataclass(frozen=True)
class Suggestion:
    remark_id: int
    speaker: str
    text: str
    cue: str  # the words that made it a suggestion


def find_meeting(session: Session, title: str) -> Meeting | None:
    """The latest meeting whose title contains `title`; the latest of all when it is empty."""
    query = select(Meeting).order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
    if title:
        query = query.where(col(Meeting.title).contains(title, autoescape=True))
    return session.exec(query).first()


def suggestions(session: Session, meeting_id: int) -> list[Suggestion]:
    query = (
        select(Remark, Speaker.label)
        .join(Speaker, col(Speaker.id) == Remark.speaker_id)
        .where(Remark.meeting_id == meeting_id)
        .order_by(col(Remark.position))
    )
    found = []
    for remark, speaker in session.exec(query).all():
        if match := COMMITMENT.search(remark.text):
            found.append(Suggestion(remark.id or 0, speaker, remark.text, match.group(0)))
    return found[:MAX_SUGGESTIONS]
