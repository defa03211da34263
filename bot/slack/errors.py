"""Failures inside listeners: the user gets a short apology with an error id, the log the traceback under it.

Listeners are wrapped rather than left to Bolt's global error handler: when a listener fails just
after ack(), Bolt's runner can discard that acknowledgement, and Slack would then show the user an
error of its own on top of ours.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.slack.blocks import error_blocks

logger = logging.getLogger("bot.slack")


def apologising(listener: Callable[..., None]) -> Callable[..., None]:
    """The listener, made to apologise instead of failing. It must take `context` (and `event` for events):
    Bolt passes the arguments the listener names, which the wrapper forwards."""

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception:
            error_id = secrets.token_hex(4)
            logger.exception("listener %s failed, error id %s", listener.__name__, error_id)
            tell_user(kwargs["context"], kwargs.get("event") or {}, error_id)

    return wrapper


def tell_user(context: BoltContext, event: dict[str, Any], error_id: str) -> None:
    blocks, text = error_blocks(error_id)
    try:
        if context.respond is not None and context.response_url:
            context.respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)
        elif event.get("channel") and event.get("ts"):
            context.client.chat_postMessage(
                channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"], blocks=blocks, text=text
            )
        elif context.user_id:
            # A Home tab or a modal has no message to answer: the apology goes to the user's DM with the bot.
            context.client.chat_postMessage(channel=context.user_id, blocks=blocks, text=text)
    except Exception:
        logger.exception("could not tell the user about error id %s", error_id)
