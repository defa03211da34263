"""From an upload to the reminders, through the running app over HTTP: speakers' organisations linked to members,
minutes imported by an admin, the review of the follow-ups found in them (to the admin and the secretariat
channel), Track / Edit / Dismiss, the reminders on their dates (a moved clock) mentioning the linked members,
and a second import of the same file that sends no second review."""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack.app import build_bot
from bot.slack.poster import make_poster
from bot.slack.server import make_http_server
from storage.models import FollowUp, ReminderRule
from tests.clocks import MovedClock
from tests.fake_slack import BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET, FakeSlack
from tests.slack.conftest import ADMIN, RunningApp, buttons

JST = ZoneInfo("Asia/Tokyo")
SECRETARIAT = "CSEC"
REVIEW_CHANNEL = "DADMIN"  # the admin's DM with the bot, where the review's buttons are clicked
MINUTES = """令和7年度 北留萌地域連携会議

1 実施日時

令和7年（2025年）11月10日（月）10:00～11:30

2 意見交換の主なコメント

<苫前町長>

- 移住を考える方が増えており、移住相談の窓口を開設してまいりたい。

<増毛町長>

- 冬の暮らしを守るため、来年度から除雪体制を強化する。

<留萌市長>

- 高齢者が利用しやすい交通手段の導入について、来年度から検討していきたい。
""".encode()


@pytest.fixture(scope="module")
def clock(module_db_url: str) -> MovedClock:
    """A clock per database: each backend's run starts at the same time."""
    return MovedClock(datetime.datetime(2025, 11, 12, 10, 0, tzinfo=JST))


@pytest.fixture(scope="module")
def settings(fake: FakeSlack, module_db_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=module_db_url,
        bot_admins=ADMIN,
        bot_digest="off",
        bot_secretariat_channel=SECRETARIAT,
    )


@pytest.fixture(scope="module")
def running(fake: FakeSlack, module_db_url: str, settings: Settings, clock: MovedClock) -> Iterator[RunningApp]:
    """The app as `python -m bot run` wires it, on the test's clock, with a secretariat channel. The test runs the
    reminders itself at the times it moves the clock to: the scheduler's thread, which waits by the machine's
    clock, is not started."""
    service = RemarksService(
        settings.sqlalchemy_url,
        default_alias_table(),
        default_glossary(),
        settings.admin_ids,
        clock,
        settings.bot_secretariat_channel,
    )
    bot = build_bot(settings, service)
    server = make_http_server(bot.app, bot.readiness_problem, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield RunningApp(f"http://127.0.0.1:{server.server_port}", fake, service, module_db_url)
    server.shutdown()
    server.server_close()
    bot.listener_pool.shutdown(wait=True)


def import_minutes(slack: RunningApp, ts: str) -> None:
    file = slack.fake.add_file("FREVIEW", "renkei-2025-11-10.txt", MINUTES)
    event = {
        "type": "app_mention",
        "user": ADMIN,
        "text": f"<@{BOT_USER_ID}> import",
        "ts": ts,
        "channel": "C1",
        "event_ts": ts,
        "files": [file],
    }
    slack.event(event, f"Ev{ts}")


def click_review(slack: RunningApp, blocks: list[dict], button: dict[str, Any], ts: str) -> None:
    """A click on a button of the review in the admin's DM."""
    slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": ADMIN},
            "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": ts, "channel_id": REVIEW_CHANNEL, "is_ephemeral": False},
            "channel": {"id": REVIEW_CHANNEL},
            "message": {"ts": ts, "text": "review", "blocks": blocks},
            "response_url": slack.fake.response_url("review"),
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


def review_buttons(blocks: list[dict], speaker: str) -> dict[str, dict[str, Any]]:
    """The Track / Edit / Dismiss buttons of the proposal of this speaker."""
    [section] = [b for b in blocks if b["type"] == "section" and speaker in b["text"]["text"]]
    remark = section["block_id"].removeprefix("review-")
    return buttons([b for b in blocks if b.get("block_id") == f"review-actions-{remark}"])


def followup_of(slack: RunningApp, followup_id: int) -> tuple[FollowUp, list[ReminderRule]]:
    with Session(slack.service.engine) as session:
        followup = session.get(FollowUp, followup_id)
        rules = session.exec(select(ReminderRule).where(ReminderRule.followup_id == followup_id)).all()
        assert followup is not None
        return followup, list(rules)


def reminders_at(slack: RunningApp, settings: Settings, clock: MovedClock, at: datetime.datetime) -> list[str]:
    """Move the clock to `at`, run what is due; the texts of the reminders posted then."""
    before = len(slack.fake.recorded("chat.postMessage"))
    clock.at = at
    FollowupService(slack.service.engine, JST, clock).run_due(make_poster(settings))
    return [c.body["text"] for c in slack.fake.recorded("chat.postMessage")[before:]]


def test_from_the_upload_to_the_reminders(slack: RunningApp, settings: Settings, clock: MovedClock) -> None:
    slack.command("link 苫前町 <@U7|ito> <@U8|sato>", user="U1", response_name="refused")
    assert "管理者だけ" in slack.fake.wait_for("response_url")[0].body["text"]
    slack.command("link 苫前町 <@U7|ito> <@U8|sato>", user=ADMIN, response_name="link")
    assert "苫前町 の担当: <@U7> <@U8>" in slack.fake.wait_for("response_url", 2)[1].body["text"]

    import_minutes(slack, "201.1")
    posts = slack.fake.wait_for("chat.postMessage", 3)
    reviews = {p.body["channel"]: p.body for p in posts if "フォローアップ候補" in p.body["text"]}
    assert set(reviews) == {REVIEW_CHANNEL, SECRETARIAT}
    review = reviews[REVIEW_CHANNEL]
    assert review["text"].startswith("令和7年度 北留萌地域連携会議 (2025-11-10) でフォローアップ候補が 3 件")
    text = json.dumps(review["blocks"], ensure_ascii=False)
    assert (
        "*苫前町長*: " in text
        and "\u200b*移住を考える方が増えており、移住相談の窓口を開設してまいりたい。*\u200b" in text
    )
    assert "苫前町 → <@U7> <@U8>" in text and "2026-04-01 (来年度から)" in text
    assert "`/remarks link 増毛町 @user`" in text  # nobody linked to 増毛町 yet

    blocks = review["blocks"]
    click_review(slack, blocks, review_buttons(blocks, "苫前町長")["review_track"], "300.1")
    [update] = slack.fake.wait_for("chat.update")
    blocks = update.body["blocks"]
    assert review_buttons(blocks, "苫前町長") == {} and set(review_buttons(blocks, "増毛町長")) == {
        "review_track",
        "review_edit",
        "review_dismiss",
    }
    [note] = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert "Tracked as #" in note and f"<@{ADMIN}>" in note
    tracked_id = int(note.split("#", 1)[1].split(" ", 1)[0])
    tracked, rules = followup_of(slack, tracked_id)
    assert tracked.owners == ["U7", "U8"] and tracked.due_at is None and tracked.channel_id == REVIEW_CHANNEL
    assert [(r.kind, r.month_day, r.at_time) for r in rules] == [("monthly", 1, "09:00")]

    click_review(slack, blocks, review_buttons(blocks, "増毛町長")["review_edit"], "300.1")
    [opened] = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    fields = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert fields["due"]["initial_date"] == "2026-04-01" and fields["owners"]["initial_users"] == [ADMIN]
    assert "7日前" in fields["remind"]["placeholder"]["text"]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "除雪体制の強化案をまとめる"}},
        "owners": {"value": {"type": "multi_users_select", "selected_users": ["U9"]}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-04-01"}},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": "C1"}},
        "remind": {"value": {"type": "plain_text_input", "value": ""}},
    }
    submitted = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "trigger_id": "1.2.4",
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    assert slack.interaction(submitted).status == 200
    thread_note = [p for p in slack.fake.wait_for("chat.postMessage", 5) if p.body.get("thread_ts") == "300.1"]
    assert thread_note and thread_note[0].body["channel"] == REVIEW_CHANNEL
    edited_id = int(thread_note[0].body["text"].split("#", 1)[1].split(" ", 1)[0])
    edited, rules = followup_of(slack, edited_id)
    assert edited.owners == ["U9"] and edited.title == "除雪体制の強化案をまとめる" and edited.channel_id == "C1"
    assert edited.due_at == datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.UTC)  # 09:00 JST
    assert [r.next_fire_at for r in rules] == [
        datetime.datetime(2026, 3, 25, 9, 0, tzinfo=JST).astimezone(datetime.UTC),
        datetime.datetime(2026, 4, 1, 9, 0, tzinfo=JST).astimezone(datetime.UTC),
    ]

    click_review(slack, blocks, review_buttons(blocks, "留萌市長")["review_dismiss"], "300.1")
    dismissed = slack.fake.wait_for("chat.update", 2)[1].body["blocks"]
    assert "留萌市長" not in json.dumps(dismissed, ensure_ascii=False)
    assert "苫前町長" in json.dumps(dismissed, ensure_ascii=False)

    # A member linked to 増毛町 later sees what it owes (in the channel of the command, as any `list mine`).
    slack.command("link 増毛町 <@U10>", user=ADMIN, response_name="link-later")
    assert "増毛町 の担当: <@U10>" in slack.fake.wait_for("response_url", 3)[2].body["text"]
    slack.command("list mine", user="U10", name="/followup", response_name="mine")
    mine = [c for c in slack.fake.wait_for("response_url", 4) if c.path.endswith("/mine")]
    assert f"#{edited_id} " in mine[0].body["text"] and f"#{tracked_id} " not in mine[0].body["text"]

    monthly = reminders_at(slack, settings, clock, datetime.datetime(2025, 12, 1, 9, 0, 30, tzinfo=JST))
    assert len(monthly) == 1 and monthly[0].startswith("<@U7> <@U8> ")
    assert reminders_at(slack, settings, clock, datetime.datetime(2025, 12, 1, 10, 0, tzinfo=JST)) == []
    week_before = reminders_at(slack, settings, clock, datetime.datetime(2026, 3, 25, 9, 0, 30, tzinfo=JST))
    assert any(t.startswith("<@U9> ") and "除雪体制" in t for t in week_before)
    on_the_day = reminders_at(slack, settings, clock, datetime.datetime(2026, 4, 1, 9, 0, 30, tzinfo=JST))
    assert any(t.startswith("<@U9> ") and "除雪体制" in t for t in on_the_day)

    before = len(slack.fake.recorded("chat.postMessage"))
    import_minutes(slack, "202.1")
    # The import's reply is posted after any review: once it is there, nothing else will come.
    reply = slack.fake.wait_for("chat.postMessage", before + 1)[before:]
    assert [p.body["channel"] for p in reply] == ["C1"] and "フォローアップ候補" not in reply[0].body["text"]


def test_links_by_name_as_the_minutes_write_it_listed_and_removed(slack: RunningApp) -> None:
    def reply(text: str, name: str, count: int) -> str:
        slack.command(text, user=ADMIN, response_name=name)
        return slack.fake.wait_for("response_url", count)[count - 1].body["text"]

    assert "例: `/remarks link 苫前町長 @user`" in reply("link <@U7>", "no-name", 1)
    assert "例: `/remarks link 苫前町長 @user`" in reply("link 留萌商工会議所 会頭", "no-member", 2)
    assert "留萌商工会議所 会頭 の担当: <@U11>" in reply("link 留萌商工会議所 会頭 <@U11|kato>", "spaced", 3)
    listed = reply("links", "links", 4)
    assert "• 留萌商工会議所 会頭 → <@U11>" in listed and listed.index("留萌商工会議所") > listed.index("増毛町")
    assert "留萌商工会議所 会頭 の担当メンバーはいません" in reply("unlink 留萌商工会議所 会頭", "unlink", 5)
    assert "留萌商工会議所" not in reply("links", "links-again", 6)
