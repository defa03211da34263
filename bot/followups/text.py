"""What follow-up messages say, for every surface: the words come from the catalogue (bot.messages), the
markup from the caller (plain text in a terminal, mrkdwn in Slack). The language of a follow-up's own
messages is the language of its title; notes anyone may read are in both languages.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from bot.core.text import language_of
from bot.core.when import describe, describe_time
from bot.followups.results import Added, Outcome
from bot.messages import Markup, both, say
from storage.models import FAILED, OPEN, Delivery, FollowUp


def language_of_followup(followup: FollowUp) -> str:
    return language_of(followup.title)


def is_overdue(followup: FollowUp, now: datetime.datetime) -> bool:
    return followup.status == OPEN and followup.due_at is not None and followup.due_at < now


def owners_text(followup: FollowUp, markup: Markup) -> str:
    return " ".join(markup.user(user) for user in followup.owners)


def summary_line(
    followup: FollowUp, now: datetime.datetime, tz: ZoneInfo, markup: Markup, problem: Delivery | None = None
) -> str:
    """`#12 Send the survey — @U1 — due 2026-12-01 (Tue) 09:00 JST (overdue)`"""
    language = language_of_followup(followup)
    parts = [f"#{followup.id} {markup.text(followup.title)}", owners_text(followup, markup)]
    if followup.due_at is not None:
        overdue = " " + markup.bold(say("summary_overdue", language)) if is_overdue(followup, now) else ""
        parts.append(say("summary_due", language, due=describe_time(followup.due_at, language, tz)) + overdue)
    if followup.status != OPEN:
        closed_by = followup.closed_by
        parts.append(
            say("summary_status_by", language, status=followup.status, user=markup.user(closed_by))
            if closed_by
            else followup.status
        )
    if problem is not None:
        key = "reminder_failed" if problem.state == FAILED else "reminder_retrying"
        parts.append(f"{markup.warning} {say(key, language, error=problem.last_error)}")
    return " — ".join(part for part in parts if part)


def added_text(added: Added, tz: ZoneInfo) -> str:
    """`Follow-up #12 added. Reminder set for …`, in the language of its title."""
    language, followup_id = language_of_followup(added.followup), added.followup.id
    if added.reminder is None:
        return say("followup_added", language, id=followup_id)
    return say("followup_added_reminder", language, id=followup_id, when=describe(added.reminder, language, tz))


def outcome_text(outcome: Outcome, tz: ZoneInfo, markup: Markup) -> str:
    """What a Done, Cancel or Snooze did, or why it did nothing."""
    followup = outcome.followup
    if followup is None:
        return both("followup_missing", id=outcome.followup_id)
    if outcome.refused:
        return both("followup_not_yours", id=outcome.followup_id)
    if not outcome.changed:
        return stale_note(followup, markup)
    user = markup.user(outcome.user_id)
    if outcome.until is not None:
        until = outcome.until
        return both("followup_snoozed", user=user, time=lambda language: describe_time(until, language, tz))
    key = "followup_done" if outcome.change == "done" else "followup_cancelled"
    return both(key, id=followup.id, title=markup.text(followup.title), user=user)


def stale_note(followup: FollowUp, markup: Markup) -> str:
    """`#3 is already done by @x`, for a click on an old message."""
    closed_by = followup.closed_by
    return both(
        "followup_stale",
        id=followup.id,
        status=lambda language: say(f"status_{followup.status}", language),
        by=lambda language: say("followup_closed_by", language, user=markup.user(closed_by)) if closed_by else "",
    )
