"""Dates and meetings named in a question, and the archive's meetings they pick.

A question names meetings relatively (the last meeting, 前回, 前々回, the first
meeting), by calendar (in February 2026, 2026年2月, 令和8年2月, in 2024, since
2026, 2026年以降, before 2025), by fiscal year (令和6年度, FY2024: April to
March), by month alone (the October meeting: the latest October) or by number
(第2回, found in the meeting's title). `find_dates` reads them from a normalised
question with the words that tie them in ("at the … meeting", "の会議で"), so
that the frame reader can take them out of the topic; `select_meetings` resolves
them against the archive's meetings.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.text import normalize

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# A month alone (no year) is read only by its full name, and never "may" or "march", which are also verbs.
_MONTH_ALONE = "|".join(n for n in _MONTHS if len(n) > 3 and n not in ("march",))
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_JAPANESE_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_JA_PARTICLES = ("第", "の", "に", "で", "は", "が", "を", "と", "も", "や", "から", "まで", "より", "ごろ", "頃")
_FOLLOWING_WORD = re.compile(r"\s+([a-z]+)")
_DATE_NEIGHBOURS = frozenset("meeting meetings session council on onwards and or remarks comments".split())
_NUMBER = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"  # 令和6年, 令和六年; 元年 is the first
_KANJI_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")}
_ORDINALS = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}

_EN_LEAD = r"(?:\b(?:at|in|from|during|for|of|on)\s+)?(?:the\s+)?"
_EN_MEETING = r"(?:\s+(?:council\s+)?(?:meeting|session)s?(?:\s+held)?)"
_EN_BOUND = r"(?:\b(?P<bound>since|after|before|until|till|through|prior\s+to|up\s+to|as\s+of)\s+(?:the\s+)?)?"
_JA_TAIL = (
    r"(?P<tail>\s*(?:に|の)?\s*(?:開かれた|開催された|行われた|あった)?\s*(?:本会議|連携会議|会議|会合)"
    r"(?:\s*(?:での|では|で|の|は|において|における|に|から))?|\s*(?:での|では|で|の|には|に|は)|\s+no\s+kaigi(?:\s+(?:de|no|wa))?)?"
)
_JA_YEAR = rf"(?:(?P<era>令和|平成|昭和)\s*(?P<era_year>{_NUMBER}|元)|(?P<year>(?:19|20)\d{{2}}))\s*年"
_JA_BOUND = r"(?:\s*(?P<bound>以降|以後|から|より後|以前|より前|まで))?"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern))
    for kind, pattern in [
        (
            "before_last",
            rf"{_EN_LEAD}(?:(?:council\s+)?meeting|one)\s+before\s+(?:the\s+)?(?:last|latest)(?:\s+(?:one|meeting))?\b",
        ),
        ("before_last", rf"{_EN_LEAD}(?:second|2nd)[\s-]+(?:to|from)[\s-]+(?:the\s+)?last{_EN_MEETING}"),
        ("before_last", rf"{_EN_LEAD}penultimate{_EN_MEETING}"),
        ("before_last", rf"(?:前々回|前前回|\bzenzenkai\b){_JA_TAIL}"),
        ("last", rf"{_EN_LEAD}(?:very\s+)?(?:last|latest|most\s+recent|previous|newest|recent|final){_EN_MEETING}\b"),
        ("last", rf"(?:前回|今回|最新の会議|直近の会議|最近の会議|最後の会議|この前の会議|\bzenkai\b){_JA_TAIL}"),
        ("first", rf"{_EN_LEAD}(?:very\s+)?(?:first|earliest|oldest){_EN_MEETING}\b"),
        ("first", rf"(?:(?:いちばん|一番|最も|もっとも)\s*)?(?:古い|最初の|初回の?)\s*(?:会議|会合){_JA_TAIL}"),
        ("number", rf"第\s*(?P<number>{_NUMBER})\s*回{_JA_TAIL}"),
        ("number", rf"{_EN_LEAD}(?P<ordinal>{'|'.join(_ORDINALS)}){_EN_MEETING}\b"),
        (
            "ja_calendar",
            rf"{_JA_YEAR}(?:\s*(?P<fiscal>度)|\s*(?P<month>{_NUMBER})\s*月(?:\s*(?P<day>{_NUMBER})\s*日)?)?"
            rf"{_JA_BOUND}{_JA_TAIL}",
        ),
        ("ja_month", rf"(?<![\d年])(?P<month>{_NUMBER})\s*月\s*の?\s*(?:本会議|連携会議|会議|会合){_JA_TAIL}"),
        (
            "day",
            rf"{_EN_BOUND}{_EN_LEAD}(?P<year>(?:19|20)\d{{2}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}})\b"
            rf"{_EN_MEETING}?",
        ),
        (
            "day",
            rf"{_EN_BOUND}{_EN_LEAD}(?:(?P<month_name>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"|(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month_name_after>{_MONTH})\.?)"
            rf",?\s+(?P<year>(?:19|20)\d{{2}})\b{_EN_MEETING}?",
        ),
        (
            "en_calendar",
            rf"{_EN_BOUND}{_EN_LEAD}(?:(?P<month_name>{_MONTH})\.?\s+(?:of\s+)?)?"
            rf"(?P<fiscal>(?:fiscal|fy)\s*(?:year\s+)?)?(?P<year>(?:19|20)\d{{2}})\b(?:\s+(?:on|onwards|and\s+later))?"
            rf"{_EN_MEETING}?",
        ),
        ("en_month", rf"{_EN_LEAD}(?P<month_name>{_MONTH_ALONE}){_EN_MEETING}"),
        ("en_month", rf"\b(?:at|in|during)\s+(?P<month_name>{_MONTH_ALONE})\b(?!\s*(?:of\s+)?\d)"),
    ]
]
# Once a date is named, "the meeting" around it names nothing more.
_MEETING_WORDS = re.compile(
    r"(?:\b(?:at|in|from|during|of)\s+)?(?:\bthe\s+)?\b(?:council\s+)?meetings?\b(?:\s+held)?|(?:本会議|会議|会合)(?:での|で|の)?"
)


@dataclass(frozen=True)
class MeetingRef:
    """A meeting as questions see it."""

    id: int
    date: datetime.date | None
    title: str


@dataclass(frozen=True)
class DateMention:
    """Meetings a question names: `kind` is "newest" or "oldest" (`offset` meetings back), "range"
    (`first`…`last`, inclusive, either open), "month" (the latest meeting in that month) or "number" (第N回).
    `start`…`end` is where the words stand in the normalised question, tying words included."""

    kind: str
    start: int
    end: int
    words_end: int  # where the date words end and the tying words (の会議で) begin
    offset: int = 0
    first: datetime.date | None = None
    last: datetime.date | None = None
    month: int = 0
    number: int = 0


def find_dates(text: str) -> tuple[list[DateMention], list[tuple[int, int]]]:
    """The dates named in a normalised question, in order, and the spans of the words to leave out of its
    topic (the dates and, when there are any, the words "meeting", 会議 around them)."""
    mentions: list[DateMention] = []
    taken = [False] * len(text)
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = _trimmed(text, *match.span())
            if start >= end or any(taken[start:end]):
                continue
            tied = "tail" in match.groupdict() and match.group("tail")
            if _names_something_else(kind, text, start, end, tied):
                continue
            tail = match.start("tail") if tied else end
            mention = _mention(kind, match, start, end, _trimmed(text, start, min(tail, end))[1])
            if mention is None:
                continue
            taken[start:end] = [True] * (end - start)
            mentions.append(mention)
    spans = [(m.start, m.end) for m in mentions]
    if mentions:
        for match in _MEETING_WORDS.finditer(text):
            if not any(taken[match.start() : match.end()]):
                spans.append(match.span())
    return sorted(mentions, key=lambda m: m.start), sorted(spans)


def _names_something_else(kind: str, text: str, start: int, end: int, tied: bool) -> bool:
    """A year that is part of the topic: 2025年問題, 2050年カーボンニュートラル, "by 2050", "the 2030 targets"."""
    if kind == "ja_calendar" and not tied:
        following = text[end : end + 2]
        return bool(_JAPANESE_WORD.match(following)) and not following.startswith(_JA_PARTICLES)
    if kind == "en_calendar" and re.match(r"(?:the\s+)?\d", text[start:end]):
        word = _FOLLOWING_WORD.match(text, end)
        return text[:start].rstrip().endswith(" by") or bool(word and word.group(1) not in _DATE_NEIGHBOURS)
    return False


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _mention(kind: str, match: re.Match[str], start: int, end: int, words_end: int) -> DateMention | None:
    groups = match.groupdict()
    if kind in ("last", "before_last", "first"):
        kind_named = "oldest" if kind == "first" else "newest"
        return DateMention(kind_named, start, end, words_end, offset=int(kind == "before_last"))
    if kind == "number":
        number = _ORDINALS[groups["ordinal"]] if groups.get("ordinal") else _number(groups["number"])
        return DateMention("number", start, end, words_end, number=number)
    if kind in ("ja_month", "en_month"):
        month = _number(groups["month"]) if kind == "ja_month" else _MONTHS[groups["month_name"]]
        return DateMention("month", start, end, words_end, month=month) if 1 <= month <= 12 else None
    day = 0
    if kind == "ja_calendar":
        if groups["era"]:
            era_year = 1 if groups["era_year"] == "元" else _number(groups["era_year"])
            year = _ERAS[groups["era"]] + era_year
        else:
            year = int(groups["year"])
        month = _number(groups["month"]) if groups["month"] else 0
        day = _number(groups["day"]) if groups["day"] else 0
        fiscal = bool(groups["fiscal"])
    elif kind == "day":
        year, fiscal = int(groups["year"]), False
        name = groups.get("month_name") or groups.get("month_name_after")
        month = _MONTHS[name] if name else int(groups["month"])
        day = int(groups.get("day") or groups.get("day_first"))
    else:
        year, fiscal = int(groups["year"]), bool(groups["fiscal"])
        month = _MONTHS[groups["month_name"]] if groups["month_name"] else 0
    try:
        first, last = (datetime.date(year, month, day),) * 2 if day else _period(year, month, fiscal)
    except ValueError:  # the 31st of June, month 13
        return None
    bound = (groups.get("bound") or "").split()
    bound_word = bound[0] if bound else ""
    if bound_word in ("since", "after", "以降", "以後", "から", "より後") or match.group().rstrip().endswith(
        ("on", "onwards", "later")
    ):
        first, last = (first if bound_word not in ("after", "より後") else last + datetime.timedelta(days=1)), None
    elif bound_word in ("before", "prior", "より前"):
        first, last = None, first - datetime.timedelta(days=1)
    elif bound_word in ("until", "till", "through", "up", "as", "以前", "まで"):
        first = None
    return DateMention("range", start, end, words_end, first=first, last=last)


def _number(text: str) -> int:
    """12, 十二, 二十 → the number."""
    if text.isdigit():
        return int(text)
    tens, _, ones = text.rpartition("十")
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    return (_KANJI_DIGITS.get(tens, 1) if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


def _period(year: int, month: int, fiscal: bool) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a month, a calendar year or a Japanese fiscal year (April to March)."""
    if fiscal:
        return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)
    if month:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        return datetime.date(year, month, 1), following - datetime.timedelta(days=1)
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def chronological(meetings: list[MeetingRef]) -> list[MeetingRef]:
    """Oldest first; undated meetings before every dated one, by id."""
    return sorted(meetings, key=lambda m: (m.date or datetime.date.min, m.id))


def select_meetings(mentions: list[DateMention], ordered: Sequence[MeetingRef]) -> list[MeetingRef]:
    """The meetings every mention names, newest first, of the archive's meetings `ordered` oldest first (see
    `chronological`: sorting an archive's thousands of meetings per question would cost more than the rest;
    dated meetings are found in it by halving)."""
    chosen: list[MeetingRef] | None = None
    for mention in mentions:
        named = _named(mention, ordered)
        ids = {m.id for m in named}
        chosen = named if chosen is None else [m for m in chosen if m.id in ids]
    return list(ordered if chosen is None else chosen)[::-1]


def _day(meeting: MeetingRef) -> datetime.date:
    return meeting.date or datetime.date.min  # as `chronological` orders them


def _named(mention: DateMention, ordered: Sequence[MeetingRef]) -> list[MeetingRef]:
    """The meetings a mention names, in the order of `ordered`."""
    dated = ordered[bisect.bisect_right(ordered, datetime.date.min, key=_day) :]
    if mention.kind == "newest":
        return [dated[-1 - mention.offset]] if mention.offset < len(dated) else []
    if mention.kind == "oldest":
        return [dated[mention.offset]] if mention.offset < len(dated) else []
    if mention.kind == "month":
        return next(([m] for m in reversed(dated) if m.date.month == mention.month), [])
    if mention.kind == "number":
        # 第2回 as the titles number meetings; an archive whose titles number none counts them from the first.
        numbered = [m for m in ordered if re.search(r"第\s*\d+\s*回", normalize(m.title))]
        if not numbered:
            return dated[mention.number - 1 : mention.number]
        return [m for m in numbered if f"第{mention.number}回" in normalize(m.title).replace(" ", "")]
    low = 0 if mention.first is None else bisect.bisect_left(dated, mention.first, key=_day)
    high = len(dated) if mention.last is None else bisect.bisect_right(dated, mention.last, key=_day)
    return list(dated[low:high])
