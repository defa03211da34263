"""Slash commands: /remarks (a question, or help, speakers, meetings, and link / unlink / links of speakers and
organisations to members) and /followup. Acknowledged at once; the reply goes to response_url, privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.messages import JAPANESE_FIRST, both
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack.blocks import help_blocks, meetings_blocks, notice, speakers_blocks
from bot.slack.errors import apologising
from bot.slack.followup_messages import link_reply, links_reply
from bot.slack.replies import reply_to_followup_command, reply_to_question, text_from_slack, user_in_mention

REMARKS_COMMAND = "/remarks"
FOLLOWUP_COMMAND = "/followup"
HELP_WORDS = ("", "help", "ヘルプ", "使い方")
SPEAKERS_WORDS = ("speakers", "発言者")
MEETINGS_WORDS = ("meetings", "会議")
LINK_WORDS = ("link", "unlink", "links")


def register(app: App) -> None:
    app.command(REMARKS_COMMAND)(apologising(handle_remarks_command))
    app.command(FOLLOWUP_COMMAND)(apologising(handle_followup_command))


def handle_remarks_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    service: RemarksService = context["remarks"]
    text = text_from_slack(command.get("text") or "")
    word = text.lower()
    if word in HELP_WORDS:
        blocks, fallback = help_blocks()
    elif word in SPEAKERS_WORDS:
        blocks, fallback = speakers_blocks(service.speakers())
    elif word in MEETINGS_WORDS:
        blocks, fallback = meetings_blocks(service.meetings())
    elif word.split(" ")[0] in LINK_WORDS:
        blocks, fallback = notice(
            link_command(text, command.get("user_id") or "", service, context["followup_service"])
        )
    else:
        blocks, fallback = reply_to_question(service, text, shareable=True)
    respond(blocks=blocks, text=fallback, response_type="ephemeral")


def handle_followup_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    # Slack escapes the command's text; a title is stored as typed, and escaped wherever it is shown.
    text = text_from_slack(command.get("text") or "")
    user, channel = command.get("user_id") or "", command.get("channel_id") or ""
    service: FollowupService = context["followup_service"]
    respond(**reply_to_followup_command(service, text, user, channel), response_type="ephemeral")


def link_command(text: str, user: str, service: RemarksService, followups: FollowupService) -> str:
    """`links`, or (admins) `link NAME @user…` and `unlink NAME [@user…]`: the reply's text. NAME is every word
    before the first member, as the minutes write it (留萌商工会議所 会頭)."""
    verb, *words = text.split(" ")
    if verb.lower() == "links":
        return links_reply(followups.links())
    if not service.is_admin(user):
        return both("link_not_admin", order=JAPANESE_FIRST)
    named = [word for word in words if user_in_mention(word) is None]
    members = [found for word in words if (found := user_in_mention(word))]
    name = " ".join(named)
    if not name or words[: len(named)] != named or (verb.lower() == "link" and not members):
        return both("link_usage", separator="\n", order=JAPANESE_FIRST)
    linked = followups.link(name, members) if verb.lower() == "link" else followups.unlink(name, members)
    return link_reply(name, linked)
