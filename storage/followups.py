"""Follow-up actions, their reminder rules and each reminder's delivery. Every time is stored in UTC.

A delivery is unique on (rule, scheduled time): inserting it is how one bot process claims a reminder,
so two processes on one database never post the same reminder twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint, or_, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, col, select

from storage import models  # noqa: F401  (meeting and remark tables, for the foreign keys)
from storage.models import utcnow

UTC = datetime.UTC


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime in and out. SQLite keeps no offset and returns naive values: they are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        value = value.astimezone(UTC)
        # SQLite compares these as text: one offset-free format keeps the comparisons and the unique key right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime.datetime | None, dialect: Dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_field(*, index: bool = False, nullable: bool = True, default_now: bool = False):
    column = Column(UTCDateTime(), index=index, nullable=nullable)
    return Field(default_factory=utcnow, sa_column=column) if default_now else Field(default=None, sa_column=column)


OPEN, DONE, CANCELLED = "open", "done", "cancelled"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
ONCE = "once"


class FollowUp(SQLModel, table=True):
    """An action someone agreed to take, maybe from a remark in the minutes."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    # The source is kept as text too: re-ingesting minutes replaces their remarks, and the link with them.
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL")
    remark_id: int | None = Field(default=None, foreign_key="remark.id", ondelete="SET NULL")
    source_meeting: str | None = None  # "title (date)"
    source_remark: str | None = None  # "speaker: text"
    owners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # Slack user IDs
    channel_id: str = Field(index=True)
    due_at: datetime.datetime | None = _utc_field()
    status: str = Field(default=OPEN, index=True)
    created_by: str
    closed_by: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)
    updated_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class ReminderRule(SQLModel, table=True):
    """When to remind of a follow-up: once, or daily, weekdays, weekly on days, monthly on a day, at HH:MM
    in a time zone. `next_fire_at` is the next reminder due; None once the rule has nothing left to do."""

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(foreign_key="followup.id", index=True, ondelete="CASCADE")
    kind: str  # once, daily, weekdays, weekly, monthly
    at_time: str  # "HH:MM", wall clock in `timezone`
    weekdays: str = ""  # "0,3" (Monday is 0) for weekly
    month_day: int | None = None
    timezone: str
    next_fire_at: datetime.datetime | None = _utc_field(index=True)
    active: bool = Field(default=True, index=True)
    stopped_reason: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


class Delivery(SQLModel, table=True):
    """One reminder post. `claimed_until`: while `sending`, the lease of the process posting it; while
    `pending`, when to retry. After it, another process may take the delivery over."""

    __table_args__ = (UniqueConstraint("rule_id", "scheduled_at", name="uq_delivery_rule_time"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="reminderrule.id", index=True, ondelete="CASCADE")
    scheduled_at: datetime.datetime = _utc_field(nullable=False)
    state: str = Field(default=SENDING, index=True)
    attempts: int = 1
    last_error: str | None = None
    claimed_until: datetime.datetime | None = _utc_field()
    channel_id: str | None = None
    ts: str | None = None
    created_at: datetime.datetime = _utc_field(default_now=True, nullable=False)
    updated_at: datetime.datetime = _utc_field(default_now=True, nullable=False)


# --- queries ----------------------------------------------------------------------------------------


def get_followup(session: Session, followup_id: int) -> FollowUp | None:
    return session.get(FollowUp, followup_id)


def followups(session: Session, *, status: str | None = OPEN, channel_id: str | None = None) -> Sequence[FollowUp]:
    query = select(FollowUp).order_by(col(FollowUp.id))
    if status is not None:
        query = query.where(FollowUp.status == status)
    if channel_id is not None:
        query = query.where(FollowUp.channel_id == channel_id)
    return session.exec(query).all()


def rules_of(session: Session, followup_id: int) -> Sequence[ReminderRule]:
    return session.exec(select(ReminderRule).where(ReminderRule.followup_id == followup_id).order_by(col(ReminderRule.id))).all()


def active_rules(session: Session) -> Sequence[ReminderRule]:
    query = select(ReminderRule).where(col(ReminderRule.active).is_(True), col(ReminderRule.next_fire_at).is_not(None))
    return session.exec(query.order_by(col(ReminderRule.id))).all()


def due_rules(session: Session, now: datetime.datetime) -> Sequence[ReminderRule]:
    query = select(ReminderRule).where(col(ReminderRule.active).is_(True), col(ReminderRule.next_fire_at) <= now)
    return session.exec(query.order_by(col(ReminderRule.next_fire_at))).all()


def claimable_deliveries(session: Session, now: datetime.datetime) -> list[tuple[int, str]]:
    """(delivery id, channel) of deliveries waiting to be posted, for a retry, or left `sending` by a
    process whose lease ran out; oldest first."""
    query = (
        select(Delivery.id, FollowUp.channel_id)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .join(FollowUp, col(FollowUp.id) == ReminderRule.followup_id)
        .where(col(Delivery.state).in_((PENDING, SENDING)), _lease_over(now))
        .order_by(col(Delivery.id))
    )
    return [(delivery_id, channel) for delivery_id, channel in session.exec(query)]


def _lease_over(now: datetime.datetime):
    """Nobody holds the delivery: it never was claimed, or its lease (or retry wait) is over."""
    return or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now)


def reclaim_delivery(session: Session, delivery_id: int, now: datetime.datetime, lease_until: datetime.datetime) -> bool:
    """Claim a waiting delivery, or take over one whose lease or retry time has passed; False when
    another process got it first."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state).in_((PENDING, SENDING)),
            _lease_over(now),
        )
        .values(state=SENDING, claimed_until=lease_until, attempts=Delivery.attempts + 1, updated_at=now)
    )
    return result.rowcount == 1


def release_deliveries(session: Session, delivery_ids: Sequence[int], lease_until: datetime.datetime, now: datetime.datetime) -> int:
    """Give back deliveries a stopping process claimed (its lease ends at `lease_until`) and did not post:
    they wait as `pending`, claimable by any process from `now` on, and the attempt that never happened
    is not counted. A delivery whose lease ran out and that another process took over is left alone."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.state) == SENDING,
            col(Delivery.claimed_until) == lease_until,
        )
        .values(
            state=PENDING,
            claimed_until=now,
            attempts=Delivery.attempts - 1,
            last_error="not posted yet: the bot process posting it stopped",
            updated_at=now,
        )
    )
    return result.rowcount


def advance_rule(session: Session, rule_id: int, fired_at: datetime.datetime, next_fire_at: datetime.datetime | None) -> bool:
    """Move a rule past the reminder just claimed, if no one else moved it (False then)."""
    result = session.execute(
        update(ReminderRule)
        .where(col(ReminderRule.id) == rule_id, col(ReminderRule.next_fire_at) == fired_at)
        .values(next_fire_at=next_fire_at, active=next_fire_at is not None)
    )
    return result.rowcount == 1


def problem_deliveries(session: Session, followup_ids: list[int]) -> dict[int, Delivery]:
    """The latest failed or retrying delivery of each of these follow-ups, to show in lists."""
    if not followup_ids:
        return {}
    query = (
        select(Delivery, ReminderRule.followup_id)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .where(col(ReminderRule.followup_id).in_(followup_ids), or_(Delivery.state == FAILED, Delivery.state == PENDING))
        .order_by(col(Delivery.id))
    )
    return {followup_id: delivery for delivery, followup_id in session.exec(query).all()}


def deliveries_of(session: Session, followup_id: int) -> Sequence[Delivery]:
    query = (
        select(Delivery)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .where(ReminderRule.followup_id == followup_id)
        .order_by(col(Delivery.id))
    )
    return session.exec(query).all()


class DigestPost(SQLModel, table=True):
    """One channel's weekly digest, claimed like a delivery: unique on (channel, scheduled time)."""

    __table_args__ = (UniqueConstraint("channel_id", "scheduled_at", name="uq_digest_channel_time"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str
    scheduled_at: datetime.datetime = _utc_field(nullable=False)
    state: str = Field(default=SENDING)
    last_error: str | None = None
    ts: str | None = None


def channels_with_open_followups(session: Session) -> list[str]:
    query = select(FollowUp.channel_id).where(FollowUp.status == OPEN).distinct().order_by(col(FollowUp.channel_id))
    return list(session.exec(query).all())
