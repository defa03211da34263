"""Follow-ups as plain functions over a session: create, list, close, snooze. Nothing here knows Bolt;
the messages of an `Outcome` are mrkdwn (a title in them is escaped).

Each function commits its own change: every caller (slash command, button, CLI) is one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col

from bot.core.when import Recurrence, When, describe_time
from bot.slack.mrkdwn import escape
from storage import followups as store
from storage.followups import CANCELLED, DONE, ONCE, OPEN, Delivery, FollowUp, ReminderRule
from storage.models import Meeting, Remark, Speaker


@dataclass(frozen=True)
class Source:
    """The remark (and its meeting) a follow-up came from."""

    meeting_id: int | None
    remark_id: int | None
    meeting: str | None
    remark: str | None


def source_of_remark(session: Session, remark_id: int) -> Source | None:
    remark = session.get(Remark, remark_id)
    if remark is None:
        return None
    meeting, speaker = session.get(Meeting, remark.meeting_id), session.get(Speaker, remark.speaker_id)
    meeting_text = f"{meeting.title} ({meeting.date.isoformat() if meeting.date else 'no date'})" if meeting else None
    return Source(remark.meeting_id, remark.id, meeting_text, f"{speaker.label if speaker else '?'}: {remark.text}")


def create_followup(
    session: Session,
    *,
    title: str,
    owners: list[str],
    channel_id: str,
    created_by: str,
    due: When | None,
    remind: When | None,
    tz: ZoneInfo,
    source: Source | None = None,
) -> tuple[FollowUp, ReminderRule | None]:
    """A new open follow-up, owned by its creator unless owners are named. With a due date and no
    reminder, the reminder is at the due time."""
    followup = FollowUp(
        title=title,
        owners=owners or [created_by],
        channel_id=channel_id,
        created_by=created_by,
        due_at=due.at.astimezone(datetime.UTC) if due else None,
        meeting_id=source.meeting_id if source else None,
        remark_id=source.remark_id if source else None,
        source_meeting=source.meeting if source else None,
        source_remark=source.remark if source else None,
    )
    session.add(followup)
    session.flush()
    reminder = remind or due
    rule = add_rule(session, followup.id or 0, reminder, tz) if reminder else None
    session.commit()
    session.refresh(followup)
    return followup, rule


def add_rule(session: Session, followup_id: int, when: When, tz: ZoneInfo) -> ReminderRule:
    recurrence = when.recurrence
    local = when.at.astimezone(tz)
    rule = ReminderRule(
        followup_id=followup_id,
        kind=recurrence.kind if recurrence else ONCE,
        at_time=f"{(recurrence.time if recurrence else local.time()):%H:%M}",
        weekdays=",".join(str(d) for d in recurrence.weekdays) if recurrence else "",
        month_day=recurrence.month_day if recurrence else None,
        timezone=tz.key,
        next_fire_at=when.at.astimezone(datetime.UTC),
    )
    session.add(rule)
    session.flush()
    return rule


def recurrence_of(rule: ReminderRule) -> Recurrence | None:
    if rule.kind == ONCE:
        return None
    hour, minute = (int(part) for part in rule.at_time.split(":"))
    weekdays = tuple(int(d) for d in rule.weekdays.split(",") if d)
    return Recurrence(rule.kind, datetime.time(hour, minute), weekdays, rule.month_day)  # type: ignore[arg-type]


def next_fire_after(rule: ReminderRule, fired_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime | None:
    """The rule's next reminder after the one just claimed. Reminders missed while the bot was down
    coalesce into that one post: the next is after `now`, not after each missed time."""
    recurrence = recurrence_of(rule)
    if recurrence is None:
        return None
    return recurrence.next_after(max(fired_at, now), ZoneInfo(rule.timezone)).astimezone(datetime.UTC)


@dataclass(frozen=True)
class FollowupRow:
    followup: FollowUp
    problem: Delivery | None  # the latest failed or retrying reminder, if any


def list_followups(session: Session, scope: str, user_id: str | None, now: datetime.datetime, channel_id: str | None = None) -> list[FollowupRow]:
    """scope: open, mine (open and owned by user_id), overdue, all (any status)."""
    rows = store.followups(session, status=None if scope == "all" else OPEN, channel_id=channel_id)
    if scope == "mine":
        rows = [f for f in rows if user_id in f.owners]
    if scope == "overdue":
        rows = [f for f in rows if f.due_at is not None and f.due_at < now]
    problems = store.problem_deliveries(session, [f.id for f in rows if f.id is not None])
    return [FollowupRow(f, problems.get(f.id or 0)) for f in rows]


@dataclass(frozen=True)
class Outcome:
    """What an action did. `changed` is False when the follow-up was already closed (a stale button)."""

    followup: FollowUp | None
    changed: bool
    message: str


def close_followup(session: Session, followup_id: int, status: str, user_id: str, now: datetime.datetime) -> Outcome:
    """Mark done or cancelled and stop its reminders."""
    assert status in (DONE, CANCELLED)
    followup = store.get_followup(session, followup_id)
    if followup is None:
        return Outcome(None, False, f"There is no follow-up #{followup_id}. / フォローアップ #{followup_id} はありません。")
    if followup.status != OPEN:
        return Outcome(followup, False, stale_note(followup))
    followup.status, followup.closed_by, followup.updated_at = status, user_id, now
    stop_rules(session, followup_id, status)
    session.commit()
    session.refresh(followup)
    verb = "Done" if status == DONE else "Cancelled"
    return Outcome(followup, True, f"{verb}: #{followup.id} {escape(followup.title)} (by <@{user_id}>)")


def stale_note(followup: FollowUp) -> str:
    """`Already done by @x`, for a click on an old message."""
    by = f" by <@{followup.closed_by}>" if followup.closed_by else ""
    ja = {"done": "完了済み", "cancelled": "取消済み"}.get(followup.status, followup.status)
    return f"#{followup.id} is already {followup.status}{by}. / #{followup.id} は{ja}です。"


def stop_rules(session: Session, followup_id: int, reason: str) -> None:
    session.execute(
        update(ReminderRule)
        .where(col(ReminderRule.followup_id) == followup_id, col(ReminderRule.active).is_(True))
        .values(active=False, stopped_reason=reason)
    )


def snooze_followup(session: Session, followup_id: int, delay: datetime.timedelta, user_id: str, now: datetime.datetime, tz: ZoneInfo) -> Outcome:
    """Remind again after `delay`: a new one-off reminder; any repeating reminder carries on."""
    followup = store.get_followup(session, followup_id)
    if followup is None:
        return Outcome(None, False, f"There is no follow-up #{followup_id}. / フォローアップ #{followup_id} はありません。")
    if followup.status != OPEN:
        return Outcome(followup, False, stale_note(followup))
    at = (now + delay).astimezone(tz).replace(second=0, microsecond=0)
    add_rule(session, followup_id, When(at), tz)
    followup.updated_at = now
    session.commit()
    session.refresh(followup)
    return Outcome(
        followup,
        True,
        f"Snoozed by <@{user_id}> until {describe_time(at, 'en', tz)} / {describe_time(at, 'ja', tz)} に再通知します",
    )
