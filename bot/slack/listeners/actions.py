"""Buttons. On answers: "More" shows the next page in place, "Share in channel" posts the page visibly.
On follow-ups (reminders, the Home tab): Done and Snooze; on remarks: "Track as follow-up" opens its modal.
On the review of follow-ups found in imported minutes: Track, Edit (the modal) and Dismiss."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.answers import Answer
from bot.messages import both
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack import followup_messages as fm
from bot.slack.blocks import ACTION_MORE, ACTION_SHARE, ButtonValue, answer_blocks, expired_blocks, parse_button_value
from bot.slack.errors import apologising
from bot.slack.replies import publish_home


def register(app: App) -> None:
    app.action(ACTION_MORE)(apologising(handle_more))
    app.action(ACTION_SHARE)(apologising(handle_share))
    for action_id in (fm.DONE_ACTION, fm.SNOOZE_DAY_ACTION, fm.SNOOZE_WEEK_ACTION):
        app.action(action_id)(apologising(handle_followup_button))
    app.action(fm.TRACK_ACTION)(apologising(handle_track))
    for action_id in (fm.REVIEW_TRACK_ACTION, fm.REVIEW_EDIT_ACTION, fm.REVIEW_DISMISS_ACTION):
        app.action(action_id)(apologising(handle_review_button))


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


def handle_share(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
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
    service: RemarksService = context["remarks"]
    button = parse_button_value(action.get("value") or "")
    answer = service.answer_asked(button.key) if button else None
    if button is None or answer is None:
        blocks, fallback = expired_blocks()
        respond(blocks=blocks, text=fallback, response_type="ephemeral", replace_original=False)
        return None
    return button, answer


def handle_followup_button(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Done / Snooze on a reminder or on the Home tab: the database first, then what the user sees.
    A stale click (the follow-up was closed meanwhile) says what happened."""
    ack()
    service: FollowupService = context["followup_service"]
    user, followup_id = body.get("user", {}).get("id") or "", int(action.get("value") or 0)
    if action["action_id"] == fm.DONE_ACTION:
        outcome = service.close(followup_id, "done", user)
    else:
        outcome = service.snooze(followup_id, fm.SNOOZE_DELAYS[action["action_id"]], user)
    note = fm.outcome_reply(outcome, service.tz)
    if body.get("view", {}).get("type") == "home":
        publish_home(client, context["remarks"], service, user, note=note)
        return
    channel, ts = body.get("channel", {}).get("id"), body.get("message", {}).get("ts")
    if outcome.followup is not None and not outcome.refused and channel and ts:
        text, blocks = fm.message_after_click(outcome.followup, note, body.get("message", {}).get("blocks") or [])
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    if not outcome.changed:
        respond(text=note, response_type="ephemeral", replace_original=False)


def handle_track(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """ "Track as follow-up" on a remark: a modal prefilled from it."""
    ack()
    remark_id = int(action.get("value") or 0)
    source = context["followup_service"].source_of_remark(remark_id)
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    modal = fm.followup_modal(remark_id, source.remark if source else "", channel, body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def handle_review_button(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Track / Edit / Dismiss on a review: the proposal is read again from the minutes in the database."""
    ack()
    service: FollowupService = context["followup_service"]
    user = body["user"]["id"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    message = body.get("message") or {}
    key = fm.review_button_value(action.get("value") or "")
    proposal = service.proposal(*key) if key else None
    if key is None or proposal is None:
        respond(text=both("review_gone"), response_type="ephemeral", replace_original=False)
        return
    if action["action_id"] == fm.REVIEW_EDIT_ACTION:
        modal = fm.review_modal(proposal, channel, user, message.get("ts"))
        client.views_open(trigger_id=body["trigger_id"], view=modal)
        return
    note = None
    if action["action_id"] == fm.REVIEW_TRACK_ACTION:
        note = fm.tracked_note(service.track(proposal, user, channel or user).followup, user)
    if channel and message.get("ts"):
        blocks = fm.review_after(message.get("blocks") or [], key[1], note)
        client.chat_update(channel=channel, ts=message["ts"], text=message.get("text") or "", blocks=blocks)
