"""Reminders posted exactly once: on time, after downtime, across processes, through Slack's failures."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
import time_machine
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.when import Recurrence, When
from bot.followups.delivery import run_due
from bot.services.followups import FollowupService
from bot.slack.poster import SlackPoster as Poster
from bot.slack.poster import make_client
from storage.followups import release_deliveries
from storage.models import Delivery, ReminderRule
from tests.fake_slack import BOT_TOKEN, CHANNEL_NOT_FOUND, SERVER_ERROR, rate_limited
from tests.followups.conftest import TZ, jst

# Whatever the machine's clock says: these tests give every time, and the code must use it.
pytestmark = pytest.mark.usefixtures("machine_clock")


def deliveries(engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)))


def test_one_off_reminder_is_posted_once_at_its_time(engine, poster, slack, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 8, 59)).posted == 0
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 1
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 1)).posted == 0
    [post] = slack.recorded("chat.postMessage")
    assert post.body["channel"] == "C1" and "<@U2>" in post.body["text"] and "Send the survey" in post.body["text"]
    [delivery] = deliveries(engine)
    assert delivery.state == "sent" and delivery.ts and delivery.scheduled_at == jst(2026, 12, 1, 9, 0)


def test_recurring_reminder_fires_each_time_in_tokyo(engine, poster, slack, add):
    weekly = Recurrence("weekly", datetime.time(9, 0), weekdays=(0,))  # Mondays 09:00 JST = 00:00 UTC
    _, rule_id = add(remind=When(jst(2026, 11, 30, 9, 0), weekly))
    for day in (30, 31 + 7 - 31, 14):  # 11-30, 12-07, 12-14
        month = 11 if day == 30 else 12
        assert run_due(engine, poster, TZ, jst(2026, month, day, 9, 0, 5)).posted == 1
    with Session(engine) as session:
        rule = session.get(ReminderRule, rule_id)
        assert rule.next_fire_at == jst(2026, 12, 21, 9, 0)
        assert rule.next_fire_at.astimezone(datetime.UTC).hour == 0
    assert len(slack.recorded("chat.postMessage")) == 3


def test_reminders_missed_while_down_are_posted_once_after_restart(engine, poster, slack, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    daily = Recurrence("daily", datetime.time(8, 30))
    _, daily_id = add("Daily check", When(jst(2026, 12, 1, 8, 30), daily))
    # The bot was down from 12-01 08:00 to 12-03 10:00: one post each, however many times were missed.
    report = run_due(engine, poster, TZ, jst(2026, 12, 3, 10, 0))
    assert report.posted == 2
    assert run_due(engine, poster, TZ, jst(2026, 12, 3, 10, 5)).posted == 0
    with Session(engine) as session:
        assert session.get(ReminderRule, daily_id).next_fire_at == jst(2026, 12, 4, 8, 30)
    assert len(slack.recorded("chat.postMessage")) == 2


def test_a_claim_left_by_a_crashed_process_is_retried_after_its_lease(engine, poster, slack, add):
    _, rule_id = add(remind=When(jst(2026, 12, 1, 9, 0)))
    with Session(engine) as session:  # a process claimed it, then died before posting
        session.add(
            Delivery(rule_id=rule_id, scheduled_at=jst(2026, 12, 1, 9, 0), claimed_until=jst(2026, 12, 1, 9, 5))
        )
        session.get(ReminderRule, rule_id).next_fire_at = None
        session.commit()
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 3)).posted == 0  # lease still held
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 6)).posted == 1
    [delivery] = deliveries(engine)
    assert delivery.state == "sent" and delivery.attempts == 2


def test_rate_limit_waits_retry_after_then_posts(engine, poster, slack, sleeps, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    slack.script("chat.postMessage", rate_limited(2))
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 1
    assert sleeps == [2.0]
    assert len(slack.recorded("chat.postMessage")) == 2  # the refused one and the retry


def test_server_errors_are_retried_with_backoff_then_left_for_a_later_run(engine, poster, slack, sleeps, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    slack.script("chat.postMessage", *[SERVER_ERROR] * 4)
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).retrying == 1
    assert sleeps == [0.5, 1.0, 2.0]
    [delivery] = deliveries(engine)
    assert delivery.state == "pending" and "500" in delivery.last_error
    # nothing is lost: the list shows it
    [row] = FollowupService(engine, TZ, FixedClock(jst(2026, 12, 1, 9, 0))).find("open")
    assert row.problem is not None and row.problem.state == "pending"
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0, 30)).posted == 0  # not before its retry time
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 2)).posted == 1
    assert deliveries(engine)[0].attempts == 2


def test_channel_not_found_fails_stops_the_rule_and_tells_the_creator_once(engine, poster, slack, add):
    daily = Recurrence("daily", datetime.time(9, 0))
    _, rule_id = add(remind=When(jst(2026, 12, 1, 9, 0), daily))
    slack.script("chat.postMessage", CHANNEL_NOT_FOUND)
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).failed == 1
    assert run_due(engine, poster, TZ, jst(2026, 12, 2, 9, 0)).posted == 0  # the rule is stopped
    [delivery] = deliveries(engine)
    assert delivery.state == "failed" and delivery.last_error == "channel_not_found"
    with Session(engine) as session:
        rule = session.get(ReminderRule, rule_id)
        assert not rule.active and "channel_not_found" in rule.stopped_reason
    [row] = FollowupService(engine, TZ, FixedClock(jst(2026, 12, 2, 9, 0))).find("open")
    assert row.problem.state == "failed"
    assert [c.body["users"] for c in slack.recorded("conversations.open")] == ["U1"]
    dm = slack.recorded("chat.postMessage")[-1]
    assert dm.body["channel"] == "D1" and "channel_not_found" in dm.body["text"]


def test_several_posts_to_one_channel_are_paced(engine, slack, sleeps, add):
    clock = iter([0.0, 0.3, 1.0, 5.0, 5.0])  # a recorded; b checked, waits, recorded; c checked, recorded
    poster = Poster(make_client(BOT_TOKEN, slack.api_url), sleep=sleeps.append, clock=lambda: next(clock))
    for title in ("a", "b", "c"):
        add(title, When(jst(2026, 12, 1, 9, 0)))
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 3
    assert sleeps == [pytest.approx(0.7)]


def test_channels_take_turns_so_one_busy_channel_does_not_hold_up_the_others(engine, poster, slack, add):
    for channel in ("C1", "C2", "C3"):
        for number in (1, 2):
            add(f"{channel}-{number}", When(jst(2026, 12, 1, 9, 0)), channel=channel)
    assert run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0)).posted == 6
    assert [post.body["channel"] for post in slack.recorded("chat.postMessage")] == ["C1", "C2", "C3"] * 2


def test_run_due_uses_the_real_clock_by_default(engine, poster, slack, add):
    add(remind=When(jst(2026, 12, 1, 9, 0)))
    with time_machine.travel(jst(2026, 12, 1, 9, 0, 30), tick=False):
        assert run_due(engine, poster, TZ).posted == 1


def test_a_stopped_poster_gives_back_what_the_run_claimed_and_did_not_post(engine, slack, add):
    """The bot stops while Slack asks it to wait: the waiting post goes back, and those after it stay unclaimed."""
    for title in ("a", "b"):
        add(title, When(jst(2026, 12, 1, 9, 0)))
    poster = Poster(make_client(BOT_TOKEN, slack.api_url))  # waits on its stop event, as in the bot
    slack.script("chat.postMessage", rate_limited(60))
    # Stopped once Slack has refused the first post: the poster is then waiting (or about to) for Retry-After.
    stopper = threading.Thread(target=lambda: (slack.wait_for("chat.postMessage"), poster.stop()))
    stopper.start()
    report = run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0))
    assert (report.posted, report.released) == (0, 1)  # only the post in hand was claimed
    assert len(slack.recorded("chat.postMessage")) == 1  # the refused one; "b" was never tried
    assert all(d.state == "pending" and d.attempts == 0 for d in deliveries(engine))
    fresh = Poster(make_client(BOT_TOKEN, slack.api_url), sleep=lambda _: None)  # another process, a minute later
    assert run_due(engine, fresh, TZ, jst(2026, 12, 1, 9, 1)).posted == 2
    assert [(d.state, d.attempts) for d in deliveries(engine)] == [("sent", 1), ("sent", 1)]


def test_a_delivery_taken_over_by_another_process_is_not_given_back(engine, add):
    _, rule_id = add(remind=When(jst(2026, 12, 1, 9, 0)))
    with Session(engine) as session:  # another process holds it under its own lease
        session.add(
            Delivery(rule_id=rule_id, scheduled_at=jst(2026, 12, 1, 9, 0), claimed_until=jst(2026, 12, 1, 9, 10))
        )
        session.commit()
        [delivery] = session.exec(select(Delivery)).all()
        assert release_deliveries(session, [delivery.id], jst(2026, 12, 1, 9, 5), jst(2026, 12, 1, 9, 6)) == 0


def test_titles_and_remarks_are_escaped_in_the_reminder(engine, poster, slack, add):
    add("<!channel> read <https://x.example|this> & reply", When(jst(2026, 12, 1, 9, 0)))
    run_due(engine, poster, TZ, jst(2026, 12, 1, 9, 0))
    [post] = slack.recorded("chat.postMessage")
    raw = json.dumps(post.body, ensure_ascii=False)
    assert "<!channel>" not in raw and "<https://x.example|this>" not in raw
    assert "Reminder: &lt;!channel&gt; read &lt;https://x.example|this&gt; &amp; reply" in post.body["text"]
