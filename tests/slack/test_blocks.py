"""Block Kit rendering, a pure function: escaping, bold, pages and Slack's limits; and the manifest's shape."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml

from bot.answers import Answer, Result
from bot.core.search import Understanding
from bot.slack.blocks import (
    MAX_BLOCKS,
    PAGE_SIZE,
    SECTION_TEXT_LIMIT,
    answer_blocks,
    escape,
    marked,
    parse_button_value,
    speakers_blocks,
)
from bot.slack.log import redact
from bot.slack.service import SpeakerSummary
from tests.slack.conftest import ROOT

HOSTILE = "<!channel> <@U123> <https://x.example|click> & more"


def result(text: str, highlights: list[tuple[int, int]] | None = None, number: int = 1) -> Result:
    return Result(number, "苫前町長", text, "令和7年度 & <会議>", datetime.date(2025, 10, 8), 1.0, highlights or [])


def answer(results: list[Result], question: str = "外国人材について", language: str = "ja") -> Answer:
    return Answer(Understanding(question, language, None, None, ()), results, "")


def check_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
        for element in block.get("elements", []):
            assert len(element.get("value", "")) <= 2000
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
    more = [[e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "remarks_more"]
            for blocks in pages]
    assert more == [["key:1"], ["key:2"], []]
    for blocks in pages:
        check_limits(blocks)


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


@pytest.mark.parametrize(("value", "parsed"), [("abc:2", ("abc", 2, None)), ("abc:2:U777", ("abc", 2, "U777")),
                                               ("abc:2:<!here>", ("abc", 2, None)), ("abc", None), (":1", None)])
def test_button_values_are_parsed_strictly(value: str, parsed: tuple | None) -> None:
    assert (tuple(parse_button_value(value)) if parse_button_value(value) else None) == parsed


def test_a_long_speaker_list_stays_within_the_block_limit() -> None:
    speakers = [SpeakerSummary(f"町長{n}" + "x" * 150, ("alias",) * 20) for n in range(2000)]
    blocks, _ = speakers_blocks(speakers)
    check_limits(blocks)
    assert blocks[-1]["type"] == "context"


def test_logs_never_carry_tokens() -> None:
    line = "POST auth.test headers={'Authorization': 'Bearer xoxb-123-abc'} app=xapp-1-A0-xyz body=token=verif&x=1 s3cr3t"
    assert redact(line, ["s3cr3t"]) == (
        "POST auth.test headers={'Authorization': 'Bearer [redacted]'} app=[redacted] body=token=[redacted]&x=1 [redacted]"
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
    # Reading every channel, or posting where the bot was not invited, is more than the bot needs.
    assert not scopes & {"channels:history", "groups:history", "mpim:history", "chat:write.public", "files:write"}
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_home_opened", "app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
