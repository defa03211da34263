"""/remarks: a question, or help, speakers, meetings. Acknowledged at once; the answer goes to response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.slack.blocks import help_blocks, meetings_blocks, speakers_blocks
from bot.slack.errors import apologising
from bot.slack.replies import reply_to_question, text_from_slack
from bot.slack.service import RemarksService

COMMAND = "/remarks"
HELP_WORDS = ("", "help", "ヘルプ", "使い方")
SPEAKERS_WORDS = ("speakers", "発言者")
MEETINGS_WORDS = ("meetings", "会議")


def register(app: App) -> None:
    app.command(COMMAND)(apologising(handle_remarks_command))


def handle_remarks_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    service: RemarksService = context["service"]
    text = text_from_slack(command.get("text") or "")
    word = text.lower()
    if word in HELP_WORDS:
        blocks, fallback = help_blocks()
    elif word in SPEAKERS_WORDS:
        blocks, fallback = speakers_blocks(service.speakers())
    elif word in MEETINGS_WORDS:
        blocks, fallback = meetings_blocks(service.meetings())
    else:
        blocks, fallback = reply_to_question(service, text, shareable=True)
    respond(blocks=blocks, text=fallback, response_type="ephemeral")
