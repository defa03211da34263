"""Global middleware: the services for listeners, and each Slack event taken on once however often it arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService

# Message events the bot answers; others (edits, deletions, bot posts) are acknowledged and ignored.
ANSWERED_SUBTYPES = (None, "file_share")
DUPLICATE = "duplicate"  # set in the context of an event that was already taken on, for the request log


def is_answerable_message(event: dict[str, Any]) -> bool:
    """A person's new message: a mention, or a direct message to the bot."""
    if event.get("bot_id") or event.get("subtype") not in ANSWERED_SUBTYPES:
        return False
    if event.get("type") == "app_mention":
        return True
    return event.get("type") == "message" and event.get("channel_type") == "im"


def message_key(event: dict[str, Any]) -> str | None:
    """The message an answerable event is about: a DM mentioning the bot arrives as two events."""
    if not is_answerable_message(event) or not event.get("channel") or not event.get("ts"):
        return None
    return f"{event['channel']}:{event['ts']}"


def make_context_provider(remarks: RemarksService, followups: FollowupService) -> Callable[..., BoltResponse | None]:
    """Hands the services to every listener as context["remarks"] and context["followup_service"]."""

    def provide(context: BoltContext, next: Callable[[], BoltResponse | None]) -> BoltResponse | None:
        context["remarks"] = remarks
        context["followup_service"] = followups
        return next()

    return provide


def make_once_per_event(service: RemarksService) -> Callable[..., BoltResponse | None]:
    def once_per_event(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse | None]
    ) -> BoltResponse | None:
        if body.get("type") == "event_callback" and body.get("event_id"):
            # Claimed before acknowledging, so a retry that arrives while the first is still
            # being answered is dropped too; answered with 200 so that Slack stops retrying.
            if not service.claim_event(body["event_id"], message_key(body.get("event") or {})):
                context[DUPLICATE] = True
                return BoltResponse(status=200, body="")
        return next()

    return once_per_event
