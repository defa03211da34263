"""Follow-ups in Slack: reminder posts, the digest, list replies, the buttons, the "Track as follow-up"
modal and the suggestions. Block Kit as plain dicts; the words are bot.followups.text's and the
catalogue's, in mrkdwn.

Titles and sources are people's words (a modal, a remark of the minutes): they are escaped, so that a
title "<!channel>" pings nobody.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.when import describe_time
from bot.followups.results import FollowupRow, Outcome, Suggestions
from bot.followups.text import is_overdue, language_of_followup, outcome_text, owners_text, summary_line
from bot.messages import JAPANESE_FIRST, both, say
from bot.services.followups import Proposal, Review
from bot.slack.blocks import marked
from bot.slack.mrkdwn import MRKDWN, escape, mention
from storage.models import OPEN, FollowUp

DONE_ACTION, SNOOZE_DAY_ACTION, SNOOZE_WEEK_ACTION, TRACK_ACTION = (
    "followup_done",
    "followup_snooze_1d",
    "followup_snooze_1w",
    "followup_track",
)
SNOOZE_DELAYS = {SNOOZE_DAY_ACTION: datetime.timedelta(days=1), SNOOZE_WEEK_ACTION: datetime.timedelta(weeks=1)}
REVIEW_TRACK_ACTION, REVIEW_EDIT_ACTION, REVIEW_DISMISS_ACTION = "review_track", "review_edit", "review_dismiss"
MODAL = "followup_modal"
REVIEW_ITEMS = 24  # proposals shown in one review: Slack takes 50 blocks, each takes two, the header one
NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def summary(row: FollowupRow, now: datetime.datetime, tz: ZoneInfo) -> str:
    return summary_line(row.followup, now, tz, MRKDWN, row.problem)


def list_reply(rows: Sequence[FollowupRow], now: datetime.datetime, tz: ZoneInfo) -> str:
    return "\n".join(summary(row, now, tz) for row in rows) or both("followups_none_here")


def help_text() -> str:
    """The catalogue's `/followup` help, its command name in bold."""
    first, _, rest = both("followup_help").partition("\n")
    name, separator, purpose = first.partition(" — ")
    return f"*{name}*{separator}{purpose}\n{rest}"


def outcome_reply(outcome: Outcome, tz: ZoneInfo) -> str:
    return outcome_text(outcome, tz, MRKDWN)


def source_lines(followup: FollowUp) -> list[str]:
    lines = []
    if followup.source_meeting:
        lines.append(say("source_meeting", "en", meeting=escape(followup.source_meeting)))
    if followup.source_remark:
        lines.append("> " + escape(followup.source_remark).replace("\n", "\n> "))
    return lines


def _number(followup_id: int | None) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": say("followup_number", "en", id=followup_id)}]}


def reminder_message(followup: FollowUp, now: datetime.datetime, tz: ZoneInfo) -> tuple[str, list[dict]]:
    """The reminder post: owners mentioned, the follow-up, its due date, its source, and the buttons."""
    language = language_of_followup(followup)
    text = f"{owners_text(followup, MRKDWN)} " + say("reminder", language, title=escape(followup.title))
    body = [f":bell: *{text}*"]
    if followup.due_at is not None:
        due = say(
            "reminder_overdue" if is_overdue(followup, now) else "reminder_due",
            language,
            due=describe_due(followup, language, tz),
        )
        body.append((":red_circle: " if is_overdue(followup, now) else "") + due)
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(body)}}]
    if source := source_lines(followup):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(source)[:2900]}]})
    blocks.append(action_buttons(followup.id or 0, language))
    blocks.append(_number(followup.id))
    return text, blocks


def describe_due(followup: FollowUp, language: str, tz: ZoneInfo) -> str:
    return describe_time(followup.due_at, language, tz) if followup.due_at else ""


def action_buttons(followup_id: int, language: str) -> dict:
    texts = [say(key, language) for key in ("button_done", "button_snooze_day", "button_snooze_week")]
    actions = (DONE_ACTION, SNOOZE_DAY_ACTION, SNOOZE_WEEK_ACTION)
    return _button_row(f"followup-{followup_id}", actions, texts, str(followup_id))


def _button_row(block_id: str, actions: Sequence[str], texts: Sequence[str], value: str) -> dict:
    """An actions block of buttons carrying one value, the first one primary."""
    buttons = [
        {"type": "button", "action_id": action, "value": value, "text": {"type": "plain_text", "text": text}}
        for action, text in zip(actions, texts, strict=True)
    ]
    buttons[0]["style"] = "primary"
    return {"type": "actions", "block_id": block_id, "elements": buttons}


def closed_message(followup: FollowUp, note: str) -> tuple[str, list[dict]]:
    """A reminder post once acted on: the buttons give way to what happened."""
    title = escape(followup.title)
    text = f"~{title}~" if followup.status != OPEN else title
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{note}"}}, _number(followup.id)]
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
    for items in by_owner.values():
        items.sort(key=lambda f: (not is_overdue(f, now), f.due_at or NEVER, f.id or 0))
    owners = sorted(by_owner, key=lambda owner: (not is_overdue(by_owner[owner][0], now), owner))
    header = both("digest_header", count=len(followups))
    blocks: list[dict] = [{"type": "header", "block_id": DIGEST_BLOCK, "text": {"type": "plain_text", "text": header}}]
    rest: list[str] = []
    shown = 0
    for owner in owners:
        lines = [f"*{mention(owner)}*"]
        for followup in by_owner[owner]:
            line = "• " + summary_line(followup, now, tz, MRKDWN)
            if shown < DIGEST_BUTTONS:
                shown += 1
                blocks.append(_section(lines + [line], f"digest-{followup.id}-{shown}"))
                buttons = action_buttons(followup.id or 0, language_of_followup(followup))
                blocks.append({**buttons, "block_id": f"{buttons['block_id']}-{shown}"})
            else:
                rest += lines + [line]
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


def suggestions_message(found: Suggestions | None) -> dict[str, Any]:
    """The remarks of a meeting that sound like commitments, each with its "Track" button."""
    if found is None:
        return {"text": both("no_such_meeting")}
    header = both("suggestions_header", meeting=found.meeting_title, count=len(found.found))  # plain_text
    text = both("suggestions_header", meeting=escape(found.meeting_title), count=len(found.found))  # mrkdwn
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": header[:150]}}]
    for s in found.found:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{escape(s.speaker)}*: {escape(s.text)}"[:2900]},
                "accessory": {
                    "type": "button",
                    "action_id": TRACK_ACTION,
                    "value": str(s.remark_id),
                    "text": {"type": "plain_text", "text": both("suggestion_track")},
                },
            }
        )
    return {"text": text, "blocks": blocks[:50]}


def review_message(review: Review) -> tuple[str, list[dict]]:
    """ "N follow-ups found in <meeting> (date)": each proposal with its speaker, the remark with the action's
    words in bold, owner (and the members linked to it) and due date, and Track / Edit / Dismiss."""
    meeting = f"{review.meeting_title} ({review.meeting_date.isoformat() if review.meeting_date else '-'})"
    header = both("review_header", order=JAPANESE_FIRST, count=len(review.proposals), meeting=escape(meeting))
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{header}*"}}]
    for proposal in review.proposals[:REVIEW_ITEMS]:
        blocks += [_proposal_section(proposal), _review_buttons(review.meeting_id, proposal.suggestion.remark_id)]
    if len(review.proposals) > REVIEW_ITEMS:
        more = both("review_more", order=JAPANESE_FIRST, count=len(review.proposals) - REVIEW_ITEMS)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return header, blocks


def _proposal_section(proposal: Proposal) -> dict:
    s = proposal.suggestion
    start = s.text.find(s.sentence) if s.sentence else -1
    words = marked(s.text, [(start, start + len(s.sentence))] if start >= 0 else [], 2000)
    owner = escape(s.owner)
    if proposal.members:
        owner += " → " + " ".join(mention(member) for member in proposal.members)
    else:
        owner += " (" + both("review_unlinked", order=JAPANESE_FIRST, name=escape(s.owner)) + ")"
    due = s.due.isoformat() if s.due else "-"
    if s.due_words:
        due += f" ({escape(s.due_words)})"
    lines = [f"*{escape(s.speaker)}*: {words}", both("review_owner_due", order=JAPANESE_FIRST, owner=owner, due=due)]
    return {
        "type": "section",
        "block_id": f"review-{s.remark_id}",
        "text": {"type": "mrkdwn", "text": "\n".join(lines)},
    }


def _review_buttons(meeting_id: int, remark_id: int) -> dict:
    texts = [both(key, order=JAPANESE_FIRST) for key in ("review_track", "review_edit", "review_dismiss")]
    actions = (REVIEW_TRACK_ACTION, REVIEW_EDIT_ACTION, REVIEW_DISMISS_ACTION)
    return _button_row(f"review-actions-{remark_id}", actions, texts, f"{meeting_id}:{remark_id}")


def review_button_value(value: str) -> tuple[int, int] | None:
    """(meeting id, remark id) of a review button, or None when it is not one."""
    meeting, _, remark = value.partition(":")
    return (int(meeting), int(remark)) if meeting.isdigit() and remark.isdigit() else None


def review_after(blocks: list[dict], remark_id: int, note: str | None) -> list[dict]:
    """A review once one proposal is acted on: its buttons give way to `note`, or (no note: dismissed) the
    proposal leaves the review."""
    updated = []
    for block in blocks:
        block_id = block.get("block_id") or ""
        if block_id == f"review-actions-{remark_id}":
            if note is not None:
                updated.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
            continue
        if block_id == f"review-{remark_id}" and note is None:
            continue
        updated.append(block)
    return updated


def tracked_note(followup: FollowUp, user: str) -> str:
    return both("review_tracked", order=JAPANESE_FIRST, id=followup.id, user=mention(user))


def links_reply(links: dict[str, list[str]]) -> str:
    """Who is linked to each speaker and organisation."""
    lines = [f"• {escape(name)} → " + " ".join(mention(user) for user in users) for name, users in links.items()]
    return "\n".join([both("links_header", order=JAPANESE_FIRST), *lines]) if lines else both("links_none")


def link_reply(name: str, members: list[str]) -> str:
    if not members:
        return both("link_nobody", order=JAPANESE_FIRST, name=escape(name))
    return both("link_now", order=JAPANESE_FIRST, name=escape(name), members=" ".join(map(mention, members)))


def review_modal(proposal: Proposal, channel: str | None, user: str, message_ts: str | None) -> dict:
    """The review's Edit: the follow-up modal prefilled from the proposal (owner members, due date); an empty
    reminder keeps the default schedule."""
    s = proposal.suggestion
    metadata = {"remark_id": s.remark_id, "meeting_id": s.meeting_id, "review": [channel, message_ts]}
    return followup_modal(
        s.remark_id,
        s.sentence or s.text,
        channel,
        user,
        owners=list(proposal.members),
        due=s.due,
        metadata=metadata,
        remind_hint=both("review_default_reminders", order=JAPANESE_FIRST),
    )


def followup_modal(
    remark_id: int,
    remark: str,
    channel: str | None,
    user: str,
    *,
    owners: Sequence[str] = (),
    due: datetime.date | None = None,
    metadata: dict | None = None,
    remind_hint: str | None = None,
) -> dict:
    """ "Track as follow-up": a modal prefilled from the remark (its words after the speaker's name)."""

    def block(block_id: str, label: str, element: dict, optional: bool = False) -> dict:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": element,
        }

    title = remark.split(": ", 1)[-1][:150]
    channel_select = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"]},
    }
    if channel:
        channel_select["initial_conversation"] = channel
    title_input = {"type": "plain_text_input", "action_id": "value", "initial_value": title, "max_length": 300}
    due_picker: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if due:
        due_picker["initial_date"] = due.isoformat()
    remind_input: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
    if remind_hint:
        remind_input["placeholder"] = {"type": "plain_text", "text": remind_hint[:150]}
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": json.dumps(metadata or {"remark_id": remark_id}),
        "title": {"type": "plain_text", "text": both("modal_title")},
        "submit": {"type": "plain_text", "text": both("modal_submit")},
        "blocks": [
            block("title", both("modal_what"), title_input),
            block(
                "owners",
                both("modal_owners"),
                {"type": "multi_users_select", "action_id": "value", "initial_users": list(owners) or [user]},
            ),
            block("due", both("modal_due"), due_picker, optional=True),
            block("channel", both("modal_channel"), channel_select),
            block("remind", both("modal_remind"), remind_input, optional=True),
        ],
    }
