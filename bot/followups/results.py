"""What the follow-up service returns: plain data, rendered by each surface (bot/followups/text.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from bot.core.when import When
from bot.followups.suggest import Suggestion
from storage.models import Delivery, FollowUp


@dataclass(frozen=True)
class Source:
    """The remark (and its meeting) a follow-up came from."""

    meeting_id: int | None
    remark_id: int | None
    meeting: str | None  # "title (date)"
    remark: str | None  # "speaker: text"


@dataclass(frozen=True)
class Added:
    followup: FollowUp
    reminder: When | None  # when it is first reminded of, if ever
    rule_id: int | None  # the rule of that reminder


@dataclass(frozen=True)
class FollowupRow:
    followup: FollowUp
    problem: Delivery | None  # the latest failed or retrying reminder, if any


@dataclass(frozen=True)
class Outcome:
    """What closing or snoozing did. `change` is "" when nothing changed: there is no such follow-up
    (`followup` None), it was already closed (a click on an old message), or the user may not change it
    (`refused`)."""

    followup_id: int
    followup: FollowUp | None
    change: str  # done, cancelled, snoozed, or ""
    user_id: str
    until: datetime.datetime | None = None  # snoozed until
    refused: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.change)


@dataclass(frozen=True)
class Suggestions:
    meeting_title: str
    found: list[Suggestion]
