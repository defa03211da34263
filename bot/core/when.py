"""Time expressions in English and Japanese, for reminders and due dates: a small explicit grammar.

`parse_when("明日 9時", now, tz)` gives a `When`: a one-off time, or a `Recurrence` with its first
fire time. Anything the grammar does not know, or a time in the past, raises `WhenError` with
examples: a reminder at a guessed time is worse than a refusal. A date without a time means 09:00.
General-purpose parsers get Japanese wrong (`12月1日` read as 2012-01-20), hence the grammar.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

UTC = datetime.UTC
DEFAULT_TIME = datetime.time(9, 0)
SEARCH_DAYS = 400  # every recurrence fires within a year and a month

EXAMPLES_EN = [
    "2026-12-01 15:00",
    "tomorrow 9am",
    "in 3 days",
    "next Monday",
    "Dec 1",
    "every Monday 9:00",
    "weekdays 8:30",
]
EXAMPLES_JA = [
    "明日 9時",
    "明後日",
    "3日後",
    "来週月曜",
    "今週金曜 15時",
    "12月1日 15時",
    "毎週月曜 9時",
    "毎月1日",
    "午後3時",
]

WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS_JA = "月火水木金土日"
MONTHS_EN = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

Kind = Literal["daily", "weekdays", "weekly", "monthly"]


class WhenError(ValueError):
    """An expression that cannot be understood or lies in the past; the message is bilingual."""

    def __init__(self, text: str, reason_en: str, reason_ja: str):
        self.text, self.reason_en, self.reason_ja = text, reason_en, reason_ja
        super().__init__(
            f"Cannot use “{text}”: {reason_en} Try e.g. {', '.join(EXAMPLES_EN)}.\n"
            f"「{text}」は使えません: {reason_ja} 例: {'、'.join(EXAMPLES_JA)}"
        )


@dataclass(frozen=True)
class Recurrence:
    """A repeating wall-clock time in a time zone: daily, weekdays, weekly on days, monthly on a day."""

    kind: Kind
    time: datetime.time = DEFAULT_TIME
    weekdays: tuple[int, ...] = ()  # Monday is 0, for "weekly"
    month_day: int | None = None  # 1..31 for "monthly"; clamped to the month's last day

    def matches(self, day: datetime.date) -> bool:
        if self.kind == "daily":
            return True
        if self.kind == "weekdays":
            return day.weekday() < 5
        if self.kind == "weekly":
            return day.weekday() in self.weekdays
        assert self.month_day is not None
        return day.day == min(self.month_day, calendar.monthrange(day.year, day.month)[1])

    def next_after(self, after: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
        """The first fire time strictly after `after`, in `tz`. Compared in UTC: aware datetimes that share
        a tzinfo compare by wall clock, which is wrong across a DST change."""
        day = after.astimezone(tz).date()
        for _ in range(SEARCH_DAYS):
            if self.matches(day):
                # The round trip through UTC moves a wall time that does not exist (DST gap) onto a real instant.
                candidate = datetime.datetime.combine(day, self.time, tzinfo=tz).astimezone(UTC).astimezone(tz)
                if candidate.astimezone(UTC) > after.astimezone(UTC):
                    return candidate
            day += datetime.timedelta(days=1)
        raise ValueError(f"{self} never fires")  # unreachable for a valid rule

    def last_at_or_before(self, moment: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
        """The latest fire time at or before `moment` (to catch up on one missed while the bot was down)."""
        day = moment.astimezone(tz).date()
        for _ in range(SEARCH_DAYS):
            if self.matches(day):
                candidate = datetime.datetime.combine(day, self.time, tzinfo=tz).astimezone(UTC).astimezone(tz)
                if candidate.astimezone(UTC) <= moment.astimezone(UTC):
                    return candidate
            day -= datetime.timedelta(days=1)
        raise ValueError(f"{self} never fires")


@dataclass(frozen=True)
class When:
    """What was understood: the first (or only) fire time, aware in the workspace's zone, and the recurrence."""

    at: datetime.datetime
    recurrence: Recurrence | None = field(default=None)


def fold_width(text: str) -> str:
    """Full-width digits and letters to ASCII, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("：", ":")
    return re.sub(r"\s+", " ", text).strip()


# --- times of day -----------------------------------------------------------------------------------

_TIME_PATTERNS = [
    # 午後3時, 午前9時半, 15時30分, 9時
    re.compile(r"(?P<ampm_ja>午前|午後)?\s*(?P<h>\d{1,2})\s*時\s*(?:(?P<m>\d{1,2})\s*分|(?P<half>半))?$"),
    # 午後3:30, 15:00, at 9:00, 3:30pm, 15:00:30 (ISO times may carry seconds)
    re.compile(
        r"(?:\bat\s*)?(?P<ampm_ja>午前|午後)?\s*(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$"
    ),
    # 9am, 3 pm, at 9
    re.compile(r"(?:\bat\s*)?\b(?P<h>\d{1,2})\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)$"),
    re.compile(r"\bat\s*(?P<h>\d{1,2})$"),
    re.compile(r"(?:\bat\s*)?(?P<noon>noon|正午|midnight)$"),
]


def _split_time(text: str, original: str) -> tuple[str, datetime.time | None]:
    """The expression without its trailing time of day, and that time (None if it has none)."""
    text = re.sub(r"\s*に$", "", text)
    for pattern in _TIME_PATTERNS:
        found = pattern.search(text)
        if not found:
            continue
        rest = re.sub(r"(?:\s*の|\s*,|\s+at)$", "", text[: found.start()].rstrip()).strip()
        parts = found.groupdict()
        if parts.get("noon"):
            return rest, datetime.time(0 if parts["noon"] == "midnight" else 12, 0)
        hour, minute, second = int(parts["h"]), int(parts.get("m") or 0), int(parts.get("s") or 0)
        if parts.get("half"):
            minute = 30
        marker = (parts.get("ampm") or "").replace(".", "") or {"午前": "am", "午後": "pm"}.get(
            parts.get("ampm_ja") or "", ""
        )
        if marker:
            if not 0 <= hour <= 12:
                raise WhenError(
                    original, f"{hour} is not an hour of a 12-hour clock.", f"{hour}時は12時間制の時刻ではありません。"
                )
            hour = hour % 12 + (12 if marker == "pm" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise WhenError(original, "that is not a time of day.", "時刻として正しくありません。")
        return rest, datetime.time(hour, minute, second)
    return text, None


# --- dates ------------------------------------------------------------------------------------------

_WEEKDAY_EN = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_MONTH_EN = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


def _weekday_en(word: str) -> int:
    return next(i for i, name in enumerate(WEEKDAYS_EN) if name.startswith(word[:3]))


def _month_en(word: str) -> int:
    return next(i + 1 for i, name in enumerate(MONTHS_EN) if name.startswith(word[:3]))


def _date_of(text: str, original: str, today: datetime.date) -> datetime.date | None:
    """The calendar date a date expression names, or None if it is not one the grammar knows."""
    if text in ("today", "今日", "きょう", "本日"):
        return today
    if text in ("tomorrow", "明日", "あした", "あす"):
        return today + datetime.timedelta(days=1)
    if text in ("day after tomorrow", "the day after tomorrow", "明後日", "あさって"):
        return today + datetime.timedelta(days=2)
    if m := re.fullmatch(r"in (\d{1,3}) (day|week)s?", text) or re.fullmatch(r"(\d{1,3}) ?(日|週間)後", text):
        days = int(m.group(1)) * (7 if m.group(2) in ("week", "週間") else 1)
        return today + datetime.timedelta(days=days)
    if m := re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", text
    ):
        return _calendar_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), original)
    if m := re.fullmatch(r"(\d{1,2})月(\d{1,2})日", text):
        return _next_month_day(int(m.group(1)), int(m.group(2)), today, original)
    if m := re.fullmatch(_MONTH_EN + r" (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", text):
        return _month_day_year(_month_en(m.group(1)), int(m.group(2)), m.group(3), today, original)
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? " + _MONTH_EN + r"(?:,? (\d{4}))?", text):
        return _month_day_year(_month_en(m.group(2)), int(m.group(1)), m.group(3), today, original)
    if m := re.fullmatch(r"(next|this|on)? ?" + _WEEKDAY_EN, text):
        # "next Monday", "Monday": the coming Monday after today; "this Friday": the Friday of this week.
        weekday = _weekday_en(m.group(2))
        if m.group(1) == "this":
            return today + datetime.timedelta(days=weekday - today.weekday())
        return today + datetime.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if m := re.fullmatch(r"(来週|今週|再来週)?の?([月火水木金土日])曜日?", text):
        weekday = WEEKDAYS_JA.index(m.group(2))
        if m.group(1) is None:
            return today + datetime.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        weeks = {"今週": 0, "来週": 1, "再来週": 2}[m.group(1)]
        return today + datetime.timedelta(days=weekday - today.weekday() + 7 * weeks)
    return None


def _calendar_date(year: int, month: int, day: int, original: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise WhenError(original, "there is no such date.", "その日付は存在しません。") from None


def _month_day_year(month: int, day: int, year: str | None, today: datetime.date, original: str) -> datetime.date:
    if year:
        return _calendar_date(int(year), month, day, original)
    return _next_month_day(month, day, today, original)


def _next_month_day(month: int, day: int, today: datetime.date, original: str) -> datetime.date:
    """A month and day without a year: this year's, or next year's once this year's has gone by."""
    date = _calendar_date(today.year, month, day, original) if (month, day) != (2, 29) else None
    if date is None or date < today:
        for year in range(today.year + (date is not None), today.year + 9):
            try:
                return datetime.date(year, month, day)
            except ValueError:
                continue
        raise WhenError(original, "there is no such date.", "その日付は存在しません。")
    return date


_RELATIVE_TIME = re.compile(r"in (\d{1,4}) ?(minute|min|hour|hr)s?|(\d{1,4}) ?(分|時間)後")


def _recurrence(text: str, time: datetime.time | None, original: str) -> Recurrence | None:
    time = time or DEFAULT_TIME
    text = re.sub(r"^(every|毎)\s*", lambda m: m.group(1) + " " if m.group(1) == "every" else "毎", text)
    if text in ("daily", "every day", "毎日"):
        return Recurrence("daily", time)
    if text in ("weekdays", "every weekday", "every weekdays", "平日", "毎平日", "平日毎日"):
        return Recurrence("weekdays", time)
    if m := re.fullmatch(
        r"(?:every|weekly on|weekly|on) ((?:" + _WEEKDAY_EN + r")(?:(?:,| and|, and) ?(?:" + _WEEKDAY_EN + r"))*)s?",
        text,
    ):
        days = tuple(sorted({_weekday_en(w) for w in re.findall(r"[a-z]+", m.group(1)) if w != "and"}))
        return Recurrence("weekly", time, weekdays=days)
    if m := re.fullmatch(r"毎週の?((?:[月火水木金土日](?:曜日?)?[・、,と]?)+)", text):
        # findall consumes each name with its 曜日, so the 日 of 月曜日 is not read as Sunday.
        days = tuple(sorted({WEEKDAYS_JA.index(c) for c in re.findall(r"([月火水木金土日])(?:曜日?)?", m.group(1))}))
        return Recurrence("weekly", time, weekdays=days)
    if m := re.fullmatch(
        r"(?:every month on (?:the )?(?:day )?|monthly on (?:the )?(?:day )?|毎月)(\d{1,2})(?:st|nd|rd|th|日)?", text
    ):
        day = int(m.group(1))
        if not 1 <= day <= 31:
            raise WhenError(original, "a month has days 1 to 31.", "日付は1日から31日までです。")
        return Recurrence("monthly", time, month_day=day)
    if text.startswith(("every", "毎", "weekly", "monthly")):
        raise WhenError(original, "that repetition is not one I know.", "その繰り返しは指定できません。")
    return None


def parse_when(text: str, now: datetime.datetime, tz: ZoneInfo) -> When:
    """Understand a reminder or due time relative to `now`, in the workspace's time zone `tz`."""
    original = text.strip()
    cleaned = fold_width(text)
    if not cleaned:
        raise WhenError(original, "no time was given.", "日時がありません。")
    now_local = now.astimezone(tz)
    if m := _RELATIVE_TIME.fullmatch(cleaned):
        amount = int(m.group(1) or m.group(3))
        minutes = amount * (60 if (m.group(2) or m.group(4)) in ("hour", "hr", "時間") else 1)
        at = (now_local + datetime.timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        return _future(When(at), now, original)
    cleaned = re.sub(r"(\d{4}-\d{2}-\d{2})t(\d)", r"\1 \2", cleaned)  # ISO "2026-12-01T15:00"
    rest, time = _split_time(cleaned, original)
    if (recurrence := _recurrence(rest, time, original)) is not None:
        return When(recurrence.next_after(now, tz), recurrence)
    if rest == "" and time is not None:
        date = now_local.date()
    elif (date := _date_of(rest, original, now_local.date())) is None:
        raise WhenError(original, "this is not a time I understand.", "日時として理解できません。")
    at = datetime.datetime.combine(date, time or DEFAULT_TIME, tzinfo=tz).astimezone(UTC).astimezone(tz)
    return _future(When(at), now, original)


def _future(when: When, now: datetime.datetime, original: str) -> When:
    if when.at.astimezone(UTC) <= now.astimezone(UTC):
        raise WhenError(
            original, f"{describe_time(when.at, 'en')} is in the past.", f"{describe_time(when.at, 'ja')}は過去です。"
        )
    return when


_DURATION = re.compile(r"(\d{1,4}) ?(m|min|mins|minutes?|分|h|hr|hrs|hours?|時間|d|days?|日|日間|w|wk|weeks?|週|週間)")
_DURATION_MINUTES = {"m": 1, "分": 1, "h": 60, "時": 60, "d": 1440, "日": 1440, "w": 10080, "週": 10080}


def parse_duration(text: str) -> datetime.timedelta:
    """`1d`, `2 hours`, `1 week`, `3日`, `1週間`, `30分` (for snoozing)."""
    cleaned = fold_width(text)
    if not (m := _DURATION.fullmatch(cleaned)) or int(m.group(1)) == 0:
        raise WhenError(
            text.strip(),
            "that is not a duration (e.g. 1d, 2h, 1 week).",
            "期間として理解できません(例: 1日、2時間、1週間)。",
        )
    unit = m.group(2)
    minutes = _DURATION_MINUTES["w" if unit.startswith("wk") else unit[0]]
    return datetime.timedelta(minutes=int(m.group(1)) * minutes)


# --- echo -------------------------------------------------------------------------------------------


def describe_time(at: datetime.datetime, language: str, tz: ZoneInfo | None = None) -> str:
    """2026-12-01 (Tue) 09:00 JST / 2026年12月1日(火) 9:00"""
    local = at.astimezone(tz) if tz else at
    seconds = f":{local.second:02d}" if local.second else ""
    if language == "ja":
        weekday = WEEKDAYS_JA[local.weekday()]
        return f"{local.year}年{local.month}月{local.day}日({weekday}) {local.hour}:{local.minute:02d}{seconds}"
    return f"{local:%Y-%m-%d} ({local:%a}) {local:%H:%M}{seconds} {local.tzname()}"


def describe_recurrence(recurrence: Recurrence, language: str, tz: ZoneInfo) -> str:
    """every Monday at 09:00 JST / 毎週月曜 9:00"""
    t = recurrence.time
    if language == "ja":
        clock = f"{t.hour}:{t.minute:02d}"
        if recurrence.kind == "weekly":
            return "毎週" + "・".join(WEEKDAYS_JA[d] for d in recurrence.weekdays) + "曜 " + clock
        if recurrence.kind == "monthly":
            return f"毎月{recurrence.month_day}日 {clock}"
        return {"daily": "毎日 ", "weekdays": "平日 "}[recurrence.kind] + clock
    zone = datetime.datetime(2000, 1, 1, tzinfo=tz).tzname() if tz.key != "UTC" else "UTC"
    clock = f"at {t:%H:%M} {zone}"
    if recurrence.kind == "weekly":
        names = [WEEKDAYS_EN[d].capitalize() for d in recurrence.weekdays]
        return f"every {' and '.join(names) if len(names) < 3 else ', '.join(names)} {clock}"
    if recurrence.kind == "monthly":
        return f"on day {recurrence.month_day} of every month {clock}"
    return {"daily": "every day ", "weekdays": "every weekday "}[recurrence.kind] + clock


def describe(when: When, language: str, tz: ZoneInfo) -> str:
    """The understood time, to echo back: a one-off time, or the recurrence and its first time."""
    first = describe_time(when.at, language, tz)
    if when.recurrence is None:
        return first
    rule = describe_recurrence(when.recurrence, language, tz)
    return f"{rule}(初回 {first})" if language == "ja" else f"{rule} (first {first})"
