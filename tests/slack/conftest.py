"""The Slack app over a local fake Slack, on SQLite and on PostgreSQL: in this process (one app per test
module and backend), or as real `python -m bot run` processes; and requests to it, signed as Slack signs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlmodel import Session

from bot.answers import Answer
from bot.config import Settings
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes
from bot.services.remarks import RemarksService
from bot.slack.app import build_bot
from bot.slack.server import make_http_server
from storage.engine import database_url, get_engine
from tests.conftest import BACKENDS, CHILD_PYTHONPATH, SAMPLE, new_database
from tests.fake_slack import BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, TEAM_ID, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "UADMIN"
FAILING_QUESTION = "please fail"  # the test service raises on this question, to exercise error handling


class FailingService(RemarksService):
    def answer(self, question: str) -> Answer:
        if question == FAILING_QUESTION:
            raise RuntimeError("a failure inside the core")
        return super().answer(question)


@dataclass
class Response:
    status: int
    body: str


@dataclass
class AppClient:
    """Requests to the app at `url` as Slack sends them, signed; answers are read from `fake`."""

    url: str
    fake: FakeSlack

    def get(self, path: str) -> Response:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def wait_ready(self, process: subprocess.Popen[str] | None = None, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.get("/readyz").status == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{self.url} was not ready within {timeout}s"
            assert process is None or process.poll() is None, f"the bot exited with {process.returncode}"
            time.sleep(0.1)

    def post(
        self,
        body: bytes,
        content_type: str,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST to /slack/events, signed the way Slack signs."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def command(
        self, text: str, user: str = "U1", response_name: str = "command", name: str = "/remarks", **kwargs: Any
    ) -> Response:
        form = {
            "command": name,
            "text": text,
            "user_id": user,
            "user_name": "someone",
            "channel_id": "C1",
            "channel_name": "general",
            "team_id": TEAM_ID,
            "token": "verification-token",
            "response_url": self.fake.response_url(response_name),
            "trigger_id": "1.2.3",
            "api_app_id": "A1",
        }
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kwargs)

    def event(self, event: dict[str, Any], event_id: str, **kwargs: Any) -> Response:
        body = {
            "type": "event_callback",
            "token": "verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A1",
            "event": event,
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return self.post(json.dumps(body).encode(), "application/json", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        payload = {"team": {"id": TEAM_ID}, "api_app_id": "A1", "token": "verification-token", **payload}
        return self.post(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded", **kwargs
        )

    def click(
        self,
        button: dict[str, Any],
        response_name: str,
        ephemeral: bool = True,
        user: str = "U1",
        message_ts: str = "1700000000.000001",
    ) -> Response:
        """A click on a button of a message in channel C1."""
        return self.interaction(
            {
                "type": "block_actions",
                "user": {"id": user},
                "trigger_id": "1.2.3",
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": "C1",
                    "is_ephemeral": ephemeral,
                },
                "channel": {"id": "C1"},
                "message": {"ts": message_ts},
                "response_url": self.fake.response_url(response_name),
                "actions": [
                    {
                        "type": "button",
                        "block_id": "b",
                        "action_id": button["action_id"],
                        "value": button["value"],
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )

    def click_home(self, button: dict[str, Any], user: str = "U1") -> Response:
        """A click on a button of the user's Home tab: no message, no response_url."""
        return self.interaction(
            {
                "type": "block_actions",
                "user": {"id": user},
                "trigger_id": "1.2.3",
                "container": {"type": "view", "view_id": "V1"},
                "view": {"id": "V1", "type": "home", "blocks": []},
                "actions": [
                    {
                        "type": "button",
                        "block_id": "b",
                        "action_id": button["action_id"],
                        "value": button["value"],
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )


@dataclass
class RunningApp(AppClient):
    """The app running in this test process, with its service and database."""

    service: RemarksService
    db_url: str


def load_sample(url: str) -> None:
    with Session(get_engine(database_url(url, Path(".")))) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database per test module and backend, with the sample minutes."""
    url = new_database(request, request.param, tmp_path_factory.mktemp("slack"))
    load_sample(url)
    return url


def app_settings(fake: FakeSlack, db_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=db_url,
        bot_admins=ADMIN,
        bot_digest="off",
    )


@contextlib.contextmanager
def serving(fake: FakeSlack, db_url: str, service: RemarksService) -> Iterator[RunningApp]:
    """The app as `python -m bot run --mode http` wires it (scheduler included) over `service`, in this process."""
    bot = build_bot(app_settings(fake, db_url), service)
    bot.start()
    server = make_http_server(bot.app, bot.readiness_problem, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield RunningApp(f"http://127.0.0.1:{server.server_port}", fake, service, db_url)
    finally:
        server.shutdown()
        server.server_close()
        bot.stop()


@pytest.fixture(scope="module")
def running(fake: FakeSlack, module_db_url: str) -> Iterator[RunningApp]:
    """The app in this process, on the machine's clock (leases on the database's)."""
    settings = app_settings(fake, module_db_url)
    service = FailingService(settings.sqlalchemy_url, default_alias_table(), default_glossary(), settings.admin_ids)
    with serving(fake, module_db_url, service) as app:
        yield app


@pytest.fixture
def slack(running: RunningApp) -> RunningApp:
    """The running app, with the fake's record of calls (and anything scripted) cleared."""
    running.fake.reset()
    return running


# --- the bot as a process ---------------------------------------------------------------------------


def bot_env(db_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_", "DATABASE_URL"))}
    return {**env, "DATABASE_URL": db_url, "PYTHONPATH": CHILD_PYTHONPATH, "BOT_DIGEST": "off", **settings}


@dataclass
class BotProcess:
    """`python -m bot run` in a subprocess; its output (JSON log lines) goes to `log`."""

    process: subprocess.Popen[str]
    log: Path
    client: AppClient

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as `docker stop` and `systemctl stop` send; the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text()

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.output().splitlines() if line.startswith("{")]


def start_bot(
    directory: Path, fake: FakeSlack, db_url: str, mode: str = "http", name: str = "bot", **settings: str
) -> BotProcess:
    """`python -m bot run` against `fake`: in HTTP mode on a free port of 127.0.0.1."""
    port = free_port()
    log = directory / f"{name}.log"
    env = bot_env(
        db_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url, **settings
    )
    args = ["--mode", mode] + (["--port", str(port)] if mode == "http" else [])
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return BotProcess(process, log, AppClient(f"http://127.0.0.1:{port}", fake))


def submission(view: dict[str, Any], title: str, remind: str, user: str = "U1") -> dict[str, Any]:
    """The modal `view` submitted with these values (the owner and channel as prefilled)."""
    values = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "owners": {"value": {"type": "multi_users_select", "selected_users": [user]}},
        "due": {"value": {"type": "datepicker", "selected_date": None}},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": "C1"}},
        "remind": {"value": {"type": "plain_text_input", "value": remind}},
    }
    return {
        "type": "view_submission",
        "user": {"id": user},
        "trigger_id": "1.2.4",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
        },
    }


# --- reading what the app said ----------------------------------------------------------------------


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of the actions blocks, by action_id."""
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def accessories(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons beside sections, in order."""
    return [b["accessory"] for b in blocks if b["type"] == "section" and "accessory" in b]


def has_bold(text: str, word: str) -> bool:
    """The word (or a longer match starting with it) is marked bold the way Slack renders inside Japanese."""
    return re.search("\u200b\\*" + re.escape(word) + "[^*]*\\*\u200b", text) is not None


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)
