"""Faults around the running app (in this process, over HTTP, on SQLite and PostgreSQL): answers survive
Slack's 5xx, replayed requests are not executed again, malformed requests get 400 without a traceback."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.fake_slack import BOT_USER_ID, SERVER_ERROR
from tests.slack.conftest import RunningApp

APOLOGY = "Sorry, something went wrong"


def mention(text: str, ts: str) -> dict:
    return {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": "C1",
            "event_ts": ts}


def test_an_answer_to_a_mention_survives_one_slack_500(slack: RunningApp) -> None:
    slack.fake.script("chat.postMessage", SERVER_ERROR)
    assert slack.event(mention("奨学金について話したのは誰", "500.1"), "EvFault500").status == 200
    failed, answer = slack.fake.wait_for("chat.postMessage", 2)
    assert failed.body["text"] == answer.body["text"] and "奨学金" in answer.body["text"]
    assert APOLOGY not in answer.body["text"]


def test_an_answer_to_a_command_survives_one_slack_500(slack: RunningApp) -> None:
    slack.fake.script("response_url", SERVER_ERROR)
    assert slack.command("奨学金について話したのは誰", response_name="after-500").status == 200
    failed, answer = slack.fake.wait_for("response_url", 2)
    assert failed.body == answer.body and "奨学金" in answer.body["text"]


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
