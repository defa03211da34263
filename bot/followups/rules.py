"""Reminder rules: a parsed time (`When`) as a stored rule, and a rule's next reminder. Pure."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from bot.core.when import Recurrence, When
from storage.models import ONCE, ReminderRule


def rule_for(followup_id: int, when: When, tz: ZoneInfo, now: datetime.datetime) -> ReminderRule:
    recurrence = when.recurrence
    local = when.at.astimezone(tz)
    return ReminderRule(
        followup_id=followup_id,
        kind=recurrence.kind if recurrence else ONCE,
        at_time=f"{(recurrence.time if recurrence else local.time()):%H:%M}",
        weekdays=",".join(str(d) for d in recurrence.weekdays) if recurrence else "",
        month_day=recurrence.month_day if recurrence else None,
        timezone=tz.key,
        next_fire_at=when.at.astimezone(datetime.UTC),
        created_at=now,
    )


def recurrence_of(rule: ReminderRule) -> Recurrence | None:
    if rule.kind == ONCE:
        return None
    hour, minute = (int(part) for part in rule.at_time.split(":"))
    weekdays = tuple(int(d) for d in rule.weekdays.split(",") if d)
    return Recurrence(rule.kind, datetime.time(hour, minute), weekdays, rule.month_day)  # type: ignore[arg-type]


def next_fire_after(
    rule: ReminderRule, fired_at: datetime.datetime, now: datetime.datetime
) -> datetime.datetime | None:
    """The rule's next reminder after the one just claimed. Reminders missed while the bot was down
    coalesce into that one post: the next is after `now`, not after each missed time."""
    recurrence = recurrence_of(rule)
    if recurrence is None:
        return None
    return recurrence.next_after(max(fired_at, now), ZoneInfo(rule.timezone)).astimezone(datetime.UTC)
