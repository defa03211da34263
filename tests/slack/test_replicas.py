"""Two replicas, `python -m bot run --mode http` on two ports of one database (SQLite and PostgreSQL):
nothing that matters lives in a process's memory. A retried event is answered once whichever replica
gets it, paging works across replicas, and a reminder is posted once although both schedulers run.

Reminder times have minute precision, so the reminder test waits for the next whole minute (30 s on
average): it does so once for both databases."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from storage.engine import database_url, get_engine
from storage.models import Delivery
from tests.conftest import BACKENDS, SAMPLE, new_database
from tests.fake_slack import BOT_USER_ID, FakeSlack
from tests.slack.conftest import BotProcess, all_text, buttons, load_sample, start_bot

TZ = ZoneInfo("Asia/Tokyo")  # BOT_TIMEZONE's default, which the replicas run with
ADMIN = "U0ADMIN"


@dataclass
class Replicas:
    db_url: str
    bots: list[BotProcess]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def replicas(
    fake: FakeSlack, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Replicas]]:
    """Two replicas on one database, for each backend, all running at once: the reminder test waits for
    the next minute on both databases together."""
    pairs = {}
    for backend in BACKENDS:
        directory = tmp_path_factory.mktemp(backend)
        url = new_database(request, backend, directory)
        load_sample(url)
        replicas = [start_bot(directory, fake, url, name=f"replica-{n}", BOT_ADMINS=ADMIN) for n in (1, 2)]
        pairs[backend] = Replicas(url, replicas)
    bots = [bot for pair in pairs.values() for bot in pair.bots]
    try:
        for bot in bots:
            bot.client.wait_ready(bot.process)
        yield pairs
    finally:
        codes = [bot.stop() for bot in bots]
    assert codes == [0] * len(bots), [bot.output() for bot in bots]


@pytest.fixture(params=BACKENDS)
def pair(request: pytest.FixtureRequest, replicas: dict[str, Replicas], fake: FakeSlack) -> list[BotProcess]:
    """Replica one and replica two of one backend, with the fake's record cleared."""
    fake.reset()
    return replicas[request.param].bots


def test_an_event_retried_to_the_other_replica_is_answered_once(pair: list[BotProcess], fake: FakeSlack) -> None:
    one, two = pair
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@{BOT_USER_ID}> who talked about scholarships",
        "ts": "400.1",
        "channel": "C1",
        "event_ts": "400.1",
    }
    assert one.client.event(event, "EvReplicas1").status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert two.client.event(event, "EvReplicas1", headers=retry).status == 200
    fake.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(fake.recorded("chat.postMessage")) == 1
    assert [line["outcome"] for line in two.log_lines() if line.get("type") == "app_mention"] == ["duplicate"]


def test_more_on_an_answer_from_one_replica_is_served_by_the_other(pair: list[BotProcess], fake: FakeSlack) -> None:
    one, two = pair
    one.client.command("人材について", response_name="first")
    first = fake.wait_for("response_url")[0].body
    two.client.click(buttons(first["blocks"])["remarks_more"], "more")
    second = fake.wait_for("response_url", 2)[1].body
    assert re.search(r"\d+件中 6–10件目", all_text(second["blocks"]))


def soon(margin: float) -> datetime.datetime:
    """A whole second at least `margin` seconds from now, in the bot's zone: far enough not to race the command."""
    return (datetime.datetime.now(TZ) + datetime.timedelta(seconds=margin)).replace(microsecond=0)


def test_a_reminder_added_on_one_replica_is_posted_once_at_its_time(
    replicas: dict[str, Replicas], fake: FakeSlack
) -> None:
    """On each database, `/followup add … remind <time>` sent to replica one: one post at that time."""
    fake.reset()
    at = soon(margin=4)
    for backend, pair in replicas.items():
        pair.bots[0].client.command(
            f"add Survey on {backend} owner <@U2> remind {at:%Y-%m-%dT%H:%M:%S}",
            name="/followup",
            response_name=backend,
        )
    for added in fake.wait_for("response_url", len(replicas)):
        assert f"Reminder set for {at:%Y-%m-%d}" in added.body["text"]
    time.sleep(max(0.0, (at - datetime.datetime.now(TZ)).total_seconds()))
    posts = fake.wait_for("chat.postMessage", len(replicas), timeout=5)
    assert sorted(post.body["text"].split("Reminder: ")[1] for post in posts) == [
        f"Survey on {b}" for b in sorted(replicas)
    ]
    assert all(
        post.body["channel"] == "C1" and at.timestamp() <= post.received_at < at.timestamp() + 3 for post in posts
    )
    time.sleep(3)  # both replicas' schedulers woke at that minute: a second post would have come by now
    assert len(fake.recorded("chat.postMessage")) == len(replicas)
    for pair in replicas.values():
        with Session(get_engine(database_url(pair.db_url, Path(".")))) as session:
            [delivery] = session.exec(select(Delivery)).all()
        assert delivery.state == "sent" and delivery.scheduled_at == at


def test_minutes_imported_through_both_replicas_are_reviewed_once(pair: list[BotProcess], fake: FakeSlack) -> None:
    """The same minutes imported on each replica (one after the other, or as Slack retries): one review."""
    file = fake.add_file("FSAMPLE", SAMPLE.name, SAMPLE.read_bytes())
    for n, bot in enumerate(pair):
        ts = f"500.{n}"
        event = {
            "type": "app_mention",
            "user": ADMIN,
            "text": f"<@{BOT_USER_ID}> import",
            "ts": ts,
            "channel": "C1",
            "event_ts": ts,
            "files": [file],
        }
        assert bot.client.event(event, f"EvImport{n}").status == 200
        wait_for_reply_in_thread(fake, ts)  # posted after the review, if the import sent one
    reviews = [p for p in fake.recorded("chat.postMessage") if "follow-ups found in" in p.body.get("text", "")]
    assert [review.body["channel"] for review in reviews] == ["D" + ADMIN.removeprefix("U")]  # the admin's DM


def wait_for_reply_in_thread(fake: FakeSlack, ts: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(post.body.get("thread_ts") == ts for post in fake.recorded("chat.postMessage")):
            return
        time.sleep(0.02)
    raise AssertionError(f"no reply in the thread of {ts} within {timeout} s")
