"""Follow-ups for every surface: add, list, close, snooze, suggest, and the reminder runs.

Each method is one operation in its own session and transaction, at the time of the service's clock.
A method that changes the reminder rules tells those listening (`on_rules_changed`: the scheduler of
this process, which re-reads the rules so that a new reminder gets its job at once).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import SYSTEM_CLOCK, Clock, DatabaseClock
from bot.core.followup_command import CommandError
from bot.core.when import DEFAULT_TIME, Recurrence, When
from bot.followups import delivery
from bot.followups.delivery import LEASE, Poster, RunReport
from bot.followups.results import Added, FollowupRow, Outcome, Source, Suggestions
from bot.followups.rules import rule_for
from bot.followups.suggest import Suggestion, all_suggestions, suggestions
from storage import followups as store
from storage import queries
from storage.models import CANCELLED, DONE, OPEN, FollowUp

SCOPES = ("open", "mine", "overdue", "all")
TITLE_LIMIT = 300  # characters: a reminder is a line to act on, and Slack's blocks have limits of their own

# Reminders of a follow-up from the minutes: this long before its due date, and on the day, at DEFAULT_TIME;
# without a due date, monthly on the 1st.
REMIND_BEFORE_DUE = datetime.timedelta(days=7)
MONTHLY_WITHOUT_DUE = Recurrence("monthly", DEFAULT_TIME, month_day=1)


@dataclass(frozen=True)
class Proposal:
    """A follow-up proposed from the minutes, with the members linked to its owner (none: nobody yet)."""

    suggestion: Suggestion
    members: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    """A meeting's proposed follow-ups, to be reviewed by whoever imported it."""

    meeting_id: int
    meeting_title: str
    meeting_date: datetime.date | None
    proposals: list[Proposal]


@dataclass(frozen=True)
class Edit:
    """A proposal as changed in the review's modal; no reminder keeps the default schedule."""

    title: str
    owners: tuple[str, ...]
    due: datetime.date | None
    remind: When | None


def default_schedule(due: datetime.date | None, now: datetime.datetime, tz: ZoneInfo) -> list[When]:
    """The reminders of a follow-up from the minutes that are still ahead of `now`."""
    if due is None:
        return [When(MONTHLY_WITHOUT_DUE.next_after(now, tz), MONTHLY_WITHOUT_DUE)]
    times = (datetime.datetime.combine(day, DEFAULT_TIME, tzinfo=tz) for day in (due - REMIND_BEFORE_DUE, due))
    return [When(at) for at in times if at > now]


def due_time(due: datetime.date | None, tz: ZoneInfo) -> When | None:
    return When(datetime.datetime.combine(due, DEFAULT_TIME, tzinfo=tz)) if due else None


class FollowupService:
    """`admins` (BOT_ADMINS) may change any follow-up; anyone else only those they created or own.

    Leases follow the database's clock, one for every replica, so that a replica whose clock is minutes off
    cannot take a live one. What is due follows `due_clock`: `database_clock` when given, so that a replica
    whose clock jumps a day ahead posts nothing early; else the bot's own clock (the clock-shifted suite moves
    the bot's clock but cannot move PostgreSQL's). `clock` (the bot's) reads the times people type. A clock
    given (tests, a run at a set time) stands for the database's too unless that is given as well."""

    def __init__(
        self,
        engine: Engine,
        tz: ZoneInfo,
        clock: Clock = SYSTEM_CLOCK,
        admins: frozenset[str] = frozenset(),
        database_clock: Clock | None = None,
    ):
        self.engine, self.tz, self.clock, self.admins = engine, tz, clock, admins
        self.lease_clock = database_clock or (DatabaseClock(engine) if clock is SYSTEM_CLOCK else clock)
        self.due_clock = database_clock or clock
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
        reminder = remind or due
        return self._add(title, owners, channel_id, created_by, due, [reminder] if reminder else [], remark_id)

    def _add(
        self,
        title: str,
        owners: Sequence[str],
        channel_id: str,
        created_by: str,
        due: When | None,
        reminders: Sequence[When],
        remark_id: int | None,
        owed_by: str | None = None,
    ) -> Added:
        if len(title) > TITLE_LIMIT:
            raise CommandError("command_title_long", limit=str(TITLE_LIMIT), length=str(len(title)))
        now = self.clock.now()
        with Session(self.engine) as session:
            source = _source(session, remark_id) if remark_id else None
            followup = store.add_followup(
                session,
                FollowUp(
                    title=title,
                    owners=list(owners) or [created_by],
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
            rules = [store.add_rule(session, rule_for(followup.id or 0, when, self.tz, now)) for when in reminders]
            if owed_by:
                store.set_owner_name(session, followup.id or 0, owed_by)
            session.commit()
            session.refresh(followup)
            rule_id = rules[0].id if rules else None
        if reminders:
            self._rules_changed()
        return Added(followup, reminders[0] if reminders else None, rule_id)

    def review(self, meeting_id: int, requested_by: str) -> Review | None:
        """The follow-ups proposed from a meeting just imported, the first time it is asked for that meeting;
        None ever after (a re-import, another replica importing the same file)."""
        with Session(self.engine) as session:
            meeting = queries.meeting_by_id(session, meeting_id)
            if meeting is None or not store.claim_review(session, meeting_id, requested_by, self.clock.now()):
                return None
            proposals = [Proposal(s, tuple(_members(session, s))) for s in suggestions(session, meeting_id)]
            session.commit()
            return Review(meeting_id, meeting.title, meeting.date, proposals)

    def release_review(self, meeting_id: int) -> None:
        """The review of a meeting reached none of its recipients: the next import of its minutes sends it."""
        with Session(self.engine) as session:
            store.release_review(session, meeting_id)
            session.commit()

    def proposal(self, meeting_id: int, remark_id: int) -> Proposal | None:
        """One follow-up proposed from a meeting's minutes (for its review's buttons); None once it is gone."""
        with Session(self.engine) as session:
            found = [s for s in suggestions(session, meeting_id) if s.remark_id == remark_id]
            return Proposal(found[0], tuple(_members(session, found[0]))) if found else None

    def track(self, proposal: Proposal, created_by: str, channel_id: str, edit: Edit | None = None) -> Added:
        """Track a proposed follow-up: owned by the members linked to its owner (else by `created_by`), due
        when the minutes say, with the default reminders; or as edited in the review's modal."""
        suggestion = proposal.suggestion
        with Session(self.engine) as session:
            # The review is in the admin's DM and maybe a channel too: a second Track there tracks nothing new.
            tracked = store.open_followup_of_remark(session, suggestion.remark_id)
        if tracked is not None:
            return Added(tracked, None, None)
        title = edit.title if edit else suggestion.sentence or suggestion.text
        owners = (edit.owners if edit else ()) or proposal.members or (created_by,)
        due = edit.due if edit else suggestion.due
        if edit and edit.remind:
            reminders = [edit.remind]
        else:
            reminders = default_schedule(due, self.clock.now(), self.tz)
        return self._add(
            title,
            owners,
            channel_id,
            created_by,
            due_time(due, self.tz),
            reminders,
            suggestion.remark_id,
            owed_by=suggestion.owner,
        )

    def link(self, name: str, user_ids: Sequence[str]) -> list[str]:
        """Link members to a speaker or organisation as the minutes name them; the members linked now."""
        with Session(self.engine) as session:
            store.add_links(session, name, user_ids)
            session.commit()
            return store.linked_members(session, name)

    def unlink(self, name: str, user_ids: Sequence[str] = ()) -> list[str]:
        """Unlink these members (every member when none are given); the members still linked."""
        with Session(self.engine) as session:
            store.remove_links(session, name, user_ids)
            session.commit()
            return store.linked_members(session, name)

    def links(self) -> dict[str, list[str]]:
        with Session(self.engine) as session:
            return store.all_links(session)

    def source_of_remark(self, remark_id: int) -> Source | None:
        with Session(self.engine) as session:
            return _source(session, remark_id)

    def find(
        self, scope: str, user_id: str | None = None, channel_id: str | None = None, seen_from: str | None = None
    ) -> list[FollowupRow]:
        """scope: open, mine (open and owned by user_id), overdue, all (any status); in one channel if given.
        Asked by `user_id` from the channel `seen_from`, only what they may see (see `may_see`)."""
        assert scope in SCOPES
        now = self.clock.now()
        with Session(self.engine) as session:
            rows = store.find_followups(session, status=None if scope == "all" else OPEN, channel_id=channel_id)
            if scope == "mine":
                # Also what the speakers and organisations the user is linked to owe.
                owed = store.followup_ids_owed_by(session, store.names_linked_to(session, user_id or ""))
                rows = [f for f in rows if user_id in f.owners or f.id in owed]
            if scope == "overdue":
                rows = [f for f in rows if f.due_at is not None and f.due_at < now]
            if seen_from is not None:
                rows = [f for f in rows if self.may_see(f, user_id or "", seen_from)]
            problems = store.problem_deliveries(session, [f.id for f in rows if f.id is not None])
            return [FollowupRow(f, problems.get(f.id or 0)) for f in rows]

    def may_change(self, followup: FollowUp, user_id: str) -> bool:
        return user_id == followup.created_by or user_id in followup.owners or user_id in self.admins

    def may_see(self, followup: FollowUp, user_id: str, seen_from: str) -> bool:
        """A follow-up is seen by those who may change it, and from the channel it was made in (whoever asks
        there is a member of it): never from elsewhere by others, though its id is a plain number."""
        return followup.channel_id == seen_from or self.may_change(followup, user_id)

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
            meeting = queries.latest_meeting_titled(session, meeting_title)
            if meeting is None:
                return None
            return Suggestions(meeting.title, suggestions(session, meeting.id or 0))

    def proposed(self, meeting_id: int | None = None) -> list[Suggestion] | None:
        """The follow-ups proposed from one meeting's minutes (the latest meeting when no id is given);
        None when there is no such meeting."""
        with Session(self.engine) as session:
            meeting = (
                queries.meeting_by_id(session, meeting_id) if meeting_id else queries.latest_meeting_titled(session, "")
            )
            return None if meeting is None else suggestions(session, meeting.id or 0)

    def proposed_in_all(self) -> list[Suggestion]:
        """The follow-ups proposed from every meeting's minutes, oldest meeting first."""
        with Session(self.engine) as session:
            return all_suggestions(session)

    def next_fire_time(self) -> datetime.datetime | None:
        """When, by the bot's clock, the next reminder falls due, for the scheduler's wake-up; None when none
        is to come."""
        with Session(self.engine) as session:
            next_fire = store.next_fire_time(session)
        return None if next_fire is None else self._on_bot_clock(next_fire)

    def next_digest_time(self, schedule: Recurrence) -> datetime.datetime:
        """When, by the bot's clock, the next digest is due."""
        return self._on_bot_clock(schedule.next_after(self.due_clock.now(), self.tz))

    def _on_bot_clock(self, moment: datetime.datetime) -> datetime.datetime:
        """A time of the due clock as the bot's clock will show it: the scheduler wakes by the bot's
        clock, and waking early by the other would find nothing due and wake again at once. The difference
        is rounded up to whole seconds (SQLite's clock shows no less), so a wake-up is never early."""
        ahead = self.clock.now() - self.due_clock.now()
        return moment + datetime.timedelta(seconds=math.ceil(ahead.total_seconds()))

    def run_due(self, poster: Poster, *, lease: datetime.timedelta = LEASE) -> RunReport:
        """Post what is due now (see bot.followups.delivery)."""
        return delivery.run_due(self.engine, poster, self.tz, self.due_clock, lease=lease, lease_clock=self.lease_clock)

    def run_digest(self, poster: Poster, schedule: Recurrence) -> RunReport:
        return delivery.run_digest(self.engine, poster, self.tz, schedule, self.due_clock, lease_clock=self.lease_clock)


def _members(session: Session, suggestion: Suggestion) -> list[str]:
    """The members linked to a proposal's owner (苫前町), else to its speaker (苫前町長)."""
    return store.linked_members(session, suggestion.owner) or store.linked_members(session, suggestion.speaker)


def _source(session: Session, remark_id: int) -> Source | None:
    found = store.remark_with_source(session, remark_id)
    if found is None:
        return None
    remark, meeting, speaker = found
    meeting_text = f"{meeting.title} ({meeting.date.isoformat() if meeting.date else 'no date'})" if meeting else None
    return Source(remark.meeting_id, remark.id, meeting_text, f"{speaker.label if speaker else '?'}: {remark.text}")
