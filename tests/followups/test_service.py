"""Done and Snooze (also from stale messages), the scheduler's catch-up after downtime, the digest, the command."""

from __future__ import annotations

import datetime
import time

import pytest
import time_machine
from sqlmodel import Session

from bot.core.followup_command import Add, Close, CommandError, ListFollowups, Snooze, parse_command
from bot.core.when import Recurrence, When
from bot.followups.delivery import run_digest, run_due
from bot.followups.scheduler import ReminderScheduler
from bot.followups.service import close_followup, list_followups, snooze_followup
from storage.followups import ReminderRule
from tests.followups.conftest import TZ, jst

NOW = jst(2026, 11, 25, 10, 0)


def test_done_closes_and_stops_reminders_and_a_stale_click_says_who(engine, poster, slack, add):
    followup_id, rule_id = add(remind=When(jst(2026, 12, 1, 9, 0), Recurrence("daily", datetime.time(9))))
    with Session(engine) as session:
        first = close_followup(session, followup_id, "done", "U3", NOW)
        again = close_followup(session, followup_id, "done", "U4", NOW)
        snoozed = snooze_followup(session, followup_id, datetime.timedelta(days=1), "U4", NOW, TZ)
        assert first.changed and first.followup.status == "done"
        assert not session.get(ReminderRule, rule_id).active
    assert not again.changed and "already done by <@U3>" in again.message
    assert not snoozed.changed and "already done by <@U3>" in snoozed.message
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 0


def test_snooze_reminds_again_after_the_delay(engine, poster, slack, add):
    followup_id, _ = add(remind=When(jst(2026, 12, 1, 9, 0)))
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 1
    with Session(engine) as session:
        outcome = snooze_followup(session, followup_id, datetime.timedelta(days=1), "U2", jst(2026, 12, 1, 9, 5), TZ)
    assert outcome.changed and "2026-12-02 (Wed) 09:05 JST" in outcome.message
    assert run_due(engine, poster, TZ, jst(2026, 12, 2, 9, 4)).posted == 0
    assert run_due(engine, poster, TZ, jst(2026, 12, 2, 9, 5)).posted == 1


def test_lists_mine_and_overdue(engine, add):
    add("Mine", due=When(jst(2026, 11, 20, 9, 0)), owners=("U1",))
    add("Theirs", due=When(jst(2026, 12, 20, 9, 0)), owners=("U2",))
    with Session(engine) as session:
        assert [r.followup.title for r in list_followups(session, "mine", "U1", NOW)] == ["Mine"]
        assert [r.followup.title for r in list_followups(session, "overdue", None, NOW)] == ["Mine"]
        assert len(list_followups(session, "open", None, NOW)) == 2


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_scheduler_posts_a_reminder_missed_during_downtime_once_after_restart(engine, poster, slack, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    _, later = add("Later", When(jst(2026, 12, 1, 18, 0)))
    with time_machine.travel(jst(2026, 12, 1, 11, 0), tick=True):  # the bot comes back at 11:00
        scheduler = ReminderScheduler(engine, poster, TZ, sweep_seconds=3600)
        scheduler.start()  # returns at once: the catch-up runs in the scheduler's thread
        try:
            assert scheduler.running and str(scheduler.scheduler.timezone) == "Asia/Tokyo"
            wait_until(lambda: scheduler.scheduler.get_job(f"rule-{later}") is not None)
            jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
            assert set(jobs) == {"sweep", f"rule-{later}"}
            assert jobs[f"rule-{later}"].next_run_time == jst(2026, 12, 1, 18, 0)
            assert jobs[f"rule-{later}"].misfire_grace_time is None
            scheduler.run()  # a second wake-up posts nothing more
        finally:
            scheduler.shutdown()
    assert not scheduler.running
    assert [c.body["text"].split(": ")[1] for c in slack.recorded("chat.postMessage")] == ["Send the survey"]


def test_a_scheduled_job_fires_on_time(engine, poster, slack, add):
    scheduler = ReminderScheduler(engine, poster, TZ, sweep_seconds=3600)
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
    en = parse_command("add Send the survey owner <@U2|sato> <@U3> due Dec 1 remind every Monday 9:00", NOW, TZ)
    ja = parse_command("add アンケート送付 担当 <@U2> 期限 12月1日 リマインド 毎週月曜 9時", NOW, TZ)
    assert isinstance(en, Add) and en.owners == ("U2", "U3") and en.due.at == jst(2026, 12, 1, 9, 0)
    assert isinstance(ja, Add) and ja.owners == ("U2",) and ja.title == "アンケート送付"
    assert en.remind == ja.remind and en.remind.recurrence.weekdays == (0,)
    assert parse_command("list overdue", NOW, TZ) == ListFollowups("overdue")
    assert parse_command("一覧 自分", NOW, TZ) == ListFollowups("mine")
    assert parse_command("done #3", NOW, TZ) == Close(3, "done")
    assert parse_command("完了 3", NOW, TZ) == Close(3, "done")
    assert parse_command("snooze 3 1w", NOW, TZ) == Snooze(3, datetime.timedelta(weeks=1))


@pytest.mark.parametrize("text", ["add", "add x owner sato", "add x due every Monday", "add x remind someday", "frobnicate", "done x"])
def test_followup_command_refusals(text: str):
    with pytest.raises(CommandError):
        parse_command(text, NOW, TZ)
