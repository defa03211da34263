"""Reminders under faults: none lost, none doubled (issue 14, items 3 and 4).

Each test is one experiment of the fault-injection run, with a shortened lease and the time set through the
clock given to `run_due`; Slack is the fake, whose channel history holds every post that reached it.
"""

from __future__ import annotations

import datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.clock import DatabaseClock, FixedClock
from bot.core.when import Recurrence, When
from bot.followups.delivery import run_digest, run_due
from bot.followups.scheduler import ReminderScheduler
from bot.services.followups import FollowupService
from bot.slack.poster import DELIVERY_EVENT, SlackPoster
from bot.slack.replies import reply_to_followup_command
from storage.models import Delivery, DigestPost, FollowUp, ReminderRule
from tests.clocks import MovedClock
from tests.fake_slack import BOT_TOKEN, SERVER_ERROR, Scripted, rate_limited, slow
from tests.followups.conftest import TZ, jst

pytestmark = pytest.mark.usefixtures("machine_clock")

NINE = jst(2026, 12, 1, 9, 0)
MONDAY = Recurrence("weekly", datetime.time(9), (0,))
DIGEST_AT = jst(2026, 11, 30, 9, 0)


def only_delivery(engine) -> Delivery:
    with Session(engine) as session:
        [delivery] = session.exec(select(Delivery))
        return delivery


def posts(slack, channel: str = "C1") -> list[dict]:
    return slack.history.get(channel, [])


def test_a_post_slack_answers_after_the_client_timeout_is_not_repeated(engine, slack, sleeps, add):
    add(remind=When(NINE))
    # Slack takes every post but answers after the client has given up on it.
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[], timeout=0.2)
    poster = SlackPoster(client, sleep=sleeps.append, backoff=0.5)
    slack.script("chat.postMessage", *[slow(1.0)] * 4)
    run_due(engine, poster, TZ, NINE)
    run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=30))
    [post] = posts(slack)  # before: 5 posts of the one reminder
    assert post["metadata"]["event_type"] == DELIVERY_EVENT
    delivery = only_delivery(engine)
    assert delivery.state == "sent" and delivery.ts == post["ts"]
    assert slack.recorded("conversations.history")[0].body["include_all_metadata"] in ("1", "true", "True")


def test_a_reminder_posted_by_a_process_killed_before_recording_it_is_not_reposted(engine, slack, poster, add):
    _, rule_id = add(remind=When(NINE))
    with Session(engine) as session:  # a process claimed the reminder, posted it, and was killed
        delivery = Delivery(rule_id=rule_id, scheduled_at=NINE, claimed_until=NINE + datetime.timedelta(minutes=5))
        session.add(delivery)
        session.get(ReminderRule, rule_id).next_fire_at = None
        session.commit()
        delivery_id = delivery.id
    tag = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery_id": f"reminder:{delivery_id}"}}
    poster.client.chat_postMessage(channel="C1", text="reminder", metadata=tag)
    assert run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=6)).posted == 1
    [post] = posts(slack)  # before: 2
    delivery = only_delivery(engine)
    assert delivery.state == "sent" and delivery.ts == post["ts"]


def test_a_process_waiting_out_retry_after_keeps_its_claim_from_another(engine, slack, add):
    add(remind=When(NINE))
    clock, lease = MovedClock(NINE), datetime.timedelta(minutes=2)
    other_runs = []

    def other_process() -> None:
        other = SlackPoster(poster.client, sleep=lambda seconds: None)
        other_runs.append(run_due(engine, other, TZ, clock, lease=lease))

    def wait(seconds: float) -> None:  # while this process waits out Retry-After, the other one runs
        clock.advance(seconds)
        other_process()

    poster = SlackPoster(WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[]), sleep=wait)
    slack.script("chat.postMessage", rate_limited(100), rate_limited(100))
    assert run_due(engine, poster, TZ, clock, lease=lease).posted == 1
    assert len(posts(slack)) == 1  # before: 2 (the other process took over the lapsed lease and posted too)
    assert [r.posted for r in other_runs] == [0, 0]
    assert only_delivery(engine).state == "sent"


def test_a_reminder_is_retried_through_hours_of_slack_errors_and_posted_once_slack_recovers(engine, slack, poster, add):
    add(remind=When(NINE))
    slack.script("chat.postMessage", *[SERVER_ERROR] * 4 * 6)  # six runs' attempts, each with its quick retries
    for minutes in range(0, 4 * 60, 10):
        run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=minutes))
    assert len(posts(slack)) == 1  # before: 0, `failed` after 5 attempts in 15 minutes
    delivery = only_delivery(engine)
    assert delivery.state == "sent" and delivery.attempts == 7
    assert not slack.recorded("conversations.open")


def test_after_a_day_of_slack_errors_the_creator_and_owners_are_told(engine, slack, poster, add):
    add(remind=When(NINE), owners=("U2", "U3"))
    for run in range(25):  # runs 61 minutes apart, past the longest back-off: each makes one attempt
        slack.script("chat.postMessage", *[SERVER_ERROR] * 4)  # the attempt and its quick retries
        run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=61 * run))
    delivery = only_delivery(engine)
    assert delivery.state == "failed" and "500" in delivery.last_error
    assert [c.body["users"] for c in slack.recorded("conversations.open")] == ["U1", "U2", "U3"]  # before: none
    assert delivery.attempts == 25
    run_due(engine, poster, TZ, NINE + datetime.timedelta(hours=30))
    assert only_delivery(engine).attempts == 25 and len(slack.recorded("conversations.open")) == 3


def test_a_reminder_of_a_very_long_title_keeps_within_block_kits_limits(engine, slack, poster, add):
    followup_id, _ = add(remind=When(NINE))
    with Session(engine) as session:  # a title made before titles were limited
        session.get(FollowUp, followup_id).title = "アンケート" * 20_000
        session.commit()
    assert run_due(engine, poster, TZ, NINE).posted == 1  # before: 0, Slack refused it (invalid_blocks)
    [post] = slack.recorded("chat.postMessage")
    assert all(len(b["text"]["text"]) <= 3000 for b in post.body["blocks"] if "text" in b)
    assert len(post.body["text"]) <= 4000


def digest_states(engine) -> list[str]:
    with Session(engine) as session:
        return [post.state for post in session.exec(select(DigestPost).order_by(DigestPost.channel_id))]


def test_digests_failing_for_seconds_of_slack_errors_are_posted_at_a_later_run(engine, slack, poster, add):
    for channel in ("C1", "C2", "C3"):
        add(channel=channel)
    slack.script("chat.postMessage", *[SERVER_ERROR] * 4 * 3)  # every channel's attempt and quick retries
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT).retrying == 3
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT + datetime.timedelta(seconds=30)).posted == 0
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT + datetime.timedelta(minutes=2)).posted == 3
    assert [len(posts(slack, channel)) for channel in ("C1", "C2", "C3")] == [1, 1, 1]  # before: 0 0 0
    assert digest_states(engine) == ["sent"] * 3


def test_a_digest_left_sending_by_a_killed_process_is_taken_over_after_its_lease(engine, slack, poster, add):
    add()
    lease = datetime.timedelta(minutes=2)
    with Session(engine) as session:  # a process claimed the digest and was killed (kill -9) in a 429 wait
        session.add(DigestPost(channel_id="C1", scheduled_at=DIGEST_AT, claimed_until=DIGEST_AT + lease))
        session.commit()
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT + datetime.timedelta(minutes=1), lease=lease).posted == 0
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT + datetime.timedelta(minutes=3), lease=lease).posted == 1
    assert len(posts(slack)) == 1 and digest_states(engine) == ["sent"]  # before: 0 posts, `sending` for ever


def test_a_digest_posted_by_a_process_killed_before_recording_it_is_not_reposted(engine, slack, poster, add):
    add()
    with Session(engine) as session:
        post = DigestPost(
            channel_id="C1", scheduled_at=DIGEST_AT, claimed_until=DIGEST_AT + datetime.timedelta(minutes=5)
        )
        session.add(post)
        session.commit()
        post_id = post.id
    tag = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery_id": f"digest:{post_id}"}}
    poster.client.chat_postMessage(channel="C1", text="digest", metadata=tag)
    assert run_digest(engine, poster, TZ, MONDAY, DIGEST_AT + datetime.timedelta(minutes=6)).posted == 1
    assert len(posts(slack)) == 1 and digest_states(engine) == ["sent"]


def test_the_scheduler_sets_one_wake_up_however_many_rules(engine, poster):
    with Session(engine) as session:  # 1,000 daily rules, the first due soonest
        for number in range(1000):
            followup = FollowUp(title=f"Check {number}", owners=["U2"], channel_id="C1", created_by="U1")
            session.add(followup)
            session.flush()
            fire_at = NINE + datetime.timedelta(minutes=number)
            session.add(
                ReminderRule(
                    followup_id=followup.id, kind="daily", at_time="09:00", timezone="Asia/Tokyo", next_fire_at=fire_at
                )
            )
        session.commit()
    service = FollowupService(engine, TZ, FixedClock(NINE - datetime.timedelta(hours=1)))
    scheduler = ReminderScheduler(service, poster, sweep_seconds=3600)
    scheduler.scheduler.start(paused=True)  # jobs are computed, none runs
    try:
        scheduler.sync()
        jobs = scheduler.scheduler.get_jobs()  # before: 1,000 jobs, every one re-added at every run
        assert [(job.id, job.next_run_time) for job in jobs] == [("reminder", NINE)]
    finally:
        scheduler.scheduler.shutdown(wait=False)


def test_a_title_over_the_limit_is_refused_at_creation_with_a_kind_message(engine):
    service = FollowupService(engine, TZ)
    reply = reply_to_followup_command(service, "add " + "アンケート" * 20_000, "U1", "C1")
    assert "300" in reply["text"] and "/followup add" in reply["text"]  # before: accepted, 100 KB
    assert service.find("all") == []
    added = reply_to_followup_command(service, "add " + "ア" * 300, "U1", "C1")
    assert [row.followup.title for row in service.find("all")] == ["ア" * 300] and "#" in added["text"]


def test_two_replicas_whose_clocks_differ_by_six_minutes_post_a_reminder_once(engine, slack, add):
    add(remind=When(NINE))
    database = DatabaseClock(engine)  # the one clock both replicas' leases follow
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
    ahead_runs = []

    def ahead_replica_runs(seconds: float) -> None:  # while the first replica waits out a 429
        ahead = SlackPoster(client, sleep=lambda seconds: None)
        ahead_runs.append(run_due(engine, ahead, TZ, NINE + datetime.timedelta(minutes=6), lease_clock=database))

    slack.script("chat.postMessage", rate_limited(1))
    first = SlackPoster(client, sleep=ahead_replica_runs)
    assert run_due(engine, first, TZ, NINE, lease_clock=database).posted == 1
    assert len(posts(slack)) == 1  # before (each replica's own clock): 2
    assert [r.posted for r in ahead_runs] == [0]


def test_a_database_outage_after_posting_does_not_make_the_reminder_post_twice(engine, slack, poster, add):
    add(remind=When(NINE))
    outage = {"statements": 0}

    def database_down(conn, cursor, statement, parameters, context, executemany) -> None:
        # The database goes away just as the post is to be recorded sent.
        if statement.startswith("UPDATE delivery SET state") and outage["statements"] == 0 and slack.history:
            outage["statements"] += 1
            raise OperationalError(statement, parameters, ConnectionError("the database is down"))

    event.listen(engine, "before_cursor_execute", database_down)
    with pytest.raises(OperationalError):
        run_due(engine, poster, TZ, NINE)
    event.remove(engine, "before_cursor_execute", database_down)
    assert only_delivery(engine).state == "sending"  # the post reached Slack, its record did not
    assert run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=6)).posted == 1  # the lease is over
    assert len(posts(slack)) == 1  # before: 2
    assert only_delivery(engine).ts == posts(slack)[0]["ts"]


def test_without_the_history_scopes_a_reminder_taken_over_is_still_posted(engine, slack, poster, add):
    _, rule_id = add(remind=When(NINE))
    with Session(engine) as session:  # a process claimed the reminder and died before posting it
        session.add(Delivery(rule_id=rule_id, scheduled_at=NINE, claimed_until=NINE + datetime.timedelta(minutes=5)))
        session.get(ReminderRule, rule_id).next_fire_at = None
        session.commit()
    slack.script("conversations.history", Scripted(200, {"ok": False, "error": "missing_scope"}))
    assert run_due(engine, poster, TZ, NINE + datetime.timedelta(minutes=6)).posted == 1
    assert len(posts(slack)) == 1 and only_delivery(engine).state == "sent"
