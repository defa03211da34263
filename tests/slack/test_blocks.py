"""Block Kit rendering, a pure function: escaping, bold, pages and Slack's limits; and the manifest's shape."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.answers import Answer, Result
from bot.core.search import Understanding
from bot.followups.results import FollowupRow
from bot.services.remarks import MeetingSummary, SpeakerSummary
from bot.slack.blocks import (
    MAX_BLOCKS,
    PAGE_SIZE,
    SECTION_TEXT_LIMIT,
    answer_blocks,
    escape,
    home_view,
    marked,
    parse_button_value,
    speakers_blocks,
)
from bot.slack.log import redact
from storage.models import FollowUp
from tests.slack.conftest import ROOT, all_text

HOSTILE = "<!channel> <@U123> <https://x.example|click> & more"


def result(text: str, highlights: list[tuple[int, int]] | None = None, number: int = 1) -> Result:
    return Result(number, "苫前町長", text, "令和7年度 & <会議>", datetime.date(2025, 10, 8), 1.0, highlights or [])


def answer(results: list[Result], question: str = "外国人材について", language: str = "ja") -> Answer:
    return Answer(Understanding(question, language, None, None, ()), results, "")


def check_limits(blocks: list[dict], max_blocks: int = MAX_BLOCKS) -> None:
    assert len(blocks) <= max_blocks
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
        assert len(block.get("elements", [])) <= 25
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            assert len(element.get("value", "")) <= 2000 and len(element.get("action_id", "")) <= 255
            assert len(element.get("text", "") if isinstance(element.get("text"), str) else "") <= 3000


def test_escape_leaves_no_slack_markup() -> None:
    assert escape(HOSTILE) == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://x.example|click&gt; &amp; more"


def test_marked_bolds_spans_and_escapes_inside_and_around_them() -> None:
    text = "a <b> & 外国人材 <!here>"
    start = text.index("外国人材")
    assert marked(text, [(2, 5), (start, start + 4)], 3000) == (
        "a \u200b*&lt;b&gt;*\u200b &amp; \u200b*外国人材*\u200b &lt;!here&gt;"
    )


def test_a_long_remark_is_shortened_to_fit_a_section() -> None:
    text = "&" * 5000 + "外国人"
    blocks, fallback = answer_blocks(answer([result(text, [(0, 3), (5000, 5003)])]), 0, "key", True)
    [section] = [b for b in blocks if b["type"] == "section"]
    assert len(section["text"]["text"]) <= SECTION_TEXT_LIMIT and section["text"]["text"].endswith("…")
    assert "&amp;" in section["text"]["text"] and "&&" not in section["text"]["text"]
    assert len(fallback) <= 3000
    check_limits(blocks)


def test_pages_hold_five_remarks_and_more_points_at_the_next_page() -> None:
    many = answer([result(f"発言 {n}", number=n) for n in range(12)])
    pages = [answer_blocks(many, page, "key", True)[0] for page in range(3)]
    counts = [sum(1 for b in blocks if b["type"] == "section") for blocks in pages]
    assert counts == [PAGE_SIZE, PAGE_SIZE, 2]
    more = [
        [
            e["value"]
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "remarks_more"
        ]
        for blocks in pages
    ]
    assert more == [["key:1"], ["key:2"], []]
    for blocks in pages:
        check_limits(blocks)


def test_each_remark_has_a_track_button_carrying_its_id() -> None:
    blocks, _ = answer_blocks(answer([result(f"発言 {n}", number=n) for n in range(12)]), 1, "key", True)
    tracks = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(t["action_id"], t["value"]) for t in tracks] == [("followup_track", str(n)) for n in range(5, 10)]
    assert {t["text"]["text"] for t in tracks} == {"フォローアップに登録"}


def test_the_home_tab_stays_within_slacks_limits_with_many_followups() -> None:
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    rows = [
        FollowupRow(
            FollowUp(
                id=n,
                title="<!here> " + "調査" * 400,
                owners=["U1"],
                channel_id="C1",
                created_by="U1",
                due_at=now + datetime.timedelta(days=n % 7),
            ),
            None,
        )
        for n in range(1, 301)
    ]
    meetings = [MeetingSummary("会議" * 150, datetime.date(2025, 10, 8), 17, 49)] * 30
    view = home_view(meetings, rows, now, ZoneInfo("Asia/Tokyo"), note="Done: #1")
    check_limits(view["blocks"], max_blocks=100)  # a Home tab's limit
    raw = json.dumps(view, ensure_ascii=False)
    assert "<!here>" not in raw and "… +280: `/followup list mine`" in raw
    firsts = [b["block_id"] for b in view["blocks"] if b["type"] == "actions"][:2]
    assert firsts == ["followup-7", "followup-14"]  # soonest due first


def test_hostile_stored_and_asked_text_is_escaped_everywhere() -> None:
    blocks, fallback = answer_blocks(answer([result(HOSTILE)], question=HOSTILE, language="en"), 0, "key", True)
    raw = json.dumps(blocks) + fallback
    for markup in ("<!channel>", "<@U123>", "<https://x.example|click>", "<会議>"):
        assert markup not in raw


def test_an_answer_without_results_shows_its_message_and_no_buttons() -> None:
    empty = Answer(Understanding("who said <x>", "en", None, None, ()), [], "Nobody talked about “<x>”.")
    blocks, fallback = answer_blocks(empty, 0, None, True)
    assert not any(b["type"] == "actions" for b in blocks)
    assert "Nobody talked about “&lt;x&gt;”." in json.dumps(blocks, ensure_ascii=False) and "<x>" not in fallback


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("abc:2", ("abc", 2, None)),
        ("abc:2:U777", ("abc", 2, "U777")),
        ("abc:2:<!here>", ("abc", 2, None)),
        ("abc", None),
        (":1", None),
    ],
)
def test_button_values_are_parsed_strictly(value: str, parsed: tuple | None) -> None:
    assert (tuple(parse_button_value(value)) if parse_button_value(value) else None) == parsed


def test_a_long_speaker_list_stays_within_the_block_limit() -> None:
    speakers = [SpeakerSummary(f"町長{n}" + "x" * 150, ("alias",) * 20) for n in range(2000)]
    blocks, _ = speakers_blocks(speakers)
    check_limits(blocks)
    assert blocks[-1]["type"] == "context"


def test_logs_never_carry_tokens() -> None:
    line = (
        "POST auth.test headers={'Authorization': 'Bearer xoxb-123-abc'} app=xapp-1-A0-xyz body=token=verif&x=1 s3cr3t"
    )
    assert redact(line, ["s3cr3t"]) == (
        "POST auth.test headers={'Authorization': 'Bearer [redacted]'} app=[redacted] "
        "body=token=[redacted]&x=1 [redacted]"
    )


def test_the_manifest_declares_what_the_app_uses_and_no_broad_scopes() -> None:
    manifest = yaml.safe_load((ROOT / "deploy" / "manifest.yaml").read_text())
    assert manifest["display_information"]["name"]
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    commands = manifest["features"]["slash_commands"]
    assert all(c["command"].startswith("/") and c["description"] for c in commands)
    assert "/remarks" in [c["command"] for c in commands]
    assert ("message", "import_minutes") in [(s["type"], s["callback_id"]) for s in manifest["features"]["shortcuts"]]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "files:read", "im:history"} <= scopes
    # The history of conversations the bot is in (channels, private channels, group DMs): a reminder or an
    # answer already posted there is not posted again. No event of their messages is subscribed, so the bot
    # still reads none as they come.
    assert {"channels:history", "groups:history", "mpim:history"} <= scopes
    # Posting where the bot was not invited is more than the bot needs.
    assert not scopes & {"chat:write.public", "files:write"}
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_home_opened", "app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True


def test_the_home_tab_of_an_admin_lists_the_linked_members_and_how_to_change_them():
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    view = home_view([], [], now, ZoneInfo("Asia/Tokyo"), links={"架空村": ["U1", "U2"]})
    text = all_text(view["blocks"])
    assert "架空村" in text and "<@U1>" in text and "/remarks link" in text
    assert "架空村" not in all_text(home_view([], [], now, ZoneInfo("Asia/Tokyo"))["blocks"])  # not for others
