"""The Home tab: how to ask, the user's open follow-ups, the latest meetings; published whenever a user opens it."""

from __future__ import annotations

import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.followups.service import list_followups
from bot.slack.blocks import home_view
from bot.slack.errors import apologising
from bot.slack.service import Followups, RemarksService


def register(app: App) -> None:
    app.event("app_home_opened")(apologising(handle_home_opened))


def handle_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") == "home":
        publish_home(client, context, event["user"])


def publish_home(client: WebClient, context: BoltContext, user: str, note: str | None = None) -> None:
    """(Re)draw `user`'s Home tab; `note` says what their last click on it did."""
    service: RemarksService = context["service"]
    followups: Followups = context["followups"]
    now = datetime.datetime.now(datetime.UTC)
    with followups.session() as session:
        mine = list_followups(session, "mine", user, now)
    client.views_publish(user_id=user, view=home_view(service.meetings(), mine, now, followups.tz, note))
