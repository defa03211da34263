"""The app factory: a Bolt app over the Web API at SLACK_API_URL, with its middleware and listeners."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.config import Settings
from bot.slack.blocks import error_blocks
from bot.slack.listeners import register_listeners
from bot.slack.middleware import make_once_per_event, make_service_provider
from bot.slack.service import RemarksService

logger = logging.getLogger("bot.slack")


def api_base_url(url: str) -> str:
    """slack_sdk appends method names to the base URL, which must end with a slash."""
    return url if url.endswith("/") else url + "/"


def secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def create_app(settings: Settings, service: RemarksService) -> App:
    """Calls auth.test once (Bolt checks the token); raises BoltError or SlackApiError when it fails."""
    token = secret(settings.slack_bot_token)
    app = App(
        client=WebClient(token=token, base_url=api_base_url(settings.slack_api_url), logger=logger),
        # Empty in Socket Mode, where requests come over the app's own WebSocket and are not signed.
        signing_secret=secret(settings.slack_signing_secret) or "",
        # Acknowledge first, then answer: the 3-second deadline never depends on the database.
        process_before_response=False,
        logger=logger,
    )
    app.use(make_service_provider(service))
    app.use(make_once_per_event(service))
    register_listeners(app)
    app.error(apologise)
    return app


def apologise(error: Exception, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """A failed listener: the traceback goes to the log under an error id, the user gets the id and an apology."""
    error_id = secrets.token_hex(4)
    logger.error("listener failed, error id %s", error_id, exc_info=error)
    blocks, text = error_blocks(error_id)
    event = body.get("event") or {}
    try:
        if body.get("response_url") or context.response_url:
            respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)
        elif event.get("channel"):
            client.chat_postMessage(
                channel=event["channel"], thread_ts=event.get("thread_ts") or event.get("ts"), blocks=blocks, text=text
            )
    except Exception:
        logger.exception("could not tell the user about error id %s", error_id)
