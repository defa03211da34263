"""`python -m bot run` as a user starts it: settings checks, Socket Mode and HTTP mode, over the fake Slack."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_slack import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, TEAM_ID, FakeSlack, FakeSocketMode
from tests.slack.conftest import bot_env, has_bold, load_sample, start_bot


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bot.db'}"


def run_bot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        cwd=tmp_path,
        env=bot_env(sqlite_url(tmp_path), **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "error: SLACK_BOT_TOKEN is not set (find it at "),
        (
            {"SLACK_BOT_TOKEN": "xoxp-user-token-secret"},
            "error: SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-",
        ),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "error: SLACK_SIGNING_SECRET is not set, and HTTP mode needs it"),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong-kind"},
            "error: SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-",
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": "slack.com/api"},
            "error: SLACK_API_URL is malformed",
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "BOT_ADMINS": "alice"},
            "error: BOT_ADMINS is malformed",
        ),
        # Checked before anything reaches Slack: the API URL here leads nowhere.
        (
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": "http://127.0.0.1:1/api/",
                "BOT_DIGEST": "every blue moon",
            },
            "error: BOT_DIGEST is not a time I understand",
        ),
        (
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": "http://127.0.0.1:1/api/",
                "BOT_DIGEST": "tomorrow 9:00",
            },
            "error: BOT_DIGEST must repeat",
        ),
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_with_one_line(
    tmp_path: Path, settings: dict[str, str], expected: str
) -> None:
    result = run_bot(tmp_path, **settings)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(expected), result.stderr
    assert "secret" not in result.stderr and "wrong-kind" not in result.stderr


def test_a_refused_token_stops_start_up_without_showing_it(tmp_path: Path) -> None:
    fake = FakeSlack()  # answers invalid_auth to any other token than xoxb-test
    try:
        result = run_bot(
            tmp_path,
            "--mode",
            "http",
            SLACK_BOT_TOKEN="xoxb-revoked-123",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
        )
    finally:
        fake.close()
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("error: Slack did not accept SLACK_BOT_TOKEN")
    assert "Traceback" not in result.stderr and "xoxb-revoked-123" not in result.stderr


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def test_socket_mode_acknowledges_an_envelope_answers_in_the_thread_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeSlack
) -> None:
    load_sample(sqlite_url(tmp_path))
    socket_mode = FakeSocketMode()
    fake.socket_url = socket_mode.url
    bot = start_bot(tmp_path, fake, sqlite_url(tmp_path), mode="socket", SLACK_APP_TOKEN=APP_TOKEN)
    try:
        socket_mode.wait_connected()
        event = {
            "type": "app_mention",
            "user": "U1",
            "text": f"<@{BOT_USER_ID}> what did 苫前町長 say about foreign workers",
            "ts": "200.1",
            "channel": "C1",
            "event_ts": "200.1",
        }
        socket_mode.send(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": {
                    "type": "event_callback",
                    "team_id": TEAM_ID,
                    "api_app_id": "A1",
                    "event": event,
                    "event_id": "EvSocket1",
                    "event_time": int(time.time()),
                },
            }
        )
        assert socket_mode.wait_for_ack("env-1") == {"envelope_id": "env-1"}
        [post] = fake.wait_for("chat.postMessage", timeout=15)
        assert post.body["channel"] == "C1" and post.body["thread_ts"] == "200.1"
        assert has_bold(json.dumps(post.body["blocks"], ensure_ascii=False), "外国人")
        [opened] = fake.recorded("apps.connections.open")
        assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    finally:
        code = bot.stop()
        socket_mode.close()
    assert code == 0, bot.output()
    log = bot.output()
    assert APP_TOKEN not in log and BOT_TOKEN not in log
    [request] = [line for line in bot.log_lines() if line["message"] == "request"]
    assert (request["kind"], request["type"], request["outcome"]) == ("event", "app_mention", "ok")
