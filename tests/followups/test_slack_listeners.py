"""/followup and the reminder buttons through Bolt, against the fake Web API."""

from __future__ import annotations

import datetime
import json
import urllib.parse

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import get_settings
from bot.followups.delivery import run_due
from bot.slack.listeners import followups as listener
from storage.followups import FollowUp
from tests.followups.conftest import TZ


@pytest.fixture
def app(db_url, slack, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    app = App(client=WebClient(token="xoxb-test", base_url=slack.url), signing_secret="x",
              token_verification_enabled=False, request_verification_enabled=False, process_before_response=True)
    listener.register(app)
    yield app
    get_settings.cache_clear()


def command(app: App, text: str) -> None:
    body = urllib.parse.urlencode({"command": "/followup", "text": text, "user_id": "U1", "channel_id": "C1",
                                   "response_url": "http://127.0.0.1:1/respond", "team_id": "T1"})
    app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))


def test_add_then_done_button_then_stale_click(app, engine, poster, slack, monkeypatch):
    replies: list[dict] = []
    monkeypatch.setattr("slack_bolt.context.respond.respond.Respond.__call__", lambda self, **kw: replies.append(kw))
    command(app, "add 報告書を送る 担当 <@U2> リマインド 2030-12-01 09:00")
    assert "2030年12月1日(日) 9:00 にリマインドします" in replies[-1]["text"]
    with Session(engine) as session:
        followup = session.get(FollowUp, 1)
        assert followup.owners == ["U2"] and followup.channel_id == "C1"
    for user in ("U2", "U3"):
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "channel": {"id": "C1"},
                   "message": {"ts": "1.0"}, "response_url": "http://127.0.0.1:1/respond", "trigger_id": "t",
                   "actions": [{"action_id": "followup_done", "value": "1", "type": "button"}]}
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))
    updates = slack.posts("chat.update")
    assert len(updates) == 2 and "Done" in updates[0]["text"]
    assert "already done by <@U2>" in replies[-1]["text"]
    assert run_due(engine, poster, TZ, datetime.datetime(2030, 12, 1, 9, 0, tzinfo=TZ)).posted == 0
