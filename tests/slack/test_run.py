"""`python -m bot run` as a user starts it: settings checks, Socket Mode and HTTP mode, over the fakes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.slack.conftest import ROOT, has_bold, load_sample
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, TEAM_ID, FakeSlack, FakeSocketMode


def bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_", "DATABASE_URL"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PYTHONPATH": str(ROOT), **settings}


def run_bot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "run", *args], cwd=tmp_path, env=bot_env(tmp_path, **settings),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "error: SLACK_BOT_TOKEN is not set (find it at "),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token-secret"}, "error: SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "error: SLACK_SIGNING_SECRET is not set, and HTTP mode needs it"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong-kind"},
         "error: SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": "slack.com/api"},
         "error: SLACK_API_URL is malformed"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "BOT_ADMINS": "alice"}, "error: BOT_ADMINS is malformed"),
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_with_one_line(tmp_path: Path, settings: dict[str, str], expected: str) -> None:
    result = run_bot(tmp_path, **settings)
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(expected)
    assert "secret" not in result.stderr and "wrong-kind" not in result.stderr


def test_a_refused_token_stops_start_up_without_showing_it(tmp_path: Path) -> None:
    fake = FakeSlack()  # answers invalid_auth to any other token than xoxb-test
    try:
        result = run_bot(tmp_path, "--mode", "http", SLACK_BOT_TOKEN="xoxb-revoked-123", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                         SLACK_API_URL=fake.api_url)
    finally:
        fake.close()
    assert result.returncode != 0
    assert result.stderr.splitlines()[-1].startswith("error: Slack did not accept SLACK_BOT_TOKEN")
    assert "Traceback" not in result.stderr and "xoxb-revoked-123" not in result.stderr


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def start(tmp_path: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    load_sample(f"sqlite:///{tmp_path / 'bot.db'}")
    log = (tmp_path / "bot.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=tmp_path, env=bot_env(tmp_path, **settings),
                            stdout=log, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen[str], tmp_path: Path) -> str:
    process.terminate()
    process.wait(timeout=10)
    return (tmp_path / "bot.log").read_text()


def test_socket_mode_acknowledges_an_envelope_and_answers_in_the_thread(tmp_path: Path, fake: FakeSlack) -> None:
    socket_mode = FakeSocketMode()
    fake.socket_url = socket_mode.url
    process = start(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake.api_url)
    try:
        socket_mode.wait_connected()
        event = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> what did 苫前町長 say about foreign workers",
                 "ts": "200.1", "channel": "C1", "event_ts": "200.1"}
        socket_mode.send({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False, "retry_attempt": 0,
                     "retry_reason": "", "payload": {"type": "event_callback", "team_id": TEAM_ID, "api_app_id": "A1",
                                                     "event": event, "event_id": "EvSocket1", "event_time": int(time.time())}})
        assert socket_mode.wait_for_ack("env-1") == {"envelope_id": "env-1"}
        [post] = fake.wait_for("chat.postMessage", timeout=15)
        assert post.body["channel"] == "C1" and post.body["thread_ts"] == "200.1"
        assert has_bold(json.dumps(post.body["blocks"], ensure_ascii=False), "外国人")
        [opened] = fake.recorded("apps.connections.open")
        assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    finally:
        log = stop(process, tmp_path)
        socket_mode.close()
    assert APP_TOKEN not in log and BOT_TOKEN not in log


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_http_mode_serves_health_and_commands_on_one_port(tmp_path: Path, fake: FakeSlack, unused_port: int) -> None:
    process = start(tmp_path, "--mode", "http", "--port", str(unused_port), SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    base = f"http://127.0.0.1:{unused_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, (tmp_path / "bot.log").read_text()
                time.sleep(0.1)
        body = urlencode({"command": "/remarks", "text": "奨学金について話したのは誰", "user_id": "U1", "channel_id": "C1",
                          "team_id": TEAM_ID, "response_url": fake.response_url("run")}).encode()
        ts = str(int(time.time()))
        request = urllib.request.Request(base + "/slack/events", data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        [reply] = fake.wait_for("response_url")
        assert "奨学金" in reply.body["text"]
    finally:
        log = stop(process, tmp_path)
    assert SIGNING_SECRET not in log and BOT_TOKEN not in log
