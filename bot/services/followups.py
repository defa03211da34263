"""Follow-ups for every surface: add, list, close, snooze, suggest, and the reminder runs.

Each method is one operation in its own session and transaction, at the time of the service's clock.
A method that changes the reminder rules tells those listening (`on_rules_changed`: the scheduler of
this process, which re-reads the rules so that a new reminder gets its job at once).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import SYSTEM_CLOCK, Clock
from bot.core.followup_command import CommandError
from bot.core.when import Recurrence, When
from bot.followups import delivery
from bot.followups.delivery import LEASE, Poster, RunReport
from bot.followups.results import Added, FollowupRow, Outcome, Source, Suggestions
from bot.followups.rules import rule_for
from bot.followups.suggest import Suggestion, all_suggestions, find_meeting, suggestions
from storage import followups as store
from storage import queries
from storage.models import CANCELLED, DONE, OPEN, FollowUp

SCOPES = ("open", "mine", "overdue", "all")
TITLE_LIMIT = 300  # characters: a reminder is a line to act on, and Slack's blocks have limits of their own


class FollowupService:
    """`admins` (BOT_ADMINS) may change any follow-up; anyone else only those they created or own.
    Reminder leases follow the database's clock, one for every replica; a clock given (tests, a run at a set
    time) stands for it too."""

    def __init__(self, engine: Engine, tz: ZoneInfo, clock: Clock = SYSTEM_CLOCK, admins: frozenset[str] = frozenset()):
        self.engine, self.tz, self.clock, self.admins = engine, tz, clock, admins
        self.lease_clock = delivery.DatabaseClock(engine) if clock is SYSTEM_CLOCK else clock
        self._rules_listeners: list[Callable[[], None]] = []

    def on_rules_changed(self, listener: Callable[[], None]) -> None:
        self._rules_listeners.append(listener)

    def _rules_changed(self) -> None:
        for listener in self._rules_listeners:
            listener()

    def add(
        self,
        *,
        title: str,
        owners: list[str],
        channel_id: str,
        created_by: str,
        due: When | None = None,
        remind: When | None = None,
        remark_id: int | None = None,
    ) -> Added:
        """A new open follow-up, owned by its creator unless owners are named, from a remark if one is
        given. With a due date and no reminder, the reminder is at the due time. A title longer than
        TITLE_LIMIT is refused (CommandError `command_title_long`)."""
        if len(title) > TITLE_LIMIT:
            raise CommandError("command_title_long", limit=str(TITLE_LIMIT), length=str(len(title)))
        now = self.clock.now()
        reminder = remind or due
        with Session(self.engine) as session:
            source = _source(session, remark_id) if remark_id else None
            followup = store.add_followup(
                session,
                FollowUp(
                    title=title,
                    owners=owners or [created_by],
                    channel_id=channel_id,
                    created_by=created_by,
                    due_at=due.at.astimezone(datetime.UTC) if due else None,
                    meeting_id=source.meeting_id if source else None,
                    remark_id=source.remark_id if source else None,
                    source_meeting=source.meeting if source else None,
                    source_remark=source.remark if source else None,
                    created_at=now,
                    updated_at=now,
                ),
            )
            rule = store.add_rule(session, rule_for(followup.id or 0, reminder, self.tz, now)) if reminder else None
            session.commit()
            session.refresh(followup)
            rule_id = rule.id if rule else None
        if reminder:
            self._rules_changed()
        return Added(followup, reminder, rule_id)

    def source_of_remark(self, remark_id: int) -> Source | None:
        with Session(self.engine) as session:
            return _source(session, remark_id)

    def find(self, scope: str, user_id: str | None = None, channel_id: str | None = None) -> list[FollowupRow]:
        """scope: open, mine (open and owned by user_id), overdue, all (any status); in one channel if given."""
        assert scope in SCOPES
        now = self.clock.now()
        with Session(self.engine) as session:
            rows = store.find_followups(session, status=None if scope == "all" else OPEN, channel_id=channel_id)
            if scope == "mine":
                rows = [f for f in rows if user_id in f.owners]
            if scope == "overdue":
                rows = [f for f in rows if f.due_at is not None and f.due_at < now]
            problems = store.problem_deliveries(session, [f.id for f in rows if f.id is not None])
            return [FollowupRow(f, problems.get(f.id or 0)) for f in rows]

    def may_change(self, followup: FollowUp, user_id: str) -> bool:
        return user_id == followup.created_by or user_id in followup.owners or user_id in self.admins

    def _unchangeable(self, followup_id: int, followup: FollowUp | None, user_id: str) -> Outcome | None:
        """Why `user_id` cannot act on the follow-up now (gone, already closed, not theirs), or None."""
        if followup is None or followup.status != OPEN:
            return Outcome(followup_id, followup, "", user_id)
        if not self.may_change(followup, user_id):
            return Outcome(followup_id, followup, "", user_id, refused=True)
        return None

    def close(self, followup_id: int, status: str, user_id: str) -> Outcome:
        """Mark done or cancelled and stop its reminders."""
        assert status in (DONE, CANCELLED)
        now = self.clock.now()
        with Session(self.engine) as session:
            followup = store.get_followup(session, followup_id)
            if unchanged := self._unchangeable(followup_id, followup, user_id):
                return unchanged
            followup.status, followup.closed_by, followup.updated_at = status, user_id, now
            store.stop_rules(session, followup_id, status)
            session.commit()
            session.refresh(followup)
        self._rules_changed()
        return Outcome(followup_id, followup, status, user_id)

    def snooze(self, followup_id: int, delay: datetime.timedelta, user_id: str) -> Outcome:
        """Remind again after `delay`: a new one-off reminder; any repeating reminder carries on."""
        now = self.clock.now()
        with Session(self.engine) as session:
            followup = store.get_followup(session, followup_id)
            if unchanged := self._unchangeable(followup_id, followup, user_id):
                return unchanged
            at = (now + delay).astimezone(self.tz).replace(second=0, microsecond=0)
            store.add_rule(session, rule_for(followup_id, When(at), self.tz, now))
            followup.updated_at = now
            session.commit()
            session.refresh(followup)
        self._rules_changed()
        return Outcome(followup_id, followup, "snoozed", user_id, until=at)

    def suggest(self, meeting_title: str) -> Suggestions | None:
        """Remarks of the latest meeting whose title contains `meeting_title` that sound like commitments."""
        with Session(self.engine) as session:
            meeting = find_meeting(session, meeting_title)
            if meeting is None:
                return None
            return Suggestions(meeting.title, suggestions(session, meeting.id or 0))

    def proposed(self, meeting_id: int | None = None) -> list[Suggestion] | None:
        """The follow-ups proposed from one meeting's minutes (the latest meeting when no id is given);
        None when there is no such meeting."""
        with Session(self.engine) as session:
            meeting = queries.meeting_by_id(session, meeting_id) if meeting_id else find_meeting(session, "")
            return None if meeting is None else suggestions(session, meeting.id or 0)

    def proposed_in_all(self) -> list[Suggestion]:
        """The follow-ups proposed from every meeting's minutes, oldest meeting first."""
        with Session(self.engine) as session:
            return all_suggestions(session)

    def next_fire_time(self) -> datetime.datetime | None:
        """When the next reminder falls due, for the scheduler's wake-up; None when none is to come."""
        with Session(self.engine) as session:
            return store.next_fire_time(session)

    def run_due(self, poster: Poster, *, lease: datetime.timedelta = LEASE) -> RunReport:
        """Post what is due now (see bot.followups.delivery)."""
        return delivery.run_due(self.engine, poster, self.tz, self.clock, lease=lease, lease_clock=self.lease_clock)

    def run_digest(self, poster: Poster, schedule: Recurrence) -> RunReport:
        return delivery.run_digest(self.engine, poster, self.tz, schedule, self.clock, lease_clock=self.lease_clock)


def _source(session: Session, remark_id: int) -> Source | None:
    found = store.remark_with_source(session, remark_id)
    if found is None:
        return None
    remark, meeting, speaker = found
    meeting_text = f"{meeting.title} ({meeting.date.isoformat() if meeting.date else 'no date'})" if meeting else None
    return Source(remark.meeting_id, remark.id, meeting_text, f"{speaker.label if speaker else '?'}: {remark.text}")
