"""Faults around the running app (in this process, over HTTP, on SQLite and PostgreSQL): answers survive
Slack's 5xx and are never posted twice (not after a 5xx Slack gave having taken the post, nor by a replica
whose clock is minutes off), replayed requests are not executed again, malformed requests get 400 without
a traceback."""

from __future__ import annotations

import datetime
import logging
import time
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.clock import DatabaseClock, FixedClock
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.services.remarks import RemarksService
from bot.slack.app import ANSWERING_AT_ONCE
from bot.slack.poster import DELIVERY_EVENT
from storage.engine import database_url, get_engine
from storage.models import FollowUp, HandledEvent
from tests.fake_slack import BOT_TOKEN, BOT_USER_ID, POSTED_THEN_500, SERVER_ERROR, rate_limited, slow
from tests.slack.conftest import ADMIN, RunningApp, buttons, serving, start_bot

APOLOGY = "Sorry, something went wrong"


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def mention(text: str, ts: str) -> dict:
    return {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": "C1",
        "event_ts": ts,
    }


def engine_of(db_url: str):
    return get_engine(database_url(db_url, Path(".")))


def wait_answered(db_url: str, event_id: str, timeout: float = 15.0) -> None:
    """Until the event is marked handled for good (its answer posted, or found already posted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine_of(db_url)) as session:
            handled = session.exec(select(HandledEvent).where(HandledEvent.event_id == event_id)).first()
            if handled is not None and handled.answered_at is not None:
                return
        time.sleep(0.02)
    raise AssertionError(f"{event_id} was not answered within {timeout}s")


def answers_in_thread(slack: RunningApp, channel: str, event_id: str) -> list[dict]:
    """The messages in the channel tagged as the answer to the event."""
    return [
        message
        for message in slack.fake.history.get(channel, [])
        if (message.get("metadata") or {}).get("event_payload", {}).get("delivery_id") == f"answer:{event_id}"
    ]


def test_an_answer_to_a_mention_survives_one_slack_500(slack: RunningApp) -> None:
    slack.fake.script("chat.postMessage", SERVER_ERROR)
    assert slack.event(mention("奨学金について話したのは誰", "500.1"), "EvFault500").status == 200
    failed, answer = slack.fake.wait_for("chat.postMessage", 2)
    assert failed.body["text"] == answer.body["text"] and "奨学金" in answer.body["text"]
    assert APOLOGY not in answer.body["text"]


def test_an_answer_slack_took_before_answering_500_is_not_posted_again(slack: RunningApp) -> None:
    slack.fake.script("chat.postMessage", POSTED_THEN_500)
    assert slack.event(mention("奨学金について話したのは誰", "500.3"), "EvPosted500").status == 200
    wait_answered(slack.db_url, "EvPosted500")
    [lookup] = slack.fake.recorded("conversations.replies")  # the thread, where the answer went
    assert lookup.body["ts"] == "500.3" and lookup.body["oldest"] == "500.3"
    assert len(slack.fake.recorded("chat.postMessage")) == 1  # before: 2, the answer twice in the thread
    assert len(answers_in_thread(slack, "C1", "EvPosted500")) == 1


def test_an_answer_to_a_direct_message_slack_took_before_answering_500_is_not_posted_again(slack: RunningApp) -> None:
    slack.fake.script("chat.postMessage", POSTED_THEN_500)
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "奨学金", "ts": "500.4"}
    assert slack.event(dm, "EvPostedDm500").status == 200
    wait_answered(slack.db_url, "EvPostedDm500")
    assert len(slack.fake.recorded("conversations.history")) == 1  # a DM's answer is not in a thread
    assert len(slack.fake.recorded("chat.postMessage")) == 1  # before: 2
    assert len(answers_in_thread(slack, "D1", "EvPostedDm500")) == 1


def test_the_retry_of_an_event_whose_replica_died_after_posting_finds_the_answer(slack: RunningApp) -> None:
    claimed_earlier(slack.db_url, "EvPostedDied", "500.5", minutes_ago=5, answered=False)
    client = WebClient(token=BOT_TOKEN, base_url=slack.fake.api_url)  # the dead replica's answer reached Slack
    metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery_id": "answer:EvPostedDied"}}
    client.chat_postMessage(channel="C1", thread_ts="500.5", text="the answer", metadata=metadata)
    assert slack.event(mention("奨学金について話したのは誰", "500.5"), "EvPostedDied", headers=RETRY).status == 200
    wait_answered(slack.db_url, "EvPostedDied")
    assert len(slack.fake.recorded("chat.postMessage")) == 1  # the dead replica's; before: 2
    assert len(slack.fake.recorded("conversations.replies")) == 1


def test_two_replicas_whose_clocks_differ_by_six_minutes_answer_an_event_once(
    slack: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    engine = engine_of(slack.db_url)
    ahead_by_six_minutes = RemarksService(
        slack.db_url,
        default_alias_table(),
        default_glossary(),
        frozenset(),
        clock=FixedClock(DatabaseClock(engine).now() + datetime.timedelta(minutes=6)),
        database_clock=DatabaseClock(engine),  # as the running app's: both replicas' claims follow the database
    )
    caplog.set_level(logging.INFO, "bot.slack.requests")
    with serving(slack.fake, slack.db_url, ahead_by_six_minutes) as ahead:
        slack.fake.script("chat.postMessage", slow(5))
        event = mention("奨学金について話したのは誰", "504.1")
        assert slack.event(event, "EvSkewed").status == 200
        slack.fake.wait_for("chat.postMessage")  # the first replica is posting its answer, Slack is slow
        assert ahead.event(event, "EvSkewed", headers=RETRY).status == 200  # Slack's retry, to the other
        wait_answered(slack.db_url, "EvSkewed")
    outcomes = [record.outcome for record in caplog.records if record.name == "bot.slack.requests"]
    assert outcomes == ["ok", "duplicate"]  # before (each replica's clock): ["ok", "ok"], 2 answers
    assert len(slack.fake.recorded("chat.postMessage")) == 1
    assert slack.fake.recorded("conversations.replies") == []  # nobody took it over, nobody looked


def minutes(title: str) -> bytes:
    return f"""{title}

1 実施日時

令和7年（2025年）11月20日（木）10:00～11:00

2 意見交換の主なコメント

<留萌市長>

- 冬の暮らしを守るため、来年度から除雪体制を強化する。
""".encode()


def import_as_admin(slack: RunningApp, file: dict, ts: str, event_id: str) -> str:
    """The reply to an admin's import of the file, once its review has been sent, or not."""
    before = len(slack.fake.recorded("chat.postMessage"))
    event = {**mention("import", ts), "user": ADMIN, "files": [file]}
    assert slack.event(event, event_id).status == 200
    wait_answered(slack.db_url, event_id)
    [reply] = [c for c in slack.fake.recorded("chat.postMessage")[before:] if c.body["channel"] == "C1"]
    return reply.body["text"]


def reviews_in_the_admins_dm(slack: RunningApp, title: str) -> int:
    return sum(title in (message["text"] or "") for message in slack.fake.history.get("DADMIN", []))


def test_a_review_slack_refused_is_sent_by_the_next_import(slack: RunningApp) -> None:
    file = slack.fake.add_file("FREFUSED", "refused.txt", minutes("除雪連絡会議"))
    slack.fake.script("chat.postMessage", *[SERVER_ERROR] * 4)  # every try of the review
    reply = import_as_admin(slack, file, "505.1", "EvReviewRefused")
    assert "Imported" in reply and "could not be sent for review" in reply
    assert reviews_in_the_admins_dm(slack, "除雪連絡会議") == 0
    reply = import_as_admin(slack, file, "505.2", "EvReviewAgain")
    assert "Already imported" in reply and "could not be sent" not in reply
    assert reviews_in_the_admins_dm(slack, "除雪連絡会議") == 1  # before: 0, the review lost for good


def test_a_review_slack_took_before_answering_500_is_sent_once(slack: RunningApp) -> None:
    file = slack.fake.add_file("FPOSTED", "posted.txt", minutes("除雪対策会議"))
    slack.fake.script("chat.postMessage", POSTED_THEN_500)
    reply = import_as_admin(slack, file, "505.3", "EvReviewPosted")
    assert "Imported" in reply and "could not be sent" not in reply
    assert reviews_in_the_admins_dm(slack, "除雪対策会議") == 1  # before: 2


def test_an_answer_to_a_mention_waits_out_a_short_rate_limit(slack: RunningApp) -> None:
    slack.fake.script("chat.postMessage", rate_limited(retry_after=1))
    slack.event(mention("奨学金について話したのは誰", "500.2"), "EvFault429")
    limited, answer = slack.fake.wait_for("chat.postMessage", 2)
    assert limited.body["text"] == answer.body["text"] and answer.received_at - limited.received_at >= 1


def test_an_answer_to_a_command_survives_one_slack_500(slack: RunningApp) -> None:
    slack.fake.script("response_url", SERVER_ERROR)
    assert slack.command("奨学金について話したのは誰", response_name="after-500").status == 200
    failed, answer = slack.fake.wait_for("response_url", 2)
    assert failed.body == answer.body and "奨学金" in answer.body["text"]


def test_a_share_slack_may_have_posted_to_the_channel_is_not_posted_twice(slack: RunningApp) -> None:
    slack.command("奨学金について話したのは誰", response_name="to-share")
    [private] = slack.fake.wait_for("response_url")
    slack.fake.script("response_url", SERVER_ERROR)
    slack.click(buttons(private.body["blocks"])["remarks_share"], "shared")
    replies = slack.fake.wait_for("response_url", 3)
    shared = [call for call in replies if call.body.get("response_type") == "in_channel"]
    assert len(shared) == 1  # before: 2, when Slack had posted the first
    assert APOLOGY in replies[2].body["text"] and replies[2].body["response_type"] == "ephemeral"


def test_an_event_whose_answer_never_got_through_is_answered_when_slack_retries_it(slack: RunningApp) -> None:
    # Every try of the answer fails; the apology after them gets through.
    slack.fake.script("chat.postMessage", *[SERVER_ERROR] * 4)
    event = mention("奨学金について話したのは誰", "501.1")
    assert slack.event(event, "EvFault501").status == 200
    apology = slack.fake.wait_for("chat.postMessage", 5, timeout=20)[4]
    assert APOLOGY in apology.body["text"]
    retry = slack.event(event, "EvFault501", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry.status == 200
    answer = slack.fake.wait_for("chat.postMessage", 6)[5]
    assert "奨学金" in answer.body["text"] and answer.body["thread_ts"] == "501.1"


def test_an_acknowledgement_never_waits_behind_other_answers(slack: RunningApp) -> None:
    # Every answering turn taken by an answer that Slack takes 5 s to accept.
    slack.fake.script("response_url", *[slow(5)] * ANSWERING_AT_ONCE)
    for number in range(ANSWERING_AT_ONCE):
        assert slack.command("help", response_name=f"slow-{number}").status == 200
    slack.fake.wait_for("response_url", ANSWERING_AT_ONCE)
    started = time.monotonic()
    assert slack.command("help", response_name="next").status == 200
    assert time.monotonic() - started < 3  # Slack's deadline, and before any turn comes free
    answers = slack.fake.wait_for("response_url", ANSWERING_AT_ONCE + 1, timeout=15)
    assert answers[-1].path == "/respond/next"


def test_events_acknowledged_by_bolt_give_their_answering_turns_back(slack: RunningApp) -> None:
    # Bolt acknowledges an event itself, in the receiving thread, before its listener runs.
    events = 2 * ANSWERING_AT_ONCE + 1
    for number in range(events):
        slack.event(mention("help", f"503.{number}"), f"EvTurn{number}")
    slack.fake.wait_for("chat.postMessage", events)
    assert slack.command("help", response_name="after-events").status == 200
    [answer] = slack.fake.wait_for("response_url")
    assert answer.path == "/respond/after-events"


def claimed_earlier(db_url: str, event_id: str, ts: str, minutes_ago: float, answered: bool) -> None:
    """The event as a replica left it, that claimed it `minutes_ago` (by the database's clock, which claims
    follow) and then answered it or died."""
    engine = get_engine(database_url(db_url, Path(".")))
    claimed_at = DatabaseClock(engine).now() - datetime.timedelta(minutes=minutes_ago)
    with Session(engine) as session:
        session.add(
            HandledEvent(
                event_id=event_id,
                message_key=f"C1:{ts}",
                handled_at=claimed_at,
                answered_at=claimed_at if answered else None,
            )
        )
        session.commit()


def test_an_event_whose_replica_died_before_answering_is_answered_on_slacks_later_retry(slack: RunningApp) -> None:
    claimed_earlier(slack.db_url, "EvDied", "502.1", minutes_ago=5, answered=False)
    claimed_earlier(slack.db_url, "EvAnswering", "502.2", minutes_ago=0.5, answered=False)  # still at it
    claimed_earlier(slack.db_url, "EvAnswered", "502.3", minutes_ago=5, answered=True)
    retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    for event_id, ts in (("EvAnswering", "502.2"), ("EvAnswered", "502.3"), ("EvDied", "502.1")):
        assert slack.event(mention("奨学金について話したのは誰", ts), event_id, headers=retry).status == 200
    [answer] = slack.fake.wait_for("chat.postMessage")
    assert answer.body["thread_ts"] == "502.1"
    time.sleep(0.3)  # an answer to either of the others would have come by now
    assert len(slack.fake.recorded("chat.postMessage")) == 1
    # Answered now: a retry after this one is dropped.
    assert slack.event(mention("奨学金について話したのは誰", "502.1"), "EvDied", headers=retry).status == 200
    time.sleep(0.3)
    assert len(slack.fake.recorded("chat.postMessage")) == 1


def followups_titled(db_url: str, title: str) -> int:
    with Session(get_engine(database_url(db_url, Path(".")))) as session:
        return len(session.exec(select(FollowUp).where(FollowUp.title == title)).all())


def test_a_replayed_followup_command_is_acknowledged_and_not_executed_again(slack: RunningApp) -> None:
    signed_at = int(time.time())  # one timestamp, one body: the same signature, as a recorded request replayed
    for _ in range(3):
        assert (
            slack.command(
                "add Replayed survey owner <@U2>", name="/followup", response_name="replayed", timestamp=signed_at
            ).status
            == 200
        )
    [added] = slack.fake.wait_for("response_url")
    assert "added" in added.body["text"]
    slack.command("help", response_name="sentinel")  # answered after the replays: they had their chance
    slack.fake.wait_for("response_url", 2)
    assert followups_titled(slack.db_url, "Replayed survey") == 1
    assert [call.path for call in slack.fake.recorded("response_url")] == ["/respond/replayed", "/respond/sentinel"]


def test_a_request_replayed_to_another_replica_is_not_executed_there(slack: RunningApp, tmp_path: Path) -> None:
    other = start_bot(tmp_path, slack.fake, slack.db_url, name="other-replica")
    try:
        other.client.wait_ready(other.process)
        signed_at = int(time.time())
        assert slack.command("add Survey replayed elsewhere", name="/followup", timestamp=signed_at).status == 200
        slack.fake.wait_for("response_url")
        replayed = other.client.command("add Survey replayed elsewhere", name="/followup", timestamp=signed_at)
        assert replayed.status == 200
        other.client.command("help", response_name="sentinel")
        slack.fake.wait_for("response_url", 2)
    finally:
        assert other.stop() == 0, other.output()
    assert followups_titled(slack.db_url, "Survey replayed elsewhere") == 1
    assert [line["outcome"] for line in other.log_lines() if line.get("type") == "/followup"] == ["duplicate"]


@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        (b"command=%2Fremarks&text=help", "application/x-www-form-urlencoded", {"X-Slack-Request-Timestamp": "soon"}),
        (b'{"type": "event_callback", "event": ', "application/json", {}),
        (b"[1, 2]", "application/json", {}),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", {}),
    ],
    ids=["timestamp-not-a-number", "broken-json", "json-not-an-object", "broken-payload"],
)
def test_a_malformed_request_gets_400_and_no_traceback(
    slack: RunningApp, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    caplog.set_level(logging.DEBUG)
    response = slack.post(body, content_type, headers=headers)  # signed as Slack signs
    assert response.status == 400
    errors = [record.getMessage() for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert errors == []
    assert slack.fake.said() == []
