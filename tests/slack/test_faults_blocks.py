"""Block Kit within Slack's limits whatever goes in: every builder of bot.slack.blocks, fed text far past
every limit (escaping makes it longer still), gives blocks Slack accepts; a cut never breaks markup."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.answers import Answer, Result
from bot.core.search import Understanding
from bot.followups.results import FollowupRow
from bot.services.remarks import MeetingSummary, SpeakerSummary
from bot.slack import blocks
from storage.models import FollowUp

HUGE = "<!channel> & " * 10_000
TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
TEXT_LIMITS = {"section": 3000, "context": 3000, "header": 150, "button": 75}


def too_long(built: list[dict[str, Any]], max_blocks: int = 50) -> list[str]:
    """Where the blocks go past one of Slack's limits."""
    found = [f"{len(built)} blocks"] if len(built) > max_blocks else []
    for block in built:
        texts = [(block["type"], block["text"]["text"])] if isinstance(block.get("text"), dict) else []
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                texts.append(("button", element["text"]["text"]))
            elif element.get("type") in ("mrkdwn", "plain_text"):
                texts.append((block["type"], element["text"]))
        found += [f"{kind}: {len(text)}" for kind, text in texts if len(text) > TEXT_LIMITS[kind]]
    return found


def huge_answer() -> Answer:
    result = Result(1, HUGE, HUGE, HUGE, None, 1.0, [(0, 5000)])
    return Answer(Understanding(HUGE, "en", None, None, ()), [result] * 12, HUGE)


MESSAGES = {
    "answer": lambda: blocks.answer_blocks(huge_answer(), 0, "key", True),
    # A button's value comes back from Slack as it was sent, or as someone forged it.
    "answer shared by a forged user id": lambda: blocks.answer_blocks(huge_answer(), 1, "key", False, "U" + "A" * 5000),
    "speakers": lambda: blocks.speakers_blocks([SpeakerSummary(HUGE, (HUGE,) * 3)] * 300),
    "meetings": lambda: blocks.meetings_blocks([MeetingSummary(HUGE, None, 1, 1)] * 300),
    "too long": lambda: blocks.too_long_blocks(HUGE),
    "error": lambda: blocks.error_blocks(HUGE),
    "help": blocks.help_blocks,
    "expired": blocks.expired_blocks,
}


@pytest.mark.parametrize("name", MESSAGES)
def test_every_message_stays_within_slacks_limits(name: str) -> None:
    built, fallback = MESSAGES[name]()
    assert too_long(built) == [] and len(fallback) <= blocks.FALLBACK_TEXT_LIMIT


def test_the_home_tab_stays_within_slacks_limits() -> None:
    followup = FollowUp(id=1, title=HUGE, owners=["U1"] * 2000, channel_id="C1", created_by="U1")
    view = blocks.home_view(
        [MeetingSummary(HUGE, None, 1, 1)] * 30, [FollowupRow(followup, None)] * 60, NOW, TZ, note=HUGE
    )
    assert too_long(view["blocks"], max_blocks=100) == []


def ends_outside_markup(text: str) -> bool:
    return text.rfind("&") < text.rfind(";") + 1 and text.rfind("<") < text.rfind(">") + 1


@pytest.mark.parametrize("text", ["xy&amp;" * 1000, "x <@U123> " * 1000, "x" * 2996 + "&lt;" + "y" * 10])
def test_a_cut_never_breaks_an_escape_or_a_mention(text: str) -> None:
    [section], fallback = blocks.notice(text)
    for shown in (section["text"]["text"], fallback):
        kept = shown.removesuffix("…")
        assert len(shown) <= 3000 and kept != shown and text.startswith(kept) and ends_outside_markup(kept)
