"""A daily reminder when a clock jumps a day or more ahead and back (issue 14, item 9): never early because
one replica's clock is wrong, never a day skipped, never posted twice for one day."""

from __future__ import annotations

import datetime

import pytest
from sqlmodel import Session, select

from bot.core.when import Recurrence, When
from bot.services.followups import FollowupService
from storage.models import Delivery
from tests.clocks import MovedClock
from tests.followups.conftest import TZ, jst

pytestmark = pytest.mark.usefixtures("machine_clock")

DAILY_NINE = Recurrence("daily", datetime.time(9))
DAY = datetime.timedelta(days=1)
FIRST = jst(2026, 12, 1, 9, 0)


def add_daily(service: FollowupService) -> None:
    service.add(title="Count the snow", owners=["U2"], channel_id="C1", created_by="U1", remind=When(FIRST, DAILY_NINE))


def scheduled_days(engine) -> list[str]:
    with Session(engine) as session:
        return [d.scheduled_at.astimezone(TZ).date().isoformat() for d in session.exec(select(Delivery))]


def test_a_replica_whose_clock_jumps_a_day_ahead_does_not_post_early(engine, slack, poster):
    machine, database = MovedClock(FIRST), MovedClock(FIRST)
    service = FollowupService(engine, TZ, machine, database_clock=database)
    add_daily(service)
    assert service.run_due(poster).posted == 1

    machine.at = FIRST + DAY + datetime.timedelta(hours=1)  # this machine's clock is a day ahead
    database.at = FIRST + datetime.timedelta(hours=1)
    assert service.run_due(poster).posted == 0  # before (due by the machine's clock): posted 23 h early
    # The scheduler wakes by the machine's clock: at tomorrow's 09:00 as this machine shows it.
    assert service.next_fire_time() == FIRST + 2 * DAY

    machine.at = database.at = FIRST + DAY
    assert service.run_due(poster).posted == 1
    assert scheduled_days(engine) == ["2026-12-01", "2026-12-02"]


def test_after_the_clock_goes_back_no_day_is_skipped_and_none_is_posted_twice(engine, poster):
    clock = MovedClock(FIRST)  # one machine: its clock is the database's too (SQLite)
    service = FollowupService(engine, TZ, clock)
    add_daily(service)
    assert service.run_due(poster).posted == 1  # 1 December

    clock.at = FIRST + 3 * DAY + datetime.timedelta(hours=1)  # the clock jumps to 4 December, 10:00
    # The reminders missed meanwhile fold into one, 2 December's, posted early: nothing can tell.
    assert service.run_due(poster).posted == 1
    clock.at = FIRST + datetime.timedelta(hours=1, minutes=5)  # and back to 1 December, 10:05
    assert service.run_due(poster).posted == 0

    posted = []
    for day in range(1, 5):  # 2, 3, 4 and 5 December at 09:00
        clock.at = FIRST + day * DAY
        posted.append(service.run_due(poster).posted)
    assert posted == [0, 1, 1, 1]  # before: [0, 0, 0, 1], 3 and 4 December skipped
    assert sorted(scheduled_days(engine)) == [f"2026-12-0{day}" for day in range(1, 6)]
