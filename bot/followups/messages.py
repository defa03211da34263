"""What follow-up messages say: reminder posts, list lines, the digest. Block Kit as plain dicts.

The language of a follow-up's messages is the language of its title. Titles and sources are people's
words (a modal, a remark of the minutes): they are escaped, so that a title "<!channel>" pings nobody.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from bot.core.text import language_of
from bot.core.when import describe_time
from bot.slack.mrkdwn import escape
from storage.followups import OPEN, Delivery, FollowUp

DONE_ACTION, SNOOZE_DAY_ACTION, SNOOZE_WEEK_ACTION, TRACK_ACTION = (
    "followup_done", "followup_snooze_1d", "followup_snooze_1w", "followup_track",
)
SNOOZE_DELAYS = {SNOOZE_DAY_ACTION: datetime.timedelta(days=1), SNOOZE_WEEK_ACTION: datetime.timedelta(weeks=1)}


def is_overdue(followup: FollowUp, now: datetime.datetime) -> bool:
    return followup.status == OPEN and followup.due_at is not None and followup.due_at < now


def mentions(users: list[str]) -> str:
    return " ".join(f"<@{user}>" for user in users)


def summary_line(followup: FollowUp, now: datetime.datetime, tz: ZoneInfo, problem: Delivery | None = None) -> str:
    """`#12 Send the survey — <@U1> — due 2026-12-01 (Tue) 09:00 JST (overdue)`"""
    ja = language_of(followup.title) == "ja"
    parts = [f"#{followup.id} {escape(followup.title)}", mentions(followup.owners)]
    if followup.due_at is not None:
        due = describe_time(followup.due_at, "ja" if ja else "en", tz)
        overdue = (" *(期限切れ)*" if ja else " *(overdue)*") if is_overdue(followup, now) else ""
        parts.append(("期限 " if ja else "due ") + due + overdue)
    if followup.status != OPEN:
        parts.append(f"{followup.status} by <@{followup.closed_by}>" if followup.closed_by else followup.status)
    if problem is not None:
        what = "reminder failed" if problem.state == "failed" else "reminder retrying"
        parts.append(f":warning: {what}: {problem.last_error}")
    return " — ".join(part for part in parts if part)


def source_lines(followup: FollowUp) -> list[str]:
    lines = []
    if followup.source_meeting:
        lines.append(f"Meeting / 会議: {escape(followup.source_meeting)}")
    if followup.source_remark:
        lines.append("> " + escape(followup.source_remark).replace("\n", "\n> "))
    return lines


def reminder_message(followup: FollowUp, now: datetime.datetime, tz: ZoneInfo) -> tuple[str, list[dict]]:
    """The reminder post: owners mentioned, the follow-up, its due date, its source, and the buttons."""
    ja = language_of(followup.title) == "ja"
    title = escape(followup.title)
    text = f"{mentions(followup.owners)} リマインド: {title}" if ja else f"{mentions(followup.owners)} Reminder: {title}"
    body = [f":bell: *{text}*"]
    if followup.due_at is not None:
        due = describe_time(followup.due_at, "ja" if ja else "en", tz)
        if is_overdue(followup, now):
            body.append((":red_circle: 期限切れ: " if ja else ":red_circle: Overdue: was due ") + due)
        else:
            body.append(("期限: " if ja else "Due: ") + due)
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(body)}}]
    if source := source_lines(followup):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(source)[:2900]}]})
    blocks.append(action_buttons(followup.id or 0, ja))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Follow-up #{followup.id}"}]})
    return text, blocks


def action_buttons(followup_id: int, ja: bool) -> dict:
    labels = ("完了", "1日後に再通知", "1週間後に再通知") if ja else ("Done", "Snooze 1 day", "Snooze 1 week")
    actions = (DONE_ACTION, SNOOZE_DAY_ACTION, SNOOZE_WEEK_ACTION)
    buttons = [
        {"type": "button", "action_id": action, "value": str(followup_id), "text": {"type": "plain_text", "text": label}}
        for action, label in zip(actions, labels, strict=True)
    ]
    buttons[0]["style"] = "primary"
    return {"type": "actions", "block_id": f"followup-{followup_id}", "elements": buttons}


def closed_message(followup: FollowUp, note: str) -> tuple[str, list[dict]]:
    """A reminder post once acted on: the buttons give way to what happened."""
    title = escape(followup.title)
    text = f"~{title}~" if followup.status != OPEN else title
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{note}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Follow-up #{followup.id}"}]},
    ]
    return f"{title}: {note}", blocks


DIGEST_BLOCK = "digest"  # the block_id of a digest's header: a click in a digest updates only that follow-up
DIGEST_BUTTONS = 20  # follow-ups with buttons in one digest: Slack takes 50 blocks, each needs two


def digest_message(followups: list[FollowUp], now: datetime.datetime, tz: ZoneInfo) -> tuple[str, list[dict]]:
    """Open follow-ups of one channel by owner, owners with overdue ones first and overdue ones first in each,
    with Done / Snooze buttons that work as on a reminder."""
    by_owner: dict[str, list[FollowUp]] = {}
    for followup in followups:
        for owner in followup.owners or [followup.created_by]:
            by_owner.setdefault(owner, []).append(followup)
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    for items in by_owner.values():
        items.sort(key=lambda f: (not is_overdue(f, now), f.due_at or never, f.id or 0))
    owners = sorted(by_owner, key=lambda owner: (not is_overdue(by_owner[owner][0], now), owner))
    header = f"Open follow-ups / 未完了のフォローアップ ({len(followups)})"
    blocks: list[dict] = [{"type": "header", "block_id": DIGEST_BLOCK, "text": {"type": "plain_text", "text": header}}]
    rest: list[str] = []
    shown = 0
    for owner in owners:
        lines = [f"*<@{owner}>*"]
        for followup in by_owner[owner]:
            if shown < DIGEST_BUTTONS:
                shown += 1
                line = "• " + summary_line(followup, now, tz)
                blocks.append(_section(lines + [line], f"digest-{followup.id}-{shown}"))
                buttons = action_buttons(followup.id or 0, language_of(followup.title) == "ja")
                blocks.append({**buttons, "block_id": f"{buttons['block_id']}-{shown}"})
                lines = []
            else:
                rest += lines + ["• " + summary_line(followup, now, tz)]
                lines = []
    for start in range(0, len(rest), 40):  # a section holds 3000 characters
        blocks.append(_section(rest[start : start + 40]))
    return header, blocks


def _section(lines: list[str], block_id: str | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}
    return {**block, "block_id": block_id} if block_id else block


def message_after_click(followup: FollowUp, note: str, blocks: list[dict]) -> tuple[str, list[dict]]:
    """The message a Done / Snooze button was in, once acted on: a reminder gives way to what happened;
    in a digest only that follow-up's line does, the others keep their buttons."""
    if not blocks or blocks[0].get("block_id") != DIGEST_BLOCK:
        return closed_message(followup, note)
    title = escape(followup.title)
    done = f"~{title}~" if followup.status != OPEN else title
    updated = []
    for block in blocks:
        block_id = block.get("block_id") or ""
        if block_id.startswith(f"followup-{followup.id}-"):
            continue
        if block_id.startswith(f"digest-{followup.id}-"):
            owner_line = [line for line in block["text"]["text"].split("\n") if not line.startswith("• ")]
            block = _section(owner_line + [f"• #{followup.id} {done} — {note}"], block_id)
        updated.append(block)
    return f"{title}: {note}", updated
