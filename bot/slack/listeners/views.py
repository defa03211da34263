"""Modal submissions: the "Track as follow-up" modal adds the follow-up, or points at the field to correct; from a
review's Edit, it tracks the proposal as edited and marks it tracked in the review."""

from __future__ import annotations

import datetime
import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.when import WhenError, parse_when
from bot.followups.text import added_text
from bot.messages import both
from bot.services.followups import TITLE_LIMIT, Edit, FollowupService
from bot.slack import followup_messages as fm
from bot.slack.errors import apologising


def register(app: App) -> None:
    app.view(fm.MODAL)(apologising(handle_followup_modal))


def handle_followup_modal(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    service: FollowupService = context["followup_service"]
    now, tz = service.clock.now(), service.tz
    values = {block_id: next(iter(fields.values())) for block_id, fields in view["state"]["values"].items()}
    user = body["user"]["id"]
    due_date = values["due"].get("selected_date")
    remind_text = (values["remind"].get("value") or "").strip()
    try:
        due = parse_when(due_date, now, tz) if due_date else None
    except WhenError as error:
        ack(response_action="errors", errors={"due": error.reason_en[:150]})
        return
    try:
        remind = parse_when(remind_text, now, tz) if remind_text else None
    except WhenError as error:
        ack(response_action="errors", errors={"remind": f"{error.reason_en} {both('when_example')}"[:150]})
        return
    title = values["title"]["value"] or ""
    if len(title) > TITLE_LIMIT:
        ack(response_action="errors", errors={"title": both("title_long", " ", limit=TITLE_LIMIT, length=len(title))})
        return
    metadata = json.loads(view.get("private_metadata") or "{}")
    owners = values["owners"].get("selected_users") or [user]
    channel = values["channel"]["selected_conversation"]
    if "meeting_id" not in metadata:
        ack()
        added = service.add(
            title=title,
            owners=owners,
            channel_id=channel,
            created_by=user,
            due=due,
            remind=remind,
            remark_id=metadata.get("remark_id"),
        )
        client.chat_postMessage(channel=user, text=added_text(added, tz))
        return
    proposal = service.proposal(metadata["meeting_id"], metadata["remark_id"])
    if proposal is None:
        ack(response_action="errors", errors={"title": both("review_gone")[:150]})
        return
    ack()
    due_day = datetime.date.fromisoformat(due_date) if due_date else None
    added = service.track(proposal, user, channel, Edit(title, tuple(owners), due_day, remind))
    client.chat_postMessage(channel=user, text=added_text(added, tz))
    review_channel, review_ts = metadata.get("review") or [None, None]
    if review_channel and review_ts:
        # A modal's submission does not carry the review's blocks: the review hears of it in its thread.
        client.chat_postMessage(channel=review_channel, thread_ts=review_ts, text=fm.tracked_note(added.followup, user))
