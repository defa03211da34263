"""Mentions, direct messages, retries, imports and the Home tab, over HTTP to the running app."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fake_slack import BOT_ID, BOT_USER_ID
from tests.slack.conftest import ADMIN, FAILING_QUESTION, RunningApp, all_text, has_bold, section_texts

HOSTILE_MINUTES = """<!channel> 臨時会議 & 報告

1 実施日時

令和7年（2025年）11月1日（土）10:00～11:00

2 意見交換の主なコメント

<留萌市長>

- 流氷観光について <!channel> <!here> <@U999> <https://evil.example|click> & 流氷 の話をした。
""".encode()


def mention(text: str, ts: str, channel: str = "C1", user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


def direct_message(text: str, ts: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def test_a_mention_is_answered_in_a_thread_of_that_message(slack: RunningApp) -> None:
    assert slack.event(mention("what did 苫前町長 say about foreign workers", "100.1"), "Ev100").status == 200
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C1" and post.body["thread_ts"] == "100.1"
    assert has_bold(section_texts(post.body["blocks"])[0], "外国人")
    assert "remarks_share" not in all_text(post.body["blocks"])  # already visible to the channel


def test_a_mention_inside_a_thread_is_answered_in_that_thread(slack: RunningApp) -> None:
    slack.event(mention("奨学金について話したのは誰", "101.5", thread_ts="101.1"), "Ev101")
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "101.1"
    assert "奨学金" in post.body["text"]


def test_a_direct_message_is_answered_in_the_dm(slack: RunningApp) -> None:
    slack.event(direct_message("who talked about scholarships", "102.1"), "Ev102")
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "D1" and "thread_ts" not in post.body


def test_a_failing_mention_gets_an_apology_in_its_thread(slack: RunningApp) -> None:
    slack.event(mention(FAILING_QUESTION, "111.1"), "Ev111")
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "111.1" and "Sorry, something went wrong (error id " in post.body["text"]


def test_a_retried_event_is_answered_once(slack: RunningApp) -> None:
    event = mention("who talked about scholarships", "103.1")
    assert slack.event(event, "Ev103").status == 200
    slack.fake.wait_for("chat.postMessage")
    # The retry's response comes after the check that drops it, so nothing can follow it.
    retry = slack.event(event, "Ev103", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status == 200
    time.sleep(0.3)
    assert len(slack.fake.recorded("chat.postMessage")) == 1


def test_a_dm_mentioning_the_bot_arrives_twice_and_is_answered_once(slack: RunningApp) -> None:
    text = f"<@{BOT_USER_ID}> who talked about scholarships"
    slack.event(direct_message(text, "104.1"), "Ev104a")
    slack.event({**mention("who talked about scholarships", "104.1", channel="D1")}, "Ev104b")
    slack.fake.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert len(slack.fake.recorded("chat.postMessage")) == 1


def test_the_bots_own_messages_and_edits_get_no_answer(slack: RunningApp) -> None:
    slack.event(direct_message("who talked about scholarships", "105.1", user=BOT_USER_ID, bot_id=BOT_ID), "Ev105a")
    slack.event(direct_message("who talked about scholarships", "105.2", bot_id="BOTHER"), "Ev105b")
    slack.event(direct_message("who talked about scholarships", "105.3", subtype="message_changed"), "Ev105c")
    slack.event(direct_message("奨学金について話したのは誰", "105.4"), "Ev105d")  # a sentinel that is answered
    [post] = slack.fake.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert [p.body["text"] for p in slack.fake.recorded("chat.postMessage")] == [post.body["text"]]
    assert "奨学金" in post.body["text"]


def test_import_by_a_non_admin_is_refused_politely(slack: RunningApp) -> None:
    file = slack.fake.add_file("F1", "minutes.txt", HOSTILE_MINUTES)
    slack.event(mention("import", "106.1", user="U1", files=[file]), "Ev106")
    [post] = slack.fake.wait_for("chat.postMessage")
    assert "only the bot's admins can import" in post.body["text"]
    assert slack.fake.recorded("download") == []


def test_an_admin_imports_minutes_and_hostile_stored_text_comes_out_escaped(slack: RunningApp) -> None:
    file = slack.fake.add_file("F2", "hostile.txt", HOSTILE_MINUTES)
    slack.event(mention("import", "107.1", user=ADMIN, files=[file]), "Ev107")
    [post] = slack.fake.wait_for("chat.postMessage")
    [download] = slack.fake.recorded("download")
    assert download.headers["authorization"] == "Bearer xoxb-test"
    assert "Imported: *&lt;!channel&gt; 臨時会議 &amp; 報告* (2025-11-01): 1 speakers, 1 remarks." in post.body["text"]

    slack.event(direct_message("流氷について", "107.2"), "Ev107b")
    answer = slack.fake.wait_for("chat.postMessage", 2)[1]
    raw = json.dumps(answer.body, ensure_ascii=False)
    for hostile in ("<!channel>", "<!here>", "<@U999>", "<https://evil.example|click>"):
        assert hostile not in raw
    assert "&lt;!here&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt; &amp; \u200b*流氷*\u200b" in raw


def test_a_file_that_is_not_minutes_gets_the_parse_error(slack: RunningApp) -> None:
    file = slack.fake.add_file("F3", "notes.txt", b"just a note\nwith no speakers\n")
    slack.event(direct_message("取り込み", "108.1", user=ADMIN, files=[file], subtype="file_share"), "Ev108")
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.body["text"].startswith("notes.txt を取り込めませんでした: ")


def test_the_import_shortcut_imports_the_files_of_a_message(slack: RunningApp) -> None:
    file = slack.fake.add_file("F4", "hostile.txt", HOSTILE_MINUTES)
    slack.interaction(
        {
            "type": "message_action",
            "callback_id": "import_minutes",
            "user": {"id": ADMIN},
            "channel": {"id": "C1"},
            "trigger_id": "1.2.3",
            "message_ts": "109.1",
            "message": {"type": "message", "ts": "109.1", "text": "minutes", "files": [file]},
            "response_url": slack.fake.response_url("shortcut"),
        }
    )
    [reply] = slack.fake.wait_for("response_url")
    assert reply.body["response_type"] == "ephemeral"
    assert "Already imported, unchanged" in reply.body["text"] or "Imported" in reply.body["text"]


def test_opening_the_home_tab_publishes_usage_and_recent_meetings(slack: RunningApp) -> None:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "110.1"}, "Ev110")
    [publish] = slack.fake.wait_for("views.publish")
    assert publish.body["user_id"] == "U1"
    view = publish.body["view"]
    assert view["type"] == "home" and "令和7年度留萌地域づくり連携会議" in all_text(view["blocks"])
