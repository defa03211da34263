"""Read council meeting minutes written as plain text.

The accepted layout is the one of ``samples/rumoi-2025-10-08.txt``::

    令和7年度留萌地域づくり連携会議 開催概要        <- title: the first non-blank line
    1 実施日時                                      <- numbered section headings
    令和7年（2025年）10月8日（水）14:00～16:00
    2 場 所
    羽幌町立中央公民館 1階大ホール
    3 主な出席者（詳細は参加者名簿のとおり）
    各市町村長、留萌商工会議所会頭、…                <- attendees separated by 、
    4 議 題
    - (1) 留萌地域づくり連携会議等設置規約改定について
    5 意見交換の主なコメント
    <留萌市長>                                      <- speaker heading
    - 管内の基幹産業は一次産業であり、…             <- one remark per bullet
    ＜苫前町長＞
    …

Section headings are a number of one or two digits (ASCII or full-width),
optionally followed by ``.``, ``．``, ``、`` or ``)``, then the heading. The
heading's words (whitespace ignored) say what the section holds: 意見, 発言,
コメント or 質疑 → remarks; 日時 → date; 場所 or 会場 → place; 出席 → attendees;
議題 → agenda. A section must be numbered higher than the one before it, and
inside remarks only a short title that is not a sentence (``6 その他``) ends
them, so a wrapped remark line such as ``10 年ほど…`` stays a remark.
Sections with other names are skipped, unless they contain speaker headings:
from the first one on they are read as remarks. The lines between the title and
the first section are treated the same way, so a file made only of a title and
speaker headings is accepted too.

Speaker headings are a whole line ``<…>``, ``＜…＞``, ``〈…〉`` or ``【…】``; a
whole line ``（…）`` inside a remarks section (but not ``（1）``); or a line
starting with ``◎``, ``○`` or ``〇``, where a full-width space or ``「`` may
separate the name from the first words spoken.

Under a speaker, each bullet (``-``, ``・``, ``●``, ``•``, ``*``, ``◆``, ``■``
and their full-width forms) starts a remark; following lines without a bullet
continue it. Without bullets, a line starts a new remark when it is not
indented and the line before ended a sentence (``。``, ``！``, ``？``, ``」`` …);
otherwise it continues the remark. A blank line always ends a remark.

Only the remarks are required: a file without speaker headings or remarks is
refused with a :class:`MinutesError`. Text is kept as written; full-width
characters are only normalised (NFKC) to *detect* structure.
"""

import codecs
import datetime
import re
import unicodedata
from dataclasses import dataclass


class MinutesError(ValueError):
    """A file that cannot be read as minutes. str(err) is one line in English that a user can act on."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


@dataclass(frozen=True)
class ParsedRemark:
    speaker: str  # label as written, whitespace runs collapsed to one space: "留萌商工会議所 会頭"
    text: str  # as written, bullet removed, wrapped lines joined
    line: int  # 1-based line where the remark starts


@dataclass(frozen=True)
class ParsedMinutes:
    title: str
    date: datetime.date | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    place: str | None
    attendees: tuple[str, ...]
    agenda: tuple[str, ...]  # bullet removed: "(1) 留萌地域づくり連携会議等設置規約改定について"
    remarks: tuple[ParsedRemark, ...]


# --- Decoding ---------------------------------------------------------------

_BINARY = "this is not a text file (binary data)"
# Tab, newlines and form feed (a page break in text exported from PDF) are normal in text.
_TEXT_CONTROLS = frozenset("\t\n\r\f")


def decode_minutes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or Shift_JIS/CP932 bytes; newlines become LF."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise MinutesError("this file is UTF-16 text; save it as UTF-8 or Shift_JIS and upload it again")
    if b"\x00" in data:
        raise MinutesError(_BINARY)
    text = _decode_text(data.removeprefix(codecs.BOM_UTF8))
    # Old DOS/Windows editors end files with Ctrl-Z.
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\x1a")
    if not text.strip():
        raise MinutesError("the file is empty")
    if _has_many_controls(text):
        raise MinutesError(_BINARY)
    return text


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MinutesError(_BINARY)


def _has_many_controls(text: str) -> bool:
    controls = sum(1 for char in text if char not in _TEXT_CONTROLS and unicodedata.category(char) == "Cc")
    return controls * 100 > len(text)


# --- Meeting date -----------------------------------------------------------

_ERA_BASE_YEARS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_ERA = r"(?:令和|平成|昭和)\s*(?:\d{1,2}|元)\s*年"
_TIME = r"\d{1,2}\s*(?::\s*\d{2}|時(?:\s*\d{1,2}\s*分)?)"
# Matched against NFKC text, so （）～：and full-width digits arrive as ( ) ~ : and ASCII digits.
_DATE_RE = re.compile(
    rf"(?:(?P<era>{_ERA})(?:\s*\(\s*(?P<era_western>\d{{4}})\s*年?\s*\))?"
    rf"|(?P<western>\d{{4}})\s*年(?:\s*\(\s*(?P<western_era>{_ERA})\s*\))?)"
    r"\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"(?:\s*\([^)]{1,6}\))?"  # weekday: (水), (水曜日), (水・祝)
    rf"(?:\s*(?P<start>{_TIME})(?:\s*(?:[~〜\-―‐−–—]|から)\s*(?P<end>{_TIME}))?)?"
)
_DATE_EXAMPLE = "令和7年（2025年）10月8日（水）14:00～16:00"


def parse_meeting_date(text: str) -> tuple[datetime.date, datetime.time | None, datetime.time | None]:
    """Read a meeting date and optional time range, e.g. 令和7年（2025年）10月8日（水）14:00～16:00."""
    match = _DATE_RE.search(unicodedata.normalize("NFKC", text))
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
    if hour > 23 or minute > 59:
        raise MinutesError(f"invalid time: {hour}:{minute:02d}")
    return datetime.time(hour, minute)


# --- Lines and sections -----------------------------------------------------


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    text: str  # stripped, as written
    norm: str  # NFKC of text, only to detect structure
    indented: bool


def _split_lines(text: str) -> list[_Line]:
    raw_lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [_make_line(number, raw) for number, raw in enumerate(raw_lines, start=1)]


def _make_line(number: int, raw: str) -> _Line:
    text = raw.strip()
    return _Line(number, text, unicodedata.normalize("NFKC", text), raw[:1] in (" ", "\t", "\u3000"))


@dataclass
class _Section:
    kind: str | None  # "date", "place", "attendees", "agenda", "remarks", or None (unknown name / header)
    number: int | None
    heading_line: int | None
    lines: list[_Line]


_SECTION_KINDS = (
    # Remarks first: "出席者からの主な意見" holds remarks, not a list of attendees.
    ("remarks", ("意見", "発言", "コメント", "質疑")),
    ("date", ("日時",)),
    ("place", ("場所", "会場")),
    ("attendees", ("出席",)),
    ("agenda", ("議題",)),
)
_SECTION_HEADING_RE = re.compile(r"(\d{1,2})(?:[.、)]\s*|\s+)([^\d\s].*)")
_SENTENCE_ENDS = frozenset("。．！？!?」｡")


def _section_kind(name: str) -> str | None:
    for kind, keywords in _SECTION_KINDS:
        if any(keyword in name for keyword in keywords):
            return kind
    return None


def _looks_like_title(name: str) -> bool:
    return len(name) <= 20 and not any(mark in name for mark in "。、，,") and name[-1] not in _SENTENCE_ENDS


def _section_heading(line: _Line, current: _Section) -> tuple[int, str | None] | None:
    """(number, kind) if the line starts a new section after `current`."""
    match = _SECTION_HEADING_RE.fullmatch(line.norm)
    if match is None:
        return None
    number, name = int(match[1]), "".join(match[2].split())
    if current.number is not None and number <= current.number:
        return None
    kind = _section_kind(name)
    if current.kind == "remarks":
        # A wrapped remark may start with a number ("10 年ほど…"): only a short unindented title ends remarks.
        if line.indented or not _looks_like_title(name):
            return None
    elif kind is None and not _looks_like_title(name):
        return None
    return number, kind


def _split_sections(lines: list[_Line]) -> list[_Section]:
    """Sections in order; the first one is the header (the lines before any heading)."""
    sections = [_Section(None, None, None, [])]
    for line in lines:
        current = sections[-1]
        heading = _section_heading(line, current)
        if heading is not None:
            number, kind = heading
            sections.append(_Section(kind, number, line.number, []))
        elif current.kind is None and line.text and _speaker_heading(line, in_remarks=False) is not None:
            sections.append(_Section("remarks", current.number, line.number, [line]))
        else:
            current.lines.append(line)
    return sections


# --- Items: bullets, wrapping -------------------------------------------------

# Compared after NFKC, so the full-width －, ･ and ＊ are bullets too.
_BULLETS = frozenset("-・●•*◆■‐−")


def _split_bullet(text: str) -> tuple[bool, str]:
    if unicodedata.normalize("NFKC", text[0]) in _BULLETS:
        return True, text[1:].strip()
    return False, text


def _is_latin(char: str) -> bool:
    normal = unicodedata.normalize("NFKC", char)
    return normal.isascii() and normal.isprintable() and not normal.isspace()


def _join(parts: list[str]) -> str:
    """Join wrapped lines: no space between Japanese lines, one space between Latin words."""
    text = ""
    for part in parts:
        if text and part and _is_latin(text[-1]) and _is_latin(part[0]):
            text += " "
        text += part
    return text.strip()


def _list_items(lines: list[_Line]) -> list[str]:
    """Items of a list section: a bullet or an unindented line starts an item."""
    items: list[list[str]] = []
    is_open = bulleted = False
    for line in lines:
        if not line.text:
            is_open = False
            continue
        bullet, content = _split_bullet(line.text)
        if is_open and not bullet and (bulleted or line.indented):
            items[-1].append(content)
        else:
            items.append([content])
            is_open, bulleted = True, bullet
    return [text for text in map(_join, items) if text]


def _attendees(lines: list[_Line]) -> list[str]:
    names = (name.strip() for item in _list_items(lines) for name in re.split(r"[、，,､]", item))
    return [name for name in names if name]


# --- Speakers and remarks ---------------------------------------------------

_BRACKETS = {"<": ">", "〈": "〉", "【": "】", "(": ")"}  # NFKC turns ＜＞ and （） into <> and ()
_SPEAKER_MARKS = frozenset("◎○〇◯")
_SPEECH_START_RE = re.compile("[\u3000「]")


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def _speaker_heading(line: _Line, in_remarks: bool) -> tuple[str, str] | None:
    """(label, words spoken on the same line) if the line is a speaker heading."""
    if line.text[0] in _SPEAKER_MARKS:
        rest = line.text[1:].strip()
        speech = _SPEECH_START_RE.search(rest)
        if speech is None:
            return _collapse_spaces(rest), ""
        return _collapse_spaces(rest[: speech.start()]), rest[speech.start() :].strip()
    closing = _BRACKETS.get(line.norm[0])
    if closing is None or len(line.norm) < 2 or line.norm[-1] != closing or closing in line.norm[1:-1]:
        return None
    # （1） numbers an item; a bare parenthesised line only names a speaker inside remarks.
    if line.norm[0] == "(" and (not in_remarks or line.norm[1:-1].strip().isdigit()):
        return None
    return _collapse_spaces(line.text[1:-1]), ""


@dataclass
class _Draft:
    speaker: str
    line: int
    bulleted: bool
    parts: list[str]

    def continues_with(self, line: _Line, bullet: bool) -> bool:
        """Whether a line without a speaker heading wraps this remark rather than starting a new one."""
        last = self.parts[-1]
        return not bullet and (self.bulleted or line.indented or not last or last[-1] not in _SENTENCE_ENDS)


def _section_remarks(section: _Section) -> tuple[list[ParsedRemark], int]:
    """The remarks of one remarks section, and how many speaker headings it has."""
    drafts: list[_Draft] = []
    current: _Draft | None = None  # the remark that the next line may continue
    speaker: str | None = None
    speakers = 0
    for line in section.lines:
        if not line.text:
            current = None
            continue
        heading = _speaker_heading(line, in_remarks=True)
        if heading is not None:
            speaker, speech = heading
            if not speaker:
                raise MinutesError("speaker heading with no name", line.number)
            speakers += 1
            current = _Draft(speaker, line.number, False, [speech]) if speech else None
        elif speaker is None:
            raise MinutesError(
                "remark text before any speaker heading (expected a line like <留萌市長>)", line.number
            )
        else:
            bullet, content = _split_bullet(line.text)
            if current is not None and current.continues_with(line, bullet):
                current.parts.append(content)
                continue
            current = _Draft(speaker, line.number, bullet, [content])
        if current is not None:
            drafts.append(current)
    remarks = [ParsedRemark(draft.speaker, _join(draft.parts), draft.line) for draft in drafts]
    return [remark for remark in remarks if remark.text], speakers


def _remarks(sections: list[_Section]) -> tuple[ParsedRemark, ...]:
    remarks: list[ParsedRemark] = []
    speakers = 0
    for section in sections:
        if section.kind == "remarks":
            found, count = _section_remarks(section)
            remarks.extend(found)
            speakers += count
    if speakers == 0:
        raise MinutesError("no speaker headings found (expected lines like <留萌市長> or ＜苫前町長＞)")
    if not remarks:
        raise MinutesError("no remarks found under the speaker headings (expected lines like - ... under them)")
    return tuple(remarks)


# --- Whole file ---------------------------------------------------------------


def _meeting_date(
    sections: list[_Section],
) -> tuple[datetime.date | None, datetime.time | None, datetime.time | None]:
    """From the first date section, or else from a date line between the title and the first section."""
    date_section = next((section for section in sections if section.kind == "date"), None)
    if date_section is not None:
        line = next((line for line in date_section.lines if line.text), None)
        if line is None:
            raise MinutesError("the date section is empty", date_section.heading_line)
        return _date_on_line(line)
    for line in sections[0].lines:
        if _DATE_RE.search(line.norm):
            return _date_on_line(line)
    return None, None, None


def _date_on_line(line: _Line) -> tuple[datetime.date, datetime.time | None, datetime.time | None]:
    try:
        return parse_meeting_date(line.text)
    except MinutesError as err:
        raise MinutesError(err.message, line.number) from None


def parse_minutes(text: str) -> ParsedMinutes:
    """Parse decoded minutes text; raises MinutesError when it holds no remarks to store."""
    lines = _split_lines(text)
    title_index = next((index for index, line in enumerate(lines) if line.text), None)
    if title_index is None:
        raise MinutesError("the file is empty")
    sections = _split_sections(lines[title_index + 1 :])
    date, start_time, end_time = _meeting_date(sections)
    place_section = next((section for section in sections if section.kind == "place"), None)
    place = " ".join(_list_items(place_section.lines)) if place_section is not None else ""
    return ParsedMinutes(
        title=lines[title_index].text,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place or None,
        attendees=tuple(name for s in sections if s.kind == "attendees" for name in _attendees(s.lines)),
        agenda=tuple(item for s in sections if s.kind == "agenda" for item in _list_items(s.lines)),
        remarks=_remarks(sections),
    )


def read_minutes(data: bytes) -> ParsedMinutes:
    return parse_minutes(decode_minutes(data))
