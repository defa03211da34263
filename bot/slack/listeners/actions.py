"""Buttons on answers: "More" shows the next page in place, "Share in channel" posts the page visibly."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.answers import Answer
from bot.slack.blocks import ACTION_MORE, ACTION_SHARE, ButtonValue, answer_blocks, expired_blocks, parse_button_value
from bot.slack.errors import apologising
from bot.slack.service import RemarksService


def register(app: App) -> None:
    app.action(ACTION_MORE)(apologising(handle_more))
    app.action(ACTION_SHARE)(apologising(handle_share))


def handle_more(ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    asked = recall(action, context, respond)
    if asked is None:
        return
    button, answer = asked
    # A private answer can still be shared; a visible one already is.
    shareable = bool(body.get("container", {}).get("is_ephemeral"))
    blocks, fallback = answer_blocks(answer, button.page, button.key, shareable, button.shared_by)
    # Each click brings a fresh response_url, so paging never runs out of its uses.
    respond(blocks=blocks, text=fallback, replace_original=True)


def handle_share(ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    asked = recall(action, context, respond)
    if asked is None:
        return
    button, answer = asked
    user = body.get("user", {}).get("id")
    blocks, fallback = answer_blocks(answer, button.page, button.key, shareable=False, shared_by=user)
    respond(blocks=blocks, text=fallback, response_type="in_channel", replace_original=False)


def recall(action: dict[str, Any], context: BoltContext, respond: Respond) -> tuple[ButtonValue, Answer] | None:
    """The answer to the question behind a button, from the database (any replica may get the click) and the
    remarks there were when it was asked; None, after telling the user, when the question is gone."""
    service: RemarksService = context["service"]
    button = parse_button_value(action.get("value") or "")
    answer = service.answer_asked(button.key) if button else None
    if button is None or answer is None:
        blocks, fallback = expired_blocks()
        respond(blocks=blocks, text=fallback, response_type="ephemeral", replace_original=False)
        return None
    return button, answer
