"""The "Import minutes" message shortcut: imports the files of the message it is used on."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.text import language_of
from bot.services.remarks import RemarksService
from bot.slack.errors import apologising
from bot.slack.importing import import_files

IMPORT_SHORTCUT = "import_minutes"


def register(app: App) -> None:
    app.shortcut(IMPORT_SHORTCUT)(apologising(handle_import_shortcut))


def handle_import_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    service: RemarksService = context["remarks"]
    message = shortcut.get("message") or {}
    user = shortcut.get("user", {}).get("id", "")
    blocks, fallback = import_files(
        client,
        service,
        context["followup_service"],
        user,
        message.get("files") or [],
        language_of(message.get("text") or ""),
    )
    respond(blocks=blocks, text=fallback, response_type="ephemeral")
