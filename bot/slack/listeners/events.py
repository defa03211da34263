"""Events: mentions in channels and direct messages, answered in the thread of the message (or in the DM);
the Home tab, drawn whenever a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.core.text import language_of
from bot.services.remarks import RemarksService
from bot.slack.blocks import help_blocks
from bot.slack.errors import apologising
from bot.slack.importing import import_files, is_import_request
from bot.slack.middleware import handled_once_answered, is_answerable_message, post_answer
from bot.slack.replies import publish_home, reply_to_question, text_from_slack


def register(app: App) -> None:
    # Mentions, and messages (subscribed for direct messages only, message.im).
    for event_type in ("app_mention", "message"):
        app.event(event_type)(apologising(handled_once_answered(handle_message)))
    app.event("app_home_opened")(apologising(handle_home_opened))


def handle_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    # Edits, deletions and the bot's own posts are acknowledged and ignored.
    if is_answerable_message(event):
        reply_to_message(event, client, context)


def reply_thread(event: dict[str, Any]) -> str | None:
    """Where to answer: the thread's root if the message is in one; a new thread on a channel
    message; the DM itself for a direct message."""
    if event.get("thread_ts"):
        return event["thread_ts"]
    if event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D"):
        return None
    return event["ts"]


def reply_to_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    service: RemarksService = context["remarks"]
    text = text_from_slack(event.get("text") or "", context.bot_user_id)
    if is_import_request(text):
        blocks, fallback = import_files(
            client,
            service,
            context["followup_service"],
            event.get("user", ""),
            event.get("files") or [],
            language_of(text),
        )
    elif not text:
        blocks, fallback = help_blocks()
    else:
        blocks, fallback = reply_to_question(service, text, shareable=False)
    post_answer(
        client, context, event["channel"], fallback, blocks, thread_ts=reply_thread(event), after_ts=event["ts"]
    )


def handle_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") == "home":
        publish_home(client, context["remarks"], context["followup_service"], event["user"])
