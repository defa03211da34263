"""Replies shared by the listeners: reading the text Slack sends, answering a question, carrying out a
`/followup` command, redrawing the Home tab. Each: parse, call a service, render."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient

from bot.answers import MAX_QUESTION_LENGTH
from bot.core.followup_command import Add, Close, CommandError, ListFollowups, Snooze, Suggest, parse_command
from bot.followups.text import added_text
from bot.messages import both
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack import followup_messages
from bot.slack.blocks import PAGE_SIZE, Block, answer_blocks, home_view, too_long_blocks
from bot.slack.mrkdwn import escape

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def text_from_slack(text: str, bot_user_id: str | None = None) -> str:
    """A message's text as the user typed it: the bot's own mention removed, Slack's escapes undone,
    other mentions without their display names (`<@U2>`)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _MENTION.sub(r"<@\1>", text)
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return " ".join(text.split())


def user_in_mention(word: str) -> str | None:
    """The user id of a Slack mention `<@U2>`, or None."""
    match = _MENTION.fullmatch(word)
    return match.group(1) if match else None


def reply_to_question(service: RemarksService, question: str, shareable: bool) -> tuple[list[Block], str]:
    """The first page of the answer; the question is stored only when a button will need it."""
    if len(question) > MAX_QUESTION_LENGTH:
        return too_long_blocks(question)
    answer = service.answer(question)
    needs_key = bool(answer.results) and (shareable or len(answer.results) > PAGE_SIZE)
    key = service.remember_question(question) if needs_key else None
    return answer_blocks(answer, 0, key, shareable)


def reply_to_followup_command(service: FollowupService, text: str, user: str, channel: str) -> dict[str, Any]:
    """The reply to `/followup <text>` from `user` in `channel`: `text` and maybe `blocks`."""
    tz = service.tz
    try:
        parsed = parse_command(text, service.clock.now(), tz, user_in_mention)
        if isinstance(parsed, Add):
            added = service.add(
                title=parsed.title,
                owners=list(parsed.owners),
                channel_id=channel,
                created_by=user,
                due=parsed.due,
                remind=parsed.remind,
            )
            return {"text": added_text(added, tz)}
    except CommandError as error:
        # The values are the user's words ("Cannot use “…”"): escaped, so that an echoed <!channel> pings nobody.
        return {"text": both(error.key, "\n", **{name: escape(value) for name, value in error.values.items()})}
    if isinstance(parsed, ListFollowups):
        rows = service.find(
            parsed.scope, user, channel_id=None if parsed.scope == "all" else channel, seen_from=channel
        )
        return {"text": followup_messages.list_reply(rows, service.clock.now(), tz)}
    if isinstance(parsed, Close):
        return {"text": followup_messages.outcome_reply(service.close(parsed.followup_id, parsed.status, user), tz)}
    if isinstance(parsed, Snooze):
        return {"text": followup_messages.outcome_reply(service.snooze(parsed.followup_id, parsed.delay, user), tz)}
    if isinstance(parsed, Suggest):
        return followup_messages.suggestions_message(service.suggest(parsed.meeting))
    return {"text": followup_messages.help_text()}


def publish_home(
    client: WebClient, remarks: RemarksService, followups: FollowupService, user: str, note: str | None = None
) -> None:
    """(Re)draw `user`'s Home tab; `note` says what their last click on it did."""
    links = followups.links() if remarks.is_admin(user) else None
    mine = followups.find("mine", user)
    view = home_view(remarks.meetings(), mine, followups.clock.now(), followups.tz, note, links)
    client.views_publish(user_id=user, view=view)
