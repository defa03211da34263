"""Done and Snooze (also from stale messages), the scheduler's catch-up after downtime, the digest, the command."""

from __future__ import annotations

import datetime
import time

import pytest
import time_machine
from sqlmodel import Session

from bot.clock import SYSTEM_CLOCK, FixedClock
from bot.core.followup_command import Add, Close, CommandError, ListFollowups, Snooze, parse_command
from bot.core.when import Recurrence, When
from bot.followups.delivery import run_digest, run_due
from bot.followups.scheduler import ReminderScheduler
from bot.services.followups import FollowupService
from bot.slack.followup_messages import outcome_reply
from bot.slack.replies import text_from_slack, user_in_mention
from storage.models import ReminderRule
from tests.followups.conftest import TZ, jst

NOW = jst(2026, 11, 25, 10, 0)


# Whatever the machine's clock says: these tests give every time, and the code must use it.
pytestmark = pytest.mark.usefixtures("machine_clock")


def test_done_closes_and_stops_reminders_and_a_stale_click_says_who(engine, poster, slack, add):
    followup_id, rule_id = add(remind=When(jst(2026, 12, 1, 9, 0), Recurrence("daily", datetime.time(9))))
    service = FollowupService(engine, TZ, FixedClock(NOW), admins=frozenset({"U3"}))  # U3 may close it
    first = service.close(followup_id, "done", "U3")
    again = service.close(followup_id, "done", "U4")
    snoozed = service.snooze(followup_id, datetime.timedelta(days=1), "U4")
    assert first.changed and first.followup.status == "done"
    with Session(engine) as session:
        assert not session.get(ReminderRule, rule_id).active
    assert not again.changed and "already done by <@U3>" in outcome_reply(again, TZ)
    assert not snoozed.changed and "already done by <@U3>" in outcome_reply(snoozed, TZ)
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 0


def test_snooze_reminds_again_after_the_delay(engine, poster, slack, add):
    followup_id, _ = add(remind=When(jst(2026, 12, 1, 9, 0)))
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 1
    outcome = FollowupService(engine, TZ, FixedClock(jst(2026, 12, 1, 9, 5))).snooze(
        followup_id, datetime.timedelta(days=1), "U2"
    )
    assert outcome.changed and "2026-12-02 (Wed) 09:05 JST" in outcome_reply(outcome, TZ)
    assert run_due(engine, poster, TZ, jst(2026, 12, 2, 9, 4)).posted == 0
    assert run_due(engine, poster, TZ, jst(2026, 12, 2, 9, 5)).posted == 1


def test_lists_mine_and_overdue(engine, add):
    add("Mine", due=When(jst(2026, 11, 20, 9, 0)), owners=("U1",))
    add("Theirs", due=When(jst(2026, 12, 20, 9, 0)), owners=("U2",))
    service = FollowupService(engine, TZ, FixedClock(NOW))
    assert [r.followup.title for r in service.find("mine", "U1")] == ["Mine"]
    assert [r.followup.title for r in service.find("overdue")] == ["Mine"]
    assert len(service.find("open")) == 2


def machine_time_service(engine) -> FollowupService:
    """The service on the machine's clock, travelled by time-machine, standing for the database's too: no
    test moves a PostgreSQL server's clock."""
    return FollowupService(engine, TZ, database_clock=SYSTEM_CLOCK)


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_scheduler_posts_a_reminder_missed_during_downtime_once_after_restart(engine, poster, slack, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    add("Later", When(jst(2026, 12, 1, 18, 0)))
    with time_machine.travel(jst(2026, 12, 1, 11, 0), tick=True):  # the bot comes back at 11:00
        scheduler = ReminderScheduler(machine_time_service(engine), poster, sweep_seconds=3600)
        scheduler.start()  # returns at once: the catch-up runs in the scheduler's thread
        try:
            assert scheduler.running and str(scheduler.scheduler.timezone) == "Asia/Tokyo"
            wait_until(lambda: scheduler.scheduler.get_job("reminder") is not None)
            jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
            assert set(jobs) == {"sweep", "reminder"}
            assert jobs["reminder"].next_run_time == jst(2026, 12, 1, 18, 0)
            assert jobs["reminder"].misfire_grace_time is None
            scheduler.run()  # a second wake-up posts nothing more
        finally:
            scheduler.shutdown()
    assert not scheduler.running
    assert [c.body["text"].split(": ")[1] for c in slack.recorded("chat.postMessage")] == ["Send the survey"]


def test_a_scheduled_job_fires_on_time(engine, poster, slack, add):
    scheduler = ReminderScheduler(machine_time_service(engine), poster, sweep_seconds=3600)
    scheduler.start()
    try:
        add(remind=When(datetime.datetime.now(TZ) + datetime.timedelta(seconds=1)))
        scheduler.sync()  # what /followup add does after creating
        wait_until(lambda: slack.recorded("chat.postMessage"))
    finally:
        scheduler.shutdown()
    assert len(slack.recorded("chat.postMessage")) == 1


def test_digest_lists_open_followups_by_owner_overdue_first_once_per_channel(engine, poster, slack, add):
    add("Not due", owners=("U2",))
    add("Late", due=When(jst(2026, 11, 20, 9, 0)), owners=("U2",))
    add("Elsewhere", channel="C9", owners=("U3",))
    monday = Recurrence("weekly", datetime.time(9), (0,))
    at = jst(2026, 11, 30, 9, 0, 10)
    assert run_digest(engine, poster, TZ, monday, at).posted == 2
    assert run_digest(engine, poster, TZ, monday, at + datetime.timedelta(minutes=1)).posted == 0
    assert run_digest(engine, poster, TZ, monday, jst(2026, 12, 3, 9, 0)).posted == 0  # missed long ago: skipped
    c1 = next(c.body for c in slack.recorded("chat.postMessage") if c.body["channel"] == "C1")
    text = str(c1["blocks"])
    assert "<@U2>" in text and text.index("Late") < text.index("Not due") and "(overdue)" in text


def test_followup_command_in_english_and_japanese():
    slack_text = text_from_slack("add Send the survey owner <@U2|sato> <@U3> due Dec 1 remind every Monday 9:00")
    en = parse_command(slack_text, NOW, TZ, user_in_mention)
    ja = parse_command("add アンケート送付 担当 <@U2> 期限 12月1日 リマインド 毎週月曜 9時", NOW, TZ, user_in_mention)
    assert isinstance(en, Add) and en.owners == ("U2", "U3") and en.due.at == jst(2026, 12, 1, 9, 0)
    assert isinstance(ja, Add) and ja.owners == ("U2",) and ja.title == "アンケート送付"
    assert en.remind == ja.remind and en.remind.recurrence.weekdays == (0,)
    assert parse_command("list overdue", NOW, TZ) == ListFollowups("overdue")
    assert parse_command("一覧 自分", NOW, TZ) == ListFollowups("mine")
    assert parse_command("done #3", NOW, TZ) == Close(3, "done")
    assert parse_command("完了 3", NOW, TZ) == Close(3, "done")
    assert parse_command("snooze 3 1w", NOW, TZ) == Snooze(3, datetime.timedelta(weeks=1))


@pytest.mark.parametrize(
    "text", ["add", "add x owner sato", "add x due every Monday", "add x remind someday", "frobnicate", "done x"]
)
def test_followup_command_refusals(text: str):
    with pytest.raises(CommandError):
        parse_command(text, NOW, TZ, user_in_mention)


def test_every_change_of_the_rules_is_announced_once_and_nothing_else_is(engine):
    service = FollowupService(engine, TZ, FixedClock(NOW))
    changes = []
    service.on_rules_changed(lambda: changes.append(1))
    plain = service.add(title="No reminder", owners=[], channel_id="C1", created_by="U1")
    reminded = service.add(
        title="Reminded", owners=[], channel_id="C1", created_by="U1", remind=When(jst(2026, 12, 1, 9))
    )
    assert (plain.rule_id, len(changes)) == (None, 1)
    service.snooze(reminded.followup.id, datetime.timedelta(days=1), "U1")
    service.close(reminded.followup.id, "done", "U1")
    assert len(changes) == 3
    assert not service.close(reminded.followup.id, "done", "U1").changed  # already done
    assert not service.snooze(999, datetime.timedelta(days=1), "U1").changed  # no such follow-up
    assert len(changes) == 3
    assert plain.followup.created_at == NOW and plain.followup.owners == ["U1"]


def test_only_the_creator_an_owner_or_an_admin_changes_a_followup(engine, add):
    followup_id, _ = add(remind=When(jst(2026, 12, 1, 9, 0)))  # created by U1, owned by U2
    service = FollowupService(engine, TZ, FixedClock(NOW), admins=frozenset({"U9"}))
    refused = service.close(followup_id, "done", "U3")
    assert refused.refused and not refused.changed and "#1" in outcome_reply(refused, TZ)
    assert not service.snooze(followup_id, datetime.timedelta(days=1), "U3").changed
    assert [row.followup.status for row in service.find("all")] == ["open"]
    assert service.snooze(followup_id, datetime.timedelta(days=1), "U2").changed  # an owner
    assert service.snooze(followup_id, datetime.timedelta(days=1), "U1").changed  # the creator
    assert service.close(followup_id, "cancelled", "U9").changed  # an admin


def test_the_scheduler_takes_its_time_from_the_service_clock(engine, poster):
    clock = FixedClock(jst(2030, 1, 2, 10, 0))  # a Wednesday, whatever the machine's date
    monday = Recurrence("weekly", datetime.time(9), (0,))
    scheduler = ReminderScheduler(FollowupService(engine, TZ, clock), poster, monday, sweep_seconds=3600)
    scheduler.scheduler.start(paused=True)  # jobs are computed, none runs
    try:
        scheduler.sync()
        assert scheduler.scheduler.get_job("digest").next_run_time == jst(2030, 1, 7, 9, 0)
    finally:
        scheduler.scheduler.shutdown(wait=False)


def test_a_followup_is_seen_only_from_its_channel_or_by_those_who_may_change_it(engine, add):
    private, _ = add("Private plan", channel="G1")  # made in a private channel by U1, owned by U2
    public, _ = add("Public plan", channel="C1")
    service = FollowupService(engine, TZ, FixedClock(NOW), admins=frozenset({"U9"}))

    def titles(user: str, channel: str) -> list[str]:
        return [row.followup.title for row in service.find("all", user, seen_from=channel)]

    assert titles("U3", "C1") == ["Public plan"]  # someone else, asking in the public channel
    assert titles("U3", "G1") == ["Private plan", "Public plan"][:1]  # in the private channel: its own
    assert titles("U2", "C1") == ["Private plan", "Public plan"]  # the owner sees theirs anywhere
    assert titles("U9", "C9") == ["Private plan", "Public plan"]  # an admin sees all
    refused = service.close(private, "done", "U3")
    assert refused.refused and "Private plan" not in outcome_reply(refused, TZ)
    assert public
