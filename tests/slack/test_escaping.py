"""Hostile text, typed by people or taken from the minutes, never reaches Slack as markup: every surface is driven
through the running app over HTTP (slash commands and their errors, mentions, DMs, imports and their review,
buttons, the Home tab, modals) and through the poster (reminders, digests, DMs to a follow-up's people), then every
request the fake Slack recorded is read: no text Slack parses as mrkdwn (a message's `text`, a mrkdwn text object
anywhere in its blocks or view) holds the hostile text unescaped. plain_text objects (headers, buttons, a modal's
inputs) are shown by Slack as written and need no escaping."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.services.followups import FollowupService
from bot.slack.followup_messages import digest_message, reminder_message
from bot.slack.poster import SlackPoster, make_client
from tests.conftest import new_database
from tests.fake_slack import BOT_TOKEN, BOT_USER_ID, Call
from tests.slack.conftest import ADMIN, RunningApp, accessories, buttons, load_sample, submission

# As Slack sends what someone typed: mentions and links as markup, a typed & < > as entities. (A name to link
# to members holds no member.)
TYPED_NAME = "<!channel> <!here> <#CEVIL|evil> <http://evil.example|x> AT&amp;T &lt;b&gt;"
TYPED = f"{TYPED_NAME} <@UEVIL|evil>"
# As the bot has it (and stores it, and as minutes written by anyone may hold it).
HOSTILE = "<!channel> <!here> <@UEVIL> <#CEVIL> <http://evil.example|x> AT&T <b>"
RAW = ("<!channel>", "<!here>", "<@UEVIL", "<#CEVIL", "<http://evil.example", "AT&T", "<b>")
SHOWN = "&lt;!channel&gt;"  # how the hostile text shows where it is escaped
MINUTES = f"""{HOSTILE} 臨時会議

1 実施日時

令和7年（2025年）11月1日（土）10:00～11:00

2 意見交換の主なコメント

<留萌市長>

- 流氷観光について {HOSTILE} 流氷 の話をした。
- {HOSTILE} 高齢者が利用しやすい交通手段の導入について、来年度から検討していきたい。
""".encode()
TZ = ZoneInfo("Asia/Tokyo")


@pytest.fixture(scope="module")
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: what Slack is sent does not depend on the database."""
    url = new_database(request, "sqlite", tmp_path_factory.mktemp("escaping"))
    load_sample(url)
    return url


def mrkdwn_texts(call: Call) -> Iterator[str]:
    """What Slack parses as mrkdwn in a request: the message's text, and every mrkdwn text object."""
    body = call.body
    if isinstance(body.get("text"), str):
        yield body["text"]
    parts = [body.get(name) for name in ("blocks", "view")]
    yield from _mrkdwn_objects([json.loads(part) if isinstance(part, str) else part for part in parts])


def _mrkdwn_objects(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from _mrkdwn_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mrkdwn_objects(item)


class Surfaces:
    """Drives one surface after another, keeping the requests each made."""

    def __init__(self, slack: RunningApp):
        self.slack = slack
        self.made: dict[str, list[Call]] = {}

    def drive(self, surface: str, act: Callable[[], object], method: str, count: int = 1) -> list[Call]:
        """Act, then wait for `count` requests of `method` more; the surface's requests."""
        before = len(self.slack.fake.recorded())
        seen = len(self.slack.fake.recorded(method))
        act()
        self.slack.fake.wait_for(method, seen + count)
        self.made[surface] = self.slack.fake.recorded()[before:]
        return self.slack.fake.recorded(method)[seen:]

    def followup_command(self, surface: str, text: str, user: str = "U1") -> Call:
        [reply] = self.drive(surface, lambda: self.slack.command(text, user=user, name="/followup"), "response_url")
        return reply


def test_hostile_text_reaches_slack_escaped_on_every_surface(slack: RunningApp) -> None:
    run = Surfaces(slack)
    # Slash commands, and their errors.
    run.followup_command("/followup: an unknown command", TYPED)
    run.followup_command("/followup: a time not understood", f"add Survey remind {TYPED}")
    run.followup_command("/followup: a snooze not understood", f"snooze 1 {TYPED}")
    added = run.followup_command("/followup add", f"add {TYPED}")
    followup_id = int(re.search(r"#(\d+)", added.body["text"]).group(1))
    run.followup_command("/followup list", "list mine")
    run.drive("/remarks: a question", lambda: slack.command(f"{TYPED} 流氷", response_name="question"), "response_url")
    link = f"link {TYPED_NAME} <@U2>"
    run.drive("/remarks link", lambda: slack.command(link, user=ADMIN, response_name="link"), "response_url")
    run.drive("/remarks links", lambda: slack.command("links", response_name="links"), "response_url")
    # Minutes written by anyone: imported by an admin, then listed, answered from, suggested and reviewed.
    minutes = slack.fake.add_file("FHOSTILE", f"{HOSTILE}.txt", MINUTES)
    not_minutes = slack.fake.add_file("FNOTES", f"{HOSTILE}.txt", b"just a note\n")
    event = {"type": "app_mention", "user": ADMIN, "text": f"<@{BOT_USER_ID}> import", "ts": "900.1", "channel": "C1"}
    run.drive(
        "import", lambda: slack.event({**event, "files": [minutes, not_minutes]}, "EvImport"), "chat.postMessage", 2
    )
    [review] = [c for c in run.made["import"] if c.method == "chat.postMessage" and c.body["channel"] == "DADMIN"]
    run.drive("/remarks meetings", lambda: slack.command("meetings", response_name="meetings"), "response_url")
    run.followup_command("/followup suggest", "suggest 臨時会議")
    [answer] = run.drive("/remarks: minutes", lambda: slack.command("流氷", response_name="minutes"), "response_url")
    # Mentions and DMs.
    mention = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {TYPED} 流氷", "ts": "900.2"}
    run.drive("a mention", lambda: slack.event({**mention, "channel": "C1"}, "EvMention"), "chat.postMessage")
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "text": f"{TYPED} 流氷",
        "ts": "900.3",
    }
    run.drive("a DM", lambda: slack.event(dm, "EvDm"), "chat.postMessage")
    # Buttons: Share, Track and its modal, Done on a reminder, the review's.
    share = buttons(answer.body["blocks"])["remarks_share"]
    run.drive("Share", lambda: slack.click(share, "shared"), "response_url")
    [opened] = run.drive("Track", lambda: slack.click(accessories(answer.body["blocks"])[0], "track"), "views.open")
    modal = submission(opened.body["view"], HOSTILE, "")
    run.drive("the modal", lambda: slack.interaction(modal), "chat.postMessage")
    reminder_id = int(re.search(r"#(\d+)", slack.fake.recorded("chat.postMessage")[-1].body["text"]).group(1))
    done = {"action_id": "followup_done", "value": str(reminder_id)}
    run.drive("Done on a reminder", lambda: slack.click(done, "done", ephemeral=False), "chat.update")
    run.drive("Done again", lambda: slack.click(done, "done-again", ephemeral=False, user="U3"), "response_url")
    review_buttons = buttons(review.body["blocks"])
    click = {"type": "block_actions", "user": {"id": ADMIN}, "trigger_id": "1.2.3", "channel": {"id": ADMIN}}
    message = {"ts": "1700000000.000900", "text": review.body["text"], "blocks": review.body["blocks"]}

    def review_click(action: str) -> Callable[[], object]:
        return lambda: slack.interaction({**click, "message": message, "actions": [review_buttons[action]]})

    [edit] = run.drive("the review's Edit", review_click("review_edit"), "views.open")
    edited = submission(edit.body["view"], HOSTILE, "", user=ADMIN)
    run.drive("the review's modal", lambda: slack.interaction(edited), "chat.postMessage", 2)
    # The Home tab, and its buttons.
    home = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "900.4"}
    [published] = run.drive("the Home tab", lambda: slack.event(home, "EvHome"), "views.publish")
    home_done = next(
        element
        for block in published.body["view"]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "followup_done" and element["value"] == str(followup_id)
    )
    run.drive("Done on the Home tab", lambda: slack.click_home(home_done), "views.publish")
    # Reminders, the digest and the DMs to a follow-up's people, through the poster.
    service = FollowupService(slack.service.engine, TZ, FixedClock(datetime.datetime(2030, 1, 1, tzinfo=TZ)))
    [followup] = [row.followup for row in service.find("all") if row.followup.id == followup_id]
    poster = SlackPoster(make_client(BOT_TOKEN, slack.fake.api_url))
    now = service.clock.now()
    run.drive("a reminder", lambda: poster.post("C1", *reminder_message(followup, now, TZ)), "chat.postMessage")
    run.drive("a digest", lambda: poster.post("C1", *digest_message([followup], now, TZ)), "chat.postMessage")
    run.drive("a DM: stopped", lambda: poster.tell_reminders_stopped(followup, "channel_not_found"), "chat.postMessage")
    run.drive("a DM: failed", lambda: poster.tell_reminder_failed(followup, "internal_error"), "chat.postMessage")

    unescaped = [
        (call.method, raw, text[:120])
        for call in slack.fake.recorded()
        for text in mrkdwn_texts(call)
        for raw in RAW
        if raw in text
    ]
    assert unescaped == []  # before: the unknown command, both times not understood, the suggestions' text
    silent = {"/followup add", "Track", "the modal", "Done again", "the review's Edit", "the review's modal"}
    not_shown = [
        surface
        for surface, calls in run.made.items()
        if surface not in silent and not any(SHOWN in text for call in calls for text in mrkdwn_texts(call))
    ]
    assert not_shown == []  # each of the others showed the hostile text (escaped)
