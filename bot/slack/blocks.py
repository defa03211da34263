"""Block Kit messages: pure functions from core results to (blocks, fallback text), within Slack's limits.

Every stored or user-supplied string passes through `escape` (or `marked`, which escapes) before it is
placed in mrkdwn, so a remark or a question containing <!channel> or <https://x|click> stays plain text.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.answers import EXAMPLES, MAX_QUESTION_LENGTH, Answer, Result, say
from bot.core.search import Understanding
from bot.core.text import language_of
from bot.followups.results import FollowupRow
from bot.ingest import IngestResult
from bot.messages import JAPANESE_FIRST, Markup, both, by_language, understood_as
from bot.services.remarks import MeetingSummary, SpeakerSummary
from bot.slack import followup_messages
from bot.slack.mrkdwn import escape, mention

Block = dict[str, Any]

PAGE_SIZE = 5  # remarks per message; "More" shows the next ones
SECTION_TEXT_LIMIT = 3000  # Slack: section text
CONTEXT_TEXT_LIMIT = 3000  # Slack: a context element's text
BUTTON_TEXT_LIMIT = 75  # Slack: a button's text
MAX_BLOCKS = 50  # Slack: blocks in a message
FALLBACK_TEXT_LIMIT = 3000  # our own: the notification text need not carry the whole answer
TITLE_LIMIT = 200  # a meeting title or speaker label shown in a remark's header line
HOME_MEETINGS = 10
HOME_FOLLOWUPS = 20  # a Home tab holds 100 blocks, and each follow-up takes two
ACTION_MORE = "remarks_more"
ACTION_SHARE = "remarks_share"
ELLIPSIS = "…"
# Slack only bolds *words* set off by spaces or punctuation; Japanese has no spaces, and zero-width
# spaces around the asterisks make the bold render there too.
BOLD_OPEN, BOLD_CLOSE = "\u200b*", "*\u200b"
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

# The catalogue's words by language (bot/data/messages.toml).
WORDS: dict[str, dict[str, str]] = by_language()


def marked(text: str, spans: Sequence[tuple[int, int]], limit: int) -> str:
    """`text` escaped for mrkdwn with the spans in bold, cut (with …) to at most `limit` characters."""
    spans = [(start, end) for start, end in spans if end > start]
    rendered = _render(text, spans)
    if len(rendered) <= limit:
        return rendered
    # The longest prefix of the text whose rendering, plus the ellipsis, fits.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_render(text[:middle], _clip(spans, middle))) + len(ELLIPSIS) <= limit:
            low = middle
        else:
            high = middle - 1
    return _render(text[:low], _clip(spans, low)) + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """`text` escaped for mrkdwn, cut to at most `limit` characters."""
    return marked(text, [], limit)


def _render(text: str, spans: Sequence[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in spans:
        pieces += [escape(text[last:start]), BOLD_OPEN, escape(text[start:end]), BOLD_CLOSE]
        last = end
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def _clip(spans: Sequence[tuple[int, int]], cut: int) -> list[tuple[int, int]]:
    return [(start, min(end, cut)) for start, end in spans if start < cut]


def cut(text: str, limit: int) -> str:
    """mrkdwn `text` in at most `limit` characters, cut with … where it is longer: never inside an escape
    (&lt;) or a mention (<@U…>), which would show as broken markup."""
    if len(text) <= limit:
        return text
    kept = text[: limit - len(ELLIPSIS)]
    for opener, closer in (("&", ";"), ("<", ">")):
        if kept.rfind(opener) > kept.rfind(closer):
            kept = kept[: kept.rfind(opener)]
    return kept + ELLIPSIS


# Every block is made by one of these, which hold its text to Slack's limits whatever the caller passes.
def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_TEXT_LIMIT)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, CONTEXT_TEXT_LIMIT)}]}


def _button(text: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:BUTTON_TEXT_LIMIT]},
        "action_id": action_id,
        "value": value,
    }


def remark_section(result: Result, language: str) -> Block:
    """A remark, with the button that opens a follow-up prefilled from it (one accessory per section:
    no actions block, so pages stay far within the block and element limits)."""
    section = _section(remark_text(result, language))
    section["accessory"] = _button(WORDS[language]["track"], followup_messages.TRACK_ACTION, str(result.remark_id))
    return section


def page_count(answer: Answer) -> int:
    return max(1, math.ceil(len(answer.results) / PAGE_SIZE))


class ButtonValue(NamedTuple):
    """What a button carries: the stored question's key, a page, and who shared the message (if anyone)."""

    key: str
    page: int
    shared_by: str | None = None


def button_value(key: str, page: int, shared_by: str | None = None) -> str:
    return ":".join([key, str(page)] + ([shared_by] if shared_by else []))


def parse_button_value(value: str) -> ButtonValue | None:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].isdigit():
        return None
    shared_by = parts[2] if len(parts) == 3 and USER_ID.fullmatch(parts[2]) else None
    return ButtonValue(parts[0], int(parts[1]), shared_by)


def understanding_text(understanding: Understanding, language: str) -> str:
    """`Understood as: speaker 苫前町長 · topics foreign workers / 外国人、外国人材`, escaped, or ""."""
    return understood_as(understanding, language, Markup(text=lambda text: plain(text, CONTEXT_TEXT_LIMIT)))


def remark_text(result: Result, language: str) -> str:
    """One remark's section: speaker, meeting and date, then the remark with the matched words bold."""
    date = result.meeting_date.isoformat() if result.meeting_date else WORDS[language]["no_date"]
    header = f"*{plain(result.speaker, TITLE_LIMIT)}* · {plain(result.meeting_title, TITLE_LIMIT)} · {date}"
    return header + "\n" + marked(result.text, result.highlights, SECTION_TEXT_LIMIT - len(header) - 1)


def answer_blocks(
    answer: Answer, page: int, key: str | None, shareable: bool, shared_by: str | None = None
) -> tuple[list[Block], str]:
    """One page of an answer. `key` (the stored question) enables the buttons; None shows none."""
    language = answer.language
    words = WORDS[language]
    u = answer.understanding
    page = min(max(page, 0), page_count(answer) - 1)
    shown = answer.results[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]

    blocks: list[Block] = [_context(f"{words['question']}: " + plain(u.question, CONTEXT_TEXT_LIMIT - 20))]
    understood = understanding_text(u, language)
    if understood:
        blocks.append(_context(understood))
    if answer.message:
        blocks.append(_section(plain(answer.message, SECTION_TEXT_LIMIT)))
    blocks += [remark_section(result, language) for result in shown]
    if answer.results:
        first = page * PAGE_SIZE + 1
        blocks.append(
            _context(words["range"].format(first=first, last=first + len(shown) - 1, total=len(answer.results)))
        )
    shared_by = shared_by if shared_by and USER_ID.fullmatch(shared_by) else None
    if shared_by:
        blocks.append(_context(words["shared_by"].format(user=mention(shared_by))))
    buttons = []
    if key and answer.results and shareable:
        buttons.append(_button(words["share"], ACTION_SHARE, button_value(key, page)))
    if key and page + 1 < page_count(answer):
        buttons.append(_button(words["more"], ACTION_MORE, button_value(key, page + 1, shared_by)))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks, answer_fallback(answer, shown)


def answer_fallback(answer: Answer, shown: Sequence[Result]) -> str:
    """The plain text Slack shows in notifications and where blocks cannot be shown."""
    words = WORDS[answer.language]
    lines = [f"{words['answer_to']} “{answer.understanding.question}”"]
    if answer.message:
        lines.append(answer.message)
    for result in shown:
        date = result.meeting_date.isoformat() if result.meeting_date else words["no_date"]
        lines.append(f"{result.speaker} ({date}): {result.text[:200]}")
    return plain("\n".join(lines), FALLBACK_TEXT_LIMIT)


def notice(text: str) -> tuple[list[Block], str]:
    """A one-paragraph message of our own words (which may carry mrkdwn)."""
    return [_section(text)], cut(text, FALLBACK_TEXT_LIMIT)


def too_long_blocks(question: str) -> tuple[list[Block], str]:
    return notice(escape(say("too_long", language_of(question), limit=str(MAX_QUESTION_LENGTH))))


def expired_blocks(language: str = "en") -> tuple[list[Block], str]:
    return notice(WORDS[language]["expired"])


def error_blocks(error_id: str) -> tuple[list[Block], str]:
    """An apology in both languages: a failure may come before the question's language is known."""
    return notice(both("error", "\n", error_id=error_id))


def usage_lines() -> list[str]:
    """How to use the bot, in Japanese and English."""
    lines = [f"*{_ja_en('usage_title')}*", ""]
    lines += [f"• `/remarks {example}`" for example in EXAMPLES["ja"] + EXAMPLES["en"]]
    lines += [
        f"• `/remarks speakers` — {_ja_en('usage_speakers')}",
        f"• `/remarks meetings` — {_ja_en('usage_meetings')}",
        f"• `/remarks help` — {_ja_en('usage_help')}",
        "",
        _ja_en("usage_mention", "\n"),
        _ja_en("usage_import", "\n"),
    ]
    return lines


def help_blocks() -> tuple[list[Block], str]:
    text = "\n".join(usage_lines())
    return [_section(text)], text


def _listing(title: str, lines: list[str], empty: str) -> tuple[list[Block], str]:
    """Lines grouped into sections of at most 3000 characters, within the block limit."""
    if not lines:
        return notice(empty)
    blocks: list[Block] = [_section(title)]
    chunk: list[str] = []
    for index, line in enumerate(lines):
        if chunk and len("\n".join([*chunk, line])) > SECTION_TEXT_LIMIT:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
            if len(blocks) == MAX_BLOCKS - 2:
                blocks.append(_context(f"… +{len(lines) - index}"))
                return blocks, title
        chunk.append(cut(line, SECTION_TEXT_LIMIT))
    blocks.append(_section("\n".join(chunk)))
    return blocks, title


def _ja_en(key: str, separator: str = " / ", **values: object) -> str:
    return both(key, separator, JAPANESE_FIRST, **values)


NO_MINUTES = _ja_en("no_minutes")


def speakers_blocks(speakers: Sequence[SpeakerSummary]) -> tuple[list[Block], str]:
    lines = [
        f"• *{plain(s.label, TITLE_LIMIT)}*" + (f" — {plain(', '.join(s.aliases), 1000)}" if s.aliases else "")
        for s in speakers
    ]
    return _listing(f"*{_ja_en('speakers_header')} ({len(speakers)})*", lines, NO_MINUTES)


def meeting_line(meeting: MeetingSummary) -> str:
    date = meeting.date.isoformat() if meeting.date else _ja_en("no_date")
    counts = both("meeting_counts", speakers=meeting.speakers, remarks=meeting.remarks)
    return f"• {date} *{plain(meeting.title, TITLE_LIMIT)}* — {counts}"


def meetings_blocks(meetings: Sequence[MeetingSummary]) -> tuple[list[Block], str]:
    return _listing(f"*{_ja_en('meetings_header')} ({len(meetings)})*", [meeting_line(m) for m in meetings], NO_MINUTES)


NO_FOLLOWUPS = _ja_en("no_open_followups")


def home_view(
    meetings: Sequence[MeetingSummary],
    followups: Sequence[FollowupRow],
    now: datetime.datetime,
    tz: ZoneInfo,
    note: str | None = None,
    links: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The app's Home tab: `note` (what a click on it did) if any, how to ask, the user's open
    follow-ups with their Done and Snooze buttons, soonest due first, the latest meetings, and for an admin
    (`links` given) the speakers and organisations linked to members, with how to change them."""
    blocks: list[Block] = [_context(note)] if note else []
    blocks += [_section("\n".join(usage_lines())), {"type": "divider"}]
    blocks.append(_section(f"*{_ja_en('your_followups')} ({len(followups)})*"))
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    soonest = sorted(followups, key=lambda row: (row.followup.due_at or never, row.followup.id or 0))
    for row in soonest[:HOME_FOLLOWUPS]:
        blocks.append(_section(followup_messages.summary(row, now, tz)))
        blocks.append(followup_messages.action_buttons(row.followup.id or 0, language_of(row.followup.title)))
    if len(soonest) > HOME_FOLLOWUPS:
        blocks.append(_context(f"… +{len(soonest) - HOME_FOLLOWUPS}: `/followup list mine`"))
    if not soonest:
        blocks.append(_context(NO_FOLLOWUPS))
    recent = [meeting_line(m) for m in meetings[:HOME_MEETINGS]]
    recent_text = f"*{_ja_en('recent_meetings')}*\n" + "\n".join(recent) if recent else NO_MINUTES
    blocks += [{"type": "divider"}, _section(recent_text)]
    if links is not None:
        blocks += [{"type": "divider"}, _section(followup_messages.links_reply(links)), _context(both("link_usage"))]
    return {"type": "home", "blocks": blocks}


def import_result_line(result: IngestResult, language: str) -> str:
    words = WORDS[language]
    return words["imported"].format(
        status=words[result.status],
        title=f"*{plain(result.title, TITLE_LIMIT)}*",
        date=result.date or words["no_date"],
        speakers=result.speakers,
        remarks=result.remarks,
    )


def import_failed_line(name: str, reason: str, language: str) -> str:
    return WORDS[language]["import_failed"].format(name=plain(name, TITLE_LIMIT), reason=plain(reason, 1000))
