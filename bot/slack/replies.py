"""Replies shared by the listeners: answering a question, and reading the text Slack sends."""

from __future__ import annotations

import re

from bot.answers import MAX_QUESTION_LENGTH
from bot.slack.blocks import PAGE_SIZE, Block, answer_blocks, too_long_blocks
from bot.slack.service import RemarksService

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def text_from_slack(text: str, bot_user_id: str | None = None) -> str:
    """A message's text as the user typed it: the bot's own mention removed, Slack's escapes undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return " ".join(text.split())


def reply_to_question(service: RemarksService, question: str, shareable: bool) -> tuple[list[Block], str]:
    """The first page of the answer; the question is stored only when a button will need it."""
    if len(question) > MAX_QUESTION_LENGTH:
        return too_long_blocks(question)
    answer = service.answer(question)
    needs_key = bool(answer.results) and (shareable or len(answer.results) > PAGE_SIZE)
    key = service.remember_question(question) if needs_key else None
    return answer_blocks(answer, 0, key, shareable)
