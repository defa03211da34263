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
from bot.followups import messages
from bot.followups.service import FollowupRow
from bot.ingest import IngestResult
from bot.slack.mrkdwn import escape
from bot.slack.service import MeetingSummary, SpeakerSummary

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
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "question": "Question",
        "understood": "Understood as",
        "speaker": "speaker",
        "topics": "topics",
        "no_date": "no date",
        "range": "Remarks {first}–{last} of {total}",
        "share": "Share in channel",
        "more": "More",
        "track": "Track as follow-up",
        "shared_by": "Shared by <@{user}>",
        "answer_to": "Answer to",
        "expired": "That answer is no longer available. Please ask again.",
        "error": "Sorry, something went wrong (error id {error_id}). Please try again; if it keeps happening, tell an admin this id.",
        "not_admin": "Sorry, only the bot's admins can import minutes. Please ask one of them.",
        "no_file": "Please attach the minutes file to the message that asks me to import it.",
        "imported": "{status}: *{title}* ({date}): {speakers} speakers, {remarks} remarks.",
        "import_failed": "Could not import {name}: {reason}",
        "added": "Imported",
        "replaced": "Replaced",
        "unchanged": "Already imported, unchanged",
    },
    "ja": {
        "question": "質問",
        "understood": "解釈",
        "speaker": "発言者",
        "topics": "話題",
        "no_date": "日付なし",
        "range": "{total}件中 {first}–{last}件目",
        "share": "チャンネルに共有",
        "more": "次へ",
        "track": "フォローアップに登録",
        "shared_by": "<@{user}> さんが共有",
        "answer_to": "質問への回答",
        "expired": "この回答はもう表示できません。もう一度質問してください。",
        "error": "申し訳ありません、エラーが発生しました（エラーID {error_id}）。もう一度お試しください。続く場合はこのIDを管理者にお伝えください。",
        "not_admin": "申し訳ありません、議事録の取り込みは管理者だけができます。管理者にご依頼ください。",
        "no_file": "取り込む議事録ファイルを、取り込みを頼むメッセージに添付してください。",
        "imported": "{status}: *{title}*（{date}）: 発言者{speakers}人、発言{remarks}件。",
        "import_failed": "{name} を取り込めませんでした: {reason}",
        "added": "取り込みました",
        "replaced": "置き換えました",
        "unchanged": "取り込み済み（変更なし）",
    },
}


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
    return {"type": "button", "text": {"type": "plain_text", "text": text[:BUTTON_TEXT_LIMIT]}, "action_id": action_id,
            "value": value}


def remark_section(result: Result, language: str) -> Block:
    """A remark, with the button that opens a follow-up prefilled from it (one accessory per section:
    no actions block, so pages stay far within the block and element limits)."""
    section = _section(remark_text(result, language))
    section["accessory"] = _button(WORDS[language]["track"], messages.TRACK_ACTION, str(result.remark_id))
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
    shared_by = parts[2] if len(parts) == 3 and _USER_ID.fullmatch(parts[2]) else None
    return ButtonValue(parts[0], int(parts[1]), shared_by)


def understanding_text(understanding: Understanding, language: str) -> str:
    """`Understood as: speaker 苫前町長 · topics foreign workers / 外国人、外国人材`, escaped, or ""."""
    words = WORDS[language]
    parts = []
    if understanding.speaker:
        parts.append(f"{words['speaker']} " + "、".join(s.label for s in understanding.speaker.speakers))
    if understanding.topics:
        parts.append(f"{words['topics']} " + "; ".join(group.gloss() for group in understanding.topics))
    if not parts:
        return ""
    return plain(f"{words['understood']}: " + " · ".join(parts), CONTEXT_TEXT_LIMIT)


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
        blocks.append(_context(words["range"].format(first=first, last=first + len(shown) - 1, total=len(answer.results))))
    shared_by = shared_by if shared_by and _USER_ID.fullmatch(shared_by) else None
    if shared_by:
        blocks.append(_context(words["shared_by"].format(user=shared_by)))
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
    return notice(WORDS["en"]["error"].format(error_id=error_id) + "\n" + WORDS["ja"]["error"].format(error_id=error_id))


def usage_lines() -> list[str]:
    """How to use the bot, in Japanese and English."""
    lines = ["*議事録の「誰が何を言ったか」を調べます / Who said what in the council's minutes*", ""]
    lines += [f"• `/remarks {example}`" for example in EXAMPLES["ja"] + EXAMPLES["en"]]
    lines += [
        "• `/remarks speakers` — 発言者の一覧 / the speakers",
        "• `/remarks meetings` — 会議の一覧 / the meetings",
        "• `/remarks help` — この説明 / this help",
        "",
        "チャンネルでボットにメンションするか、ダイレクトメッセージで質問することもできます。",
        "You can also mention the bot in a channel, or send it a direct message.",
        "管理者は議事録ファイルを添付し、ボットに「import」とメンションして取り込めます。",
        "Admins import minutes by attaching the file to a message that mentions the bot with “import”.",
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


NO_MINUTES = "議事録がまだありません。管理者が取り込むまでお待ちください。 / No minutes have been loaded yet: an admin can import them."


def speakers_blocks(speakers: Sequence[SpeakerSummary]) -> tuple[list[Block], str]:
    lines = [
        f"• *{plain(s.label, TITLE_LIMIT)}*" + (f" — {plain(', '.join(s.aliases), 1000)}" if s.aliases else "")
        for s in speakers
    ]
    return _listing(f"*発言者 / Speakers ({len(speakers)})*", lines, NO_MINUTES)


def meeting_line(meeting: MeetingSummary) -> str:
    date = meeting.date.isoformat() if meeting.date else "日付なし / no date"
    return f"• {date} *{plain(meeting.title, TITLE_LIMIT)}* — 発言者 {meeting.speakers} speakers, 発言 {meeting.remarks} remarks"


def meetings_blocks(meetings: Sequence[MeetingSummary]) -> tuple[list[Block], str]:
    return _listing(f"*会議 / Meetings ({len(meetings)})*", [meeting_line(m) for m in meetings], NO_MINUTES)


NO_FOLLOWUPS = (
    "未完了のフォローアップはありません。`/followup add` か、発言の「フォローアップに登録」で追加できます。 / "
    "No open follow-ups: add one with `/followup add`, or “Track as follow-up” on a remark."
)


def home_view(
    meetings: Sequence[MeetingSummary], followups: Sequence[FollowupRow], now: datetime.datetime, tz: ZoneInfo,
    note: str | None = None,
) -> dict[str, Any]:
    """The app's Home tab: `note` (what a click on it did) if any, how to ask, the user's open
    follow-ups with their Done and Snooze buttons, soonest due first, and the latest meetings."""
    blocks: list[Block] = [_context(note)] if note else []
    blocks += [_section("\n".join(usage_lines())), {"type": "divider"}]
    blocks.append(_section(f"*あなたのフォローアップ / Your open follow-ups ({len(followups)})*"))
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    soonest = sorted(followups, key=lambda row: (row.followup.due_at or never, row.followup.id or 0))
    for row in soonest[:HOME_FOLLOWUPS]:
        line = messages.summary_line(row.followup, now, tz, row.problem)
        blocks.append(_section(line))
        blocks.append(messages.action_buttons(row.followup.id or 0, language_of(row.followup.title) == "ja"))
    if len(soonest) > HOME_FOLLOWUPS:
        blocks.append(_context(f"… +{len(soonest) - HOME_FOLLOWUPS}: `/followup list mine`"))
    if not soonest:
        blocks.append(_context(NO_FOLLOWUPS))
    recent = [meeting_line(m) for m in meetings[:HOME_MEETINGS]]
    blocks += [{"type": "divider"}, _section("*最近の会議 / Recent meetings*\n" + "\n".join(recent) if recent else NO_MINUTES)]
    return {"type": "home", "blocks": blocks}


def import_result_line(result: IngestResult, language: str) -> str:
    words = WORDS[language]
    return words["imported"].format(
        status=words[result.status],
        title=plain(result.title, TITLE_LIMIT),
        date=result.date or words["no_date"],
        speakers=result.speakers,
        remarks=result.remarks,
    )


def import_failed_line(name: str, reason: str, language: str) -> str:
    return WORDS[language]["import_failed"].format(name=plain(name, TITLE_LIMIT), reason=plain(reason, 1000))
