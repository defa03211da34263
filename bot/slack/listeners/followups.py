"""/followup, the Done/Snooze buttons of reminders and of the Home tab, and "Track as follow-up" with its modal.

A thin layer: parsing is in bot.core.followup_command, the work in bot.followups.service.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.core.followup_command import HELP, Add, Close, CommandError, ListFollowups, Snooze, Suggest, parse_command
from bot.core.text import language_of
from bot.core.when import When, WhenError, describe, parse_when
from bot.followups import messages
from bot.followups.service import Outcome, close_followup, create_followup, list_followups, snooze_followup, source_of_remark
from bot.followups.suggest import find_meeting, suggestions
from bot.slack.errors import apologising
from bot.slack.listeners.views import publish_home
from bot.slack.mrkdwn import escape
from bot.slack.replies import text_from_slack
from bot.slack.service import Followups

COMMAND = "/followup"
MODAL = "followup_modal"


def register(app: App) -> None:
    app.command(COMMAND)(apologising(handle_command))
    app.action(messages.DONE_ACTION)(apologising(handle_button))
    app.action(messages.SNOOZE_DAY_ACTION)(apologising(handle_button))
    app.action(messages.SNOOZE_WEEK_ACTION)(apologising(handle_button))
    app.action(messages.TRACK_ACTION)(apologising(handle_track))
    app.view(MODAL)(apologising(handle_modal))


def handle_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    followups: Followups = context["followups"]
    tz, now = followups.tz, datetime.datetime.now(datetime.UTC)
    # Slack escapes the command's text; a title is stored as typed, and escaped wherever it is shown.
    text, user = text_from_slack(command.get("text") or ""), command.get("user_id") or ""
    try:
        parsed = parse_command(text, now, tz)
    except CommandError as error:
        respond(text=str(error), response_type="ephemeral")
        return
    with followups.session() as session:
        if isinstance(parsed, Add):
            followup, rule = create_followup(
                session, title=parsed.title, owners=list(parsed.owners), channel_id=command.get("channel_id") or "",
                created_by=user, due=parsed.due, remind=parsed.remind, tz=tz,
            )
            followups.rules_changed()
            reply = _added(followup.id or 0, language_of(text), parsed.remind or parsed.due, tz)
        elif isinstance(parsed, ListFollowups):
            rows = list_followups(session, parsed.scope, user, now, channel_id=None if parsed.scope == "all" else command.get("channel_id"))
            lines = [messages.summary_line(row.followup, now, tz, row.problem) for row in rows]
            reply = "\n".join(lines) or "No follow-ups here. / フォローアップはありません。"
        elif isinstance(parsed, Close):
            outcome = close_followup(session, parsed.followup_id, parsed.status, user, now)
            followups.rules_changed()
            reply = outcome.message
        elif isinstance(parsed, Snooze):
            reply = snooze_followup(session, parsed.followup_id, parsed.delay, user, now, tz).message
            followups.rules_changed()
        elif isinstance(parsed, Suggest):
            respond(**_suggestions(session, parsed.meeting), response_type="ephemeral")
            return
        else:
            reply = HELP
    respond(text=reply, response_type="ephemeral")


def _added(followup_id: int, language: str, reminder: When | None, tz: ZoneInfo) -> str:
    if reminder is None:
        return f"フォローアップ #{followup_id} を登録しました。" if language == "ja" else f"Follow-up #{followup_id} added."
    if language == "ja":
        return f"フォローアップ #{followup_id} を登録しました。{describe(reminder, 'ja', tz)} にリマインドします"
    return f"Follow-up #{followup_id} added. Reminder set for {describe(reminder, 'en', tz)}"


def _suggestions(session: Session, meeting_title: str) -> dict[str, Any]:
    meeting = find_meeting(session, meeting_title)
    if meeting is None:
        return {"text": "No such meeting. / 該当する会議がありません。"}
    found = suggestions(session, meeting.id or 0)
    header = f"Suggested follow-ups from {meeting.title} / フォローアップ候補 ({len(found)})"
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": header[:150]}}]
    for s in found:
        blocks.append({
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape(s.speaker)}*: {escape(s.text)}"[:2900]},
            "accessory": {"type": "button", "action_id": messages.TRACK_ACTION, "value": str(s.remark_id),
                          "text": {"type": "plain_text", "text": "Track / 登録"}},
        })
    return {"text": header, "blocks": blocks[:50]}


def handle_button(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond,
                  context: BoltContext) -> None:
    """Done / Snooze on a reminder or on the Home tab: the database first, then what the user sees.
    A stale click (the follow-up was closed meanwhile) says what happened."""
    ack()
    followups: Followups = context["followups"]
    now = datetime.datetime.now(datetime.UTC)
    user, followup_id = body.get("user", {}).get("id") or "", int(action.get("value") or 0)
    with followups.session() as session:
        if action["action_id"] == messages.DONE_ACTION:
            outcome = close_followup(session, followup_id, "done", user, now)
        else:
            delay = messages.SNOOZE_DELAYS[action["action_id"]]
            outcome = snooze_followup(session, followup_id, delay, user, now, followups.tz)
    if outcome.changed:
        followups.rules_changed()
    if body.get("view", {}).get("type") == "home":
        publish_home(client, context, user, note=outcome.message)
        return
    _update_message(outcome, body, client)
    if not outcome.changed:
        respond(text=outcome.message, response_type="ephemeral", replace_original=False)


def _update_message(outcome: Outcome, body: dict[str, Any], client: WebClient) -> None:
    channel, ts = body.get("channel", {}).get("id"), body.get("message", {}).get("ts")
    if outcome.followup is None or not channel or not ts:
        return
    shown = body.get("message", {}).get("blocks") or []
    text, blocks = messages.message_after_click(outcome.followup, outcome.message, shown)
    client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)


def handle_track(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """"Track as follow-up" on a remark: a modal prefilled from it."""
    ack()
    followups: Followups = context["followups"]
    remark_id = int(action.get("value") or 0)
    with followups.session() as session:
        source = source_of_remark(session, remark_id)
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    client.views_open(trigger_id=body["trigger_id"], view=followup_modal(remark_id, source.remark if source else "", channel, body["user"]["id"]))


def followup_modal(remark_id: int, remark: str, channel: str | None, user: str) -> dict:
    def block(block_id: str, label: str, element: dict, optional: bool = False) -> dict:
        return {"type": "input", "block_id": block_id, "optional": optional, "label": {"type": "plain_text", "text": label}, "element": element}

    title = remark.split(": ", 1)[-1][:150]
    channel_select = {"type": "conversations_select", "action_id": "value", "filter": {"include": ["public", "private"]}}
    if channel:
        channel_select["initial_conversation"] = channel
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": json.dumps({"remark_id": remark_id}),
        "title": {"type": "plain_text", "text": "Track as follow-up"},
        "submit": {"type": "plain_text", "text": "Add / 登録"},
        "blocks": [
            block("title", "What / 内容", {"type": "plain_text_input", "action_id": "value", "initial_value": title, "max_length": 300}),
            block("owners", "Owners / 担当", {"type": "multi_users_select", "action_id": "value", "initial_users": [user]}),
            block("due", "Due date / 期限", {"type": "datepicker", "action_id": "value"}, optional=True),
            block("channel", "Channel / チャンネル", channel_select),
            block("remind", "Reminder / リマインド (e.g. 明日 9時, every Monday 9:00)", {"type": "plain_text_input", "action_id": "value"}, optional=True),
        ],
    }


def handle_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    followups: Followups = context["followups"]
    tz, now = followups.tz, datetime.datetime.now(datetime.UTC)
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
        ack(response_action="errors", errors={"remind": f"{error.reason_en} e.g. 明日 9時, every Monday 9:00"[:150]})
        return
    ack()
    remark_id = json.loads(view.get("private_metadata") or "{}").get("remark_id")
    with followups.session() as session:
        source = source_of_remark(session, remark_id) if remark_id else None
        followup, _ = create_followup(
            session, title=values["title"]["value"], owners=values["owners"].get("selected_users") or [user],
            channel_id=values["channel"]["selected_conversation"], created_by=user, due=due, remind=remind, tz=tz, source=source,
        )
    followups.rules_changed()
    client.chat_postMessage(channel=user, text=_added(followup.id or 0, language_of(followup.title), remind or due, tz))
