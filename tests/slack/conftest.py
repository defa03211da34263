"""The Slack app running on 127.0.0.1 over a local fake Slack, one per test module, and signed requests to it."""

from __future__ import annotations

import json
import re
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
from bot.slack.app import create_app
from bot.slack.server import make_http_server
from bot.slack.service import RemarksService
from storage.engine import get_engine
from tests.conftest import SAMPLE
from tests.slack.fake_slack import BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, TEAM_ID, FakeSlack

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
class RunningApp:
    url: str
    fake: FakeSlack
    service: RemarksService

    def get(self, path: str) -> Response:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def post(self, body: bytes, content_type: str, timestamp: int | None = None,
             secret: str = SIGNING_SECRET, headers: dict[str, str] | None = None) -> Response:
        """POST to /slack/events, signed the way Slack signs."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(self.url + "/slack/events", data=body, method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def command(self, text: str, user: str = "U1", response_name: str = "command", **kwargs: Any) -> Response:
        form = {"command": "/remarks", "text": text, "user_id": user, "user_name": "someone", "channel_id": "C1",
                "channel_name": "general", "team_id": TEAM_ID, "token": "verification-token",
                "response_url": self.fake.response_url(response_name), "trigger_id": "1.2.3", "api_app_id": "A1"}
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kwargs)

    def event(self, event: dict[str, Any], event_id: str, **kwargs: Any) -> Response:
        body = {"type": "event_callback", "token": "verification-token", "team_id": TEAM_ID, "api_app_id": "A1",
                "event": event, "event_id": event_id, "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}
        return self.post(json.dumps(body).encode(), "application/json", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        payload = {"team": {"id": TEAM_ID}, "api_app_id": "A1", "token": "verification-token", **payload}
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded", **kwargs)

    def click(self, button: dict[str, Any], response_name: str, ephemeral: bool = True, user: str = "U1") -> Response:
        return self.interaction({
            "type": "block_actions", "user": {"id": user}, "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C1", "is_ephemeral": ephemeral},
            "channel": {"id": "C1"}, "response_url": self.fake.response_url(response_name),
            "actions": [{"type": "button", "block_id": "b", "action_id": button["action_id"], "value": button["value"],
                         "action_ts": str(time.time())}],
        })


def load_sample(url: str) -> None:
    with Session(get_engine(url)) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())


def start_app(fake: FakeSlack, database_url: str) -> tuple[RunningApp, Any]:
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url,
                        database_url=database_url, bot_admins=ADMIN)
    service = FailingService(settings.sqlalchemy_url, default_alias_table(), default_glossary(), settings.admin_ids)
    server = make_http_server(create_app(settings, service), service, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return RunningApp(f"http://127.0.0.1:{server.server_port}", fake, service), server


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def running(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    url = f"sqlite:///{tmp_path_factory.mktemp('slack') / 'slack.db'}"
    load_sample(url)
    app, server = start_app(fake, url)
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(running: RunningApp) -> RunningApp:
    """The running app, with the fake's record of calls cleared."""
    running.fake.reset()
    return running


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def has_bold(text: str, word: str) -> bool:
    """The word (or a longer match starting with it) is marked bold the way Slack renders inside Japanese."""
    return re.search("\u200b\\*" + re.escape(word) + "[^*]*\\*\u200b", text) is not None


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


ROOT = Path(__file__).resolve().parents[2]
