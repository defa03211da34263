"""The Home tab: how to ask, and the latest meetings, published whenever a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.blocks import home_view
from bot.slack.errors import apologising
from bot.slack.service import RemarksService


def register(app: App) -> None:
    app.event("app_home_opened")(apologising(publish_home))


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    service: RemarksService = context["service"]
    client.views_publish(user_id=event["user"], view=home_view(service.meetings()))
