"""The app factory: a Bolt app over the Web API at SLACK_API_URL, with its middleware and listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
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
    """Calls auth.test once (Bolt checks the token): raises BoltError when Slack refuses it, OSError when
    SLACK_API_URL cannot be reached."""
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
    return app
