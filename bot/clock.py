"""The one place the bot reads the time: a `Clock`, made once by the CLI or the running bot and passed down.

Every decision by time (what is due, leases, retries, snoozes, digests, expiry of stored button state)
asks the clock it was given, so that a test sets the time in one place and the code under test never
reads the machine's clock behind its back. Leases that several bot processes share (reminders being
posted, events being answered) follow the database's clock, `DatabaseClock`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.queries import database_now


class Clock(Protocol):
    def now(self) -> datetime.datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant: a run that must see a single `now`, and tests."""

    at: datetime.datetime

    def now(self) -> datetime.datetime:
        return self.at.astimezone(datetime.UTC)


# A lease held for a wait (on Slack: Retry-After, back-off, a slow answer) covers it by at least this much.
HOLD_MARGIN = datetime.timedelta(minutes=1)


class DatabaseClock:
    """The database's clock (CURRENT_TIMESTAMP): one time for every bot process on the database whatever
    their machines' clocks say, so that two replicas whose clocks differ by minutes cannot both hold a lease."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def now(self) -> datetime.datetime:
        with Session(self.engine) as session:
            return database_now(session)


SYSTEM_CLOCK = SystemClock()


def clock_at(now: datetime.datetime | Clock | None) -> Clock:
    """`now` as a clock: an instant is a clock stopped there; None is the machine's clock."""
    if now is None:
        return SYSTEM_CLOCK
    if isinstance(now, datetime.datetime):
        return FixedClock(now)
    return now
