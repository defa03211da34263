"""Running `python -m bot run --mode http` for real: one JSON log line per request without text or secrets,
/healthz and /readyz, and a graceful stop on SIGTERM that finishes the work in flight and gives back
the reminders the process claimed and did not post."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlmodel import Session, select

from bot.core.when import When
from bot.services.followups import FollowupService
from storage.engine import database_url, get_engine
from storage.models import Delivery
from tests.conftest import SAMPLE, new_database
from tests.fake_slack import BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, FakeSlack, rate_limited, slow
from tests.slack.conftest import ADMIN, load_sample, start_bot


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def test_each_request_is_one_json_log_line_without_its_text_or_any_secret(
    tmp_path: Path, fake: FakeSlack, db_url: str
) -> None:
    load_sample(db_url)
    bot = start_bot(tmp_path, fake, db_url)
    try:
        bot.client.wait_ready(bot.process)
        health = bot.client.get("/healthz")
        assert (health.status, health.body) == (200, "ok\n")
        assert bot.client.command("奨学金について話したのは誰", response_name="asked").status == 200
        [reply] = fake.wait_for("response_url")
        assert "奨学金" in reply.body["text"]
        assert bot.client.command("奨学金について話したのは誰", secret="wrongsecret").status == 401
    finally:
        code = bot.stop()
    assert code == 0, bot.output()
    output = bot.output()
    assert all(line.startswith("{") for line in output.splitlines()), output  # every line is a JSON object
    assert "奨学金" not in output and SIGNING_SECRET not in output and BOT_TOKEN not in output
    requests = [line for line in bot.log_lines() if line["message"] == "request"]
    assert [(r["kind"], r["type"], r["status"], r["outcome"]) for r in requests] == [
        ("command", "/remarks", 200, "ok"),
        ("command", "/remarks", 401, "rejected"),
    ]
    assert all(isinstance(r["latency_ms"], float) and r["level"] == "INFO" for r in requests)


def test_sigterm_finishes_the_work_in_flight_and_gives_back_an_unposted_reminder(
    tmp_path: Path, fake: FakeSlack, db_url: str
) -> None:
    tz = ZoneInfo("Asia/Tokyo")
    # a reminder fell due while the bot was down
    due = When(datetime.datetime.now(tz) - datetime.timedelta(minutes=5))
    FollowupService(get_engine(database_url(db_url, tmp_path)), tz).add(
        title="Send the survey", owners=["U2"], channel_id="C1", created_by="U1", remind=due
    )
    fake.script("chat.postMessage", rate_limited(60))  # Slack asks the reminder to wait a minute
    fake.script("files.info", slow(2.0))  # and is slow to give the file of an import
    bot = start_bot(tmp_path, fake, db_url, BOT_ADMINS=ADMIN)
    try:
        bot.client.wait_ready(bot.process)
        fake.wait_for("chat.postMessage")  # the catch-up tried the reminder and now waits
        file = fake.add_file("F1", "minutes.txt", SAMPLE.read_bytes())
        event = {
            "type": "app_mention",
            "user": ADMIN,
            "text": f"<@{BOT_USER_ID}> import",
            "ts": "300.1",
            "channel": "C1",
            "event_ts": "300.1",
            "files": [file],
        }
        assert bot.client.event(event, "EvImport").status == 200
        fake.wait_for("files.info")  # the import is in flight
        started = time.monotonic()
        code = bot.stop()
    finally:
        bot.stop()
    assert code == 0, bot.output()
    assert time.monotonic() - started < 15  # the minute's wait was cut short
    # (The review of the follow-ups found in the minutes goes to the admin's DM.)
    [reminder, imported] = [c for c in fake.recorded("chat.postMessage") if c.body["channel"] == "C1"]
    assert imported.body["thread_ts"] == "300.1" and imported.body["text"].startswith("Imported: ")
    with Session(get_engine(database_url(db_url, tmp_path))) as session:
        [delivery] = session.exec(select(Delivery)).all()
    assert delivery.state == "pending" and delivery.attempts == 0
    assert delivery.claimed_until <= datetime.datetime.now(datetime.UTC)  # any process may post it now
    messages = [line["message"] for line in bot.log_lines()]
    assert "reminders: gave back 1 unposted reminder(s) for another process" in messages and messages[-1] == "stopped"


def test_readyz_is_503_while_the_database_is_unreachable(
    tmp_path: Path, fake: FakeSlack, request: pytest.FixtureRequest
) -> None:
    url = new_database(request, "postgresql", tmp_path)
    bot = start_bot(tmp_path, fake, url)
    try:
        bot.client.wait_ready(bot.process)
        with psycopg.connect(request.getfixturevalue("postgres_server").url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")
        ready = bot.client.get("/readyz")
        assert (ready.status, ready.body) == (503, "not ready: the database cannot be reached\n")
        assert bot.client.get("/healthz").status == 200  # the process itself is up
    finally:
        bot.stop()
