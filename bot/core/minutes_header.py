"""The meeting's header in minutes: title, date and time, place, attendees and agenda.

Headers come as numbered sections (``1 実施日時`` / ``令和7年10月8日``), as label/value lines (``開催日時 平成30年…``,
``日 時：…``, ``○日　時`` with the value on the next line), as table rows (``1 日時 |``, cells already on lines
of their own), or not at all. Labels may be spaced out (``開 催 日 時``). The date is the labelled one, or else
the first era or Gregorian date anywhere in the header; a header without one gives no date."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from bot.core.minutes_lines import Line, MinutesError, join_wrapped, split_bullet

_ERA_BASE_YEARS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_ERA = r"(?:令和|平成|昭和)\s*(?:\d{1,2}|元)\s*年"
_TIME = r"(?:午前|午後)?\s*\d{1,2}\s*(?::\s*\d{2}|時(?:\s*\d{1,2}\s*分)?)"
# Matched against NFKC text, so （）～：and full-width digits arrive as ( ) ~ : and ASCII digits.
DATE_RE = re.compile(
    rf"(?:(?P<era>{_ERA})(?:\s*\(\s*(?P<era_western>\d{{4}})\s*年?\s*\))?"
    rf"|(?P<western>\d{{4}})\s*年(?:\s*\(\s*(?P<western_era>{_ERA})\s*\))?)"
    r"\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"(?:\s*\([^)]{1,6}\))?"  # weekday: (水), (水曜日), (水・祝)
    rf"(?:\s*(?P<start>{_TIME})(?:\s*(?:[~〜\-―‐−–—]|から)\s*(?P<end>{_TIME}))?)?"
)
_DATE_EXAMPLE = "令和7年（2025年）10月8日（水）14:00～16:00"


def parse_meeting_date(text: str) -> tuple[datetime.date, datetime.time | None, datetime.time | None]:
    """Read a meeting date and optional time range, e.g. 令和7年（2025年）10月8日（水）14:00～16:00."""
    match = DATE_RE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        raise MinutesError(f"cannot read the meeting date (expected e.g. {_DATE_EXAMPLE})")
    era, western = match["era"] or match["western_era"], match["western"] or match["era_western"]
    year = _era_to_year(era) if era else int(western)
    if era and western and int(western) != year:
        raise MinutesError(f"{era} is {year}, but the date also gives the year {western}")
    month, day = int(match["month"]), int(match["day"])
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        raise MinutesError(f"there is no such date: {year}-{month:02d}-{day:02d}") from None
    start = _parse_time(match["start"]) if match["start"] else None
    end = _parse_time(match["end"]) if match["end"] else None
    if start and end and end < start and end.hour < 12 and match["start"].startswith("午後"):
        end = end.replace(hour=end.hour + 12)  # 午後7時～8時50分
    return date, start, end


def _era_to_year(era: str) -> int:
    """令和7年 → 2025; the text matched _ERA, so it is an era name, a number or 元, then 年."""
    name, number = era[:2], era[2:-1].strip()
    era_year = 1 if number == "元" else int(number)
    if era_year == 0:
        raise MinutesError(f"{era} is not a year; the first year of an era is 元年 or 1年")
    return _ERA_BASE_YEARS[name] + era_year


def _parse_time(text: str) -> datetime.time:
    numbers = [int(number) for number in re.findall(r"\d+", text)]
    hour, minute = numbers[0], numbers[1] if len(numbers) > 1 else 0
    if text.startswith("午後") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise MinutesError(f"invalid time: {hour}:{minute:02d}")
    return datetime.time(hour, minute)


# --- Fields -----------------------------------------------------------------------

# Labels of header fields, most specific first. A numbered section heading names its field by containing one
# of the words (3 主な出席者（詳細は…）); an unnumbered label line must start with one.
_FIELD_LABELS = (
    ("remarks", ("意見", "発言", "コメント", "質疑", "会議の経過", "審議経過", "会議概要", "会議の結果")),
    ("date", ("開催日時", "開催年月日", "招集年月日", "実施日時", "開催日", "日時", "年月日", "期日")),
    ("place", ("開催場所", "招集場所", "実施場所", "場所", "会場")),
    ("attendees", ("出席者", "出席委員", "出席議員", "出席")),
    ("agenda", ("議題", "付議案件", "案件", "議事日程")),
    ("opening", ("開会時間", "開会時刻", "開議時刻", "開会日時")),
    ("closing", ("閉会時間", "閉会時刻", "散会時刻", "閉会日時")),
)
_TIME_RE = re.compile(_TIME)
_NUMBERING = re.compile(r"(?:\d{1,2}(?:[.、)．]\s*|\s+)|[(（]\d{1,2}[)）]\s*|[○◎●■□◆]\s*)")
_SEPARATORS = " \t\u3000:：|"
_NUMBERED_TITLE = re.compile(r"\d{1,2}(?:[.、)．]\s*|\s+)[^\d\s、。]{1,20}")
_SENTENCE_ENDS = frozenset("。．！？!?」｡")


def _spaced(word: str) -> re.Pattern[str]:
    """A label that may be spaced out: 開 催 日 時."""
    return re.compile(r"\s*".join(map(re.escape, word)))


_LABEL_PATTERNS = tuple((kind, tuple((word, _spaced(word)) for word in words)) for kind, words in _FIELD_LABELS)


@dataclass(frozen=True)
class _Field:
    kind: str
    value: str  # on the label's own line, after it; "" when the value is on the following lines


def _looks_like_title(name: str) -> bool:
    return bool(name) and len(name) <= 25 and not any(m in name for m in "。、，,") and name[-1] not in _SENTENCE_ENDS


def field_of(line: Line) -> _Field | None:
    """The header field a line labels, if it does: 1 日時 | 開催日時 平成… | ○日　時 | 開 催 場 所 …."""
    numbering = _NUMBERING.match(line.norm)
    rest = line.norm[numbering.end() :] if numbering else line.norm
    compact = "".join(rest.split()).strip(_SEPARATORS)
    for kind, patterns in _LABEL_PATTERNS:
        for word, pattern in patterns:
            if numbering and numbering.group().strip()[:1].isdigit() and word in compact and _looks_like_title(compact):
                return _Field(kind, "")
            match = pattern.match(rest) if rest.startswith(word[0]) else None  # cheaper than a failed match
            if match is None:
                continue
            value = rest[match.end() :].strip(_SEPARATORS)
            if not value or kind in ("date", "place") or compact == word or value[:1] in "(（":
                return _Field(kind, value if value[:1] not in "(（" else "")
    return None


@dataclass(frozen=True)
class Header:
    title: str
    date: datetime.date | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    place: str | None
    attendees: tuple[str, ...]
    agenda: tuple[str, ...]
    read_lines: frozenset[int] = frozenset()  # the line numbers these fields were read from


def _list_items(lines: list[Line]) -> list[str]:
    """Items of a list field: a bullet or an unindented line starts an item."""
    items: list[list[str]] = []
    is_open = bulleted = False
    for line in lines:
        if not line.text:
            is_open = False
            continue
        bullet, content = split_bullet(line.text)
        numbered = _NUMBERING.match(line.norm) is not None  # 2. 町民との会議について
        if is_open and not bullet and not numbered and (bulleted or line.indented):
            items[-1].append(content)
        else:
            items.append([content])
            is_open, bulleted = True, bullet
    return [text for text in map(join_wrapped, items) if text]


_SPACED_CJK = re.compile(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])")


def _title(lines: list[Line]) -> tuple[str, list[int]]:
    """The first line(s) before any field: a title split over short lines is joined, a spaced-out one
    (会 議 録) closed up, a flattened page cut where its first field or date starts. With the lines it took."""
    parts: list[str] = []
    numbers: list[int] = []
    for line in lines:
        if not line.text:
            if parts:
                break
            continue
        if field_of(line) is not None or (parts and (DATE_RE.match(line.norm) or len(line.text) > 30)):
            break
        parts.append(line.text)
        numbers.append(line.number)
        if len(line.text) > 30 or sum(map(len, parts)) > 60:
            break
    title = " ".join(parts)
    cut = min([m.start() for m in (_first_label(title), DATE_RE.search(title)) if m] + [len(title)])
    title = title[:cut].strip(" \u3000(（") or title.strip()
    if len(re.findall(r"(?<=\S) (?=\S)", title)) >= 3 and len(re.findall(r"(?:^| )\S(?= |$)", title)) >= 3:
        title = _SPACED_CJK.sub("", title)
    return " ".join(title.split())[:100], numbers


def _first_label(text: str) -> re.Match[str] | None:
    matches = [m for _, patterns in _LABEL_PATTERNS[1:] for _, p in patterns if (m := p.search(text)) and m.start()]
    return min(matches, key=lambda m: m.start(), default=None)


def _ends_field(line: Line, current: str | None, after_blank: bool) -> bool:
    """A numbered title (4 欠席者) ends a field, except agenda items (2. 町民との会議について); after a blank line,
    so does an unindented title (出席並びに欠席委員)."""
    if _NUMBERED_TITLE.fullmatch(line.norm):
        return current != "agenda" or not line.indented and after_blank
    bullet, _ = split_bullet(line.text)
    return (
        after_blank
        and not line.indented
        and not bullet
        and _looks_like_title(line.norm)
        and not _NUMBERING.match(line.norm)
    )


def read_header(lines: list[Line]) -> Header:
    """The header fields of the lines before the first speaker's turn."""
    values: dict[str, list[Line]] = {}
    labels: list[int] = []
    current: str | None = None
    after_blank = False
    for line in lines:
        field = field_of(line) if line.text else None
        if field is None and line.text and current and values[current] and _ends_field(line, current, after_blank):
            current = None  # 4 欠席者, 出席並びに欠席委員: a field this reader does not keep
            continue
        after_blank = not line.text
        if field is not None:
            current = field.kind if field.kind not in values else None
            if current is not None:
                labels.append(line.number)
                values[current] = []
                if field.value:
                    values[current].append(
                        Line(line.number, field.value, unicodedata.normalize("NFKC", field.value), False)
                    )
            continue
        if current is not None and line.text.strip(_SEPARATORS):
            values[current].append(line)
    (date, start, end), date_line = _header_date(lines, values.get("date"))
    start, end = start or _time_of(values.get("opening")), end or _time_of(values.get("closing"))
    place_lines = values.get("place", [])[:1]
    attendee_lines, agenda_lines = values.get("attendees", []), values.get("agenda", [])
    attendees = [n.strip() for item in _list_items(attendee_lines) for n in re.split(r"[、，,､]", item)]
    title, title_lines = _title(lines)
    time_lines = [*values.get("opening", [])[:1], *values.get("closing", [])[:1]]
    used = {
        *title_lines,
        *labels,
        *(line.number for line in [*place_lines, *attendee_lines, *agenda_lines, *time_lines]),
    }
    return Header(
        title=title,
        date=date,
        start_time=start,
        end_time=end,
        place=" ".join(_list_items(place_lines)) or None,
        attendees=tuple(name for name in attendees if name),
        agenda=tuple(_list_items(agenda_lines)),
        read_lines=frozenset(used | ({date_line} if date_line else set())),
    )


def _time_of(lines: list[Line] | None) -> datetime.time | None:
    """開会時間 / 午前10時00分: the time on a field's first line, if it has one."""
    match = _TIME_RE.search(lines[0].norm) if lines else None
    return _parse_time(match.group().replace(" ", "")) if match else None


def _header_date(
    lines: list[Line], labelled: list[Line] | None
) -> tuple[tuple[datetime.date | None, datetime.time | None, datetime.time | None], int | None]:
    """The labelled date, or else the first valid date of the header; with its line."""
    if labelled and DATE_RE.search(labelled[0].norm):
        try:
            return parse_meeting_date(labelled[0].text), labelled[0].number
        except MinutesError as err:
            raise MinutesError(err.message, labelled[0].number) from None
    for line in lines:
        if DATE_RE.search(line.norm):
            try:
                return parse_meeting_date(line.text), line.number
            except MinutesError:
                continue  # a date mentioned in passing, not the meeting's: keep looking
    return (None, None, None), None
