"""Read council meeting minutes: who said what, in any of the common layouts of Japanese minutes.

A speaker's turn starts in one of two ways:

- **a heading line**, naming the speaker and nothing else: ``<留萌市長>``, ``＜…＞``, ``〈…〉``, ``【…】``, ``（…）``,
  ``◎…``, ``○…``, ``◯…``, ``●…``, or a label alone (``議長(尾田善靖君)``, ``委員長``, ``事務局``); the speech follows
  on the next lines. A report such as ``-資料1に基づき、事務局から説明-`` heads the secretariat's turn too;
- **an inline label** at the start of the speech: a mark or none, the label, then a space, a full-width space or a
  colon (``○委員長(伊藤成一君) これより…``, ``委員長(諏訪部君):…``, ``○元木事務局長  では,…``, ``江口部会長:…``,
  ``(事務局)資料1の…``).

A label is what bot/core/labels.py recognises: a role (委員長, 事務局), a name and role (江口部会長), a role and a
bracketed name (議長(山田太郎君), 事務局(中)), a seat (2番(佐藤君)). So ``○ 議事における主な意見要旨``, ``○出 席 者``,
``【意見交換】`` or ``<委嘱状交付>`` start no turn: they are headings and stage notes, and are dropped. A heading with
no speech after it (``事務局`` above a list of staff names) starts no turn either.

Text flattened onto one long line (a PDF page, a web page) is split where turns start: at marks (``○``), at labels
ending ``君)`` even when the mark and the opening bracket were lost (``副議長鳥山和一郎君) 皆様、…``), and at labels
followed by speech (``事務局(中) ただいまから…``, ``(委員)問題量が…``). Runs of spaces after a sentence separate
its paragraphs.

Under a speaker, each bullet (``-``, ``・``, ``●``, ``•``, ``*``, ``◆``, ``■`` and their full-width forms) starts a
remark; following lines without a bullet continue it. Without bullets, a line starts a new remark when it is not
indented and the line before ended a sentence (``。``, ``！``, ``？``, ``」`` …); otherwise it continues the remark.
A blank line always ends a remark. Not remarks, and dropped with their reason: stage notes (``（休憩中）``,
``(拍手)``, ``(13:29)``, ``（「なし」と呼ぶ者あり）``), agenda headings between turns (``1 開会``, ``(1)議題``, a short
line such as ``挨拶`` just before a turn), separators, and text outside any turn.

Everything before the first turn is the header (bot/core/minutes_header.py). Only the remarks are required: a file
without any is refused with a :class:`MinutesError`. Text is kept as written; full-width characters are only
normalised (NFKC) to *detect* structure."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from bot.core.labels import default_label_words, is_speaker_label
from bot.core.minutes_header import parse_meeting_date, read_header
from bot.core.minutes_lines import DroppedLine, Line, MinutesError, clean_lines, join_wrapped, make_line, split_bullet
from bot.core.text import person_name_prefix

__all__ = ["DroppedLine", "MinutesError", "ParsedMinutes", "ParsedRemark", "parse_meeting_date", "parse_minutes"]


@dataclass(frozen=True)
class ParsedRemark:
    speaker: str  # label as written, marks removed, whitespace runs collapsed: "留萌商工会議所 会頭"
    text: str  # as written, bullet removed, wrapped lines joined
    line: int  # 1-based line where the remark starts


@dataclass(frozen=True)
class ParsedMinutes:
    title: str  # "" when the file has none before its first field or turn
    date: datetime.date | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    place: str | None
    attendees: tuple[str, ...]
    agenda: tuple[str, ...]  # bullet removed: "(1) 留萌地域づくり連携会議等設置規約改定について"
    remarks: tuple[ParsedRemark, ...]
    dropped: tuple[DroppedLine, ...] = ()  # every line neither stored nor read as a header field, and why


_MARKS = frozenset("○◎◯〇●")
_CLOSERS = {"<": ">", "〈": "〉", "【": "】", "(": ")", "《": "》", "[": "]", "〔": "〕"}  # after NFKC
_SENTENCE_ENDS = frozenset("。．！？!?」｡")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_FLATTENED = 80  # a line longer than this may hold several paragraphs, maybe several turns

# A label ending 君) whose opening bracket and mark may be lost: 副議長鳥山和一郎君), 2番(岡山勝廣君).
_HONORIFIC_LABEL = re.compile(r"(?P<blob>[^\s、。「」]{1,30}?(?:[ \u3000][^\s、。「」()（）]{1,5})?)君[)）]")
_BRACKET_LABEL = re.compile(r"(?P<label>[^\s(（]{1,25}[(（][^()（）]{1,20}[)）])[\s:：]*(?P<speech>.*)")
_OPEN_LABEL = re.compile(r"[(（【<＜〈](?P<label>[^()（）【】<>＜＞〈〉]{1,30})[)）】>＞〉]\s*(?P<speech>\S.*)")
_COLON_LABEL = re.compile(r"(?P<label>[^:：]{1,30}?)\s*[:：]\s*(?P<speech>\S.*)")
_SPACE_LABEL = re.compile(r"(?P<label>\S{1,30}?)[ \u3000]+(?P<speech>\S.*)")
_MARKED_LABEL = re.compile(r"(?P<label>[^\s:：「]{1,30}?)(?:[\s:：]+|(?=「))(?P<speech>\S.*)")
_REPORTED = re.compile(r"[-－―ー‐−]+\s*(?P<note>.+?)\s*[-－―ー‐−]+")
_DASH = re.compile(r"[-－―ー‐−]")
_REPORTED_SPEAKER = re.compile(r"(?P<label>[^、,\s。「」]+?)(?:から|より)の?(?:説明|報告|回答|答弁|発言)")
_AGENDA_HEADING = re.compile(
    r"(?:\d{1,2}(?:[.、)．]|\s)|[(（]\d{1,2}[)）]|[①-⑳]|第\s*\d{1,2}\s*[、.]?)\s*(?P<title>\S.*)?"
)
_INNER_LABEL = re.compile(
    r"(?<=\s)(?:[(（【<＜〈][^()（）【】<>＜＞〈〉\s][^()（）【】<>＜＞〈〉]{0,29}[)）】>＞〉]|[^\s:：]{1,30}[:：])"
)
_SENTENCE_SOON = re.compile(r"[。！？!?]")
_PARAGRAPHS = re.compile(r"(?<=[。！？!?」）)])[ \u3000]{2,}")
# 午後1時00分開議, 午前11時30分休憩: the clock of the sitting, between turns.
_TIME_NOTE = re.compile(
    r"(?:午前|午後)?\s*\d{1,2}\s*(?:時\s*\d{0,2}\s*分?|:\s*\d{2})\s*"
    r"(?:開議|開会|休憩|再開|散会|閉会|延会|閉議)"
)


def _speech_like(text: str) -> bool:
    """Whether text reads as speech rather than names (中村委員 土佐委員), a table row (横山すみ子 出席) or a cell:
    a sentence ends soon, or the words are written with enough kana between the kanji."""
    norm = unicodedata.normalize("NFKC", text)[:60]
    if any(end in norm[:40] for end in "。!?"):
        return True
    items = norm.split()
    if len(items) >= 2 and not re.search(r"[、,]", norm) and max(map(len, items)) <= 8:
        return False
    compact = "".join(items)[:40]
    hiragana = len(_HIRAGANA.findall(compact))
    return hiragana >= 2 and hiragana * 5 >= len(compact)


def _clean_label(label: str) -> str:
    """Whitespace runs collapsed; Q1, A1 of numbered questions and answers are Q and A."""
    label = " ".join(label.split())
    unnumbered = re.sub(r"[0-9０-９]{1,2}$", "", label)
    return (
        unnumbered
        if unnumbered != label and unicodedata.normalize("NFKC", unnumbered) in default_label_words().exact
        else label
    )


# --- Splitting flattened lines ------------------------------------------------------


def _split_points(text: str) -> list[int]:
    """Where turns start inside a line (not at its start)."""
    if _SPACE.search(text) is None:  # every turn inside a line starts after a space
        return []
    points: set[int] = set()
    for match in _INNER_MARK.finditer(text):
        if _marked_turn(text[match.start() :]) is not None:
            points.add(match.start())
    if "君" in text:
        for match in _INNER_HONORIFIC_LABEL.finditer(text):
            call = _repeated_call(match["blob"])
            if is_speaker_label(_honorific_label(match["blob"][call:])):
                points.add(match.start() + call)
    if len(text) > _FLATTENED:
        for match in _INNER_LABEL.finditer(text):
            if _unmarked_turn(text[match.start() :]) is not None:  # (事務局)資料1の… | 江口部会長:将来的には…
                points.add(match.start())
        for match in _INNER_REPORT.finditer(text):
            points.add(match.start())  # -資料1に基づき、事務局から説明-
        for match in _INNER_WORD.finditer(text):
            if is_speaker_label(match.group()) and _speaks_next(text[match.end() :]):
                points.add(match.start())  # 梶市長 本日は…。
    return sorted(point for point in points if point > 0)


_SPACE = re.compile(r"\s")
_INNER_MARK = re.compile(r"(?<=\s)[○◎◯〇●](?=\S)")
_INNER_HONORIFIC_LABEL = re.compile(rf"(?<=\s){_HONORIFIC_LABEL.pattern}")
_INNER_REPORT = re.compile(r"(?<=\s)[-－―]\S[^-－―]{0,60}(?:から|より)の?説明[-－―]")
_INNER_WORD = re.compile(r"(?<=\s)[^\s]{2,30}(?=[ \u3000]+\S)")


def _speaks_next(following: str) -> bool:
    """After a label in flattened text: speech, ending a sentence before any other label (not a staff list)."""
    end = _SENTENCE_SOON.search(following[:200])
    if not _speech_like(following) or end is None and len(following) > 200:
        return False
    return not any(is_speaker_label(token) for token in following[: end.start() if end else None].split())


def _repeated_call(blob: str) -> int:
    """In 総務課長総務課長橋本 晋君), the chair's call 総務課長 ran into the label: how long that call is."""
    head = blob.split("(")[0].split("（")[0]
    for size in range(len(head) // 2, 1, -1):
        if head[:size] == head[size : 2 * size] and default_label_words().ends_like_role(head[:size]):
            return size
    return 0


_SPACED_RUN = re.compile(r"(?<!\S)[\u3400-\u9fff](?: {1,2}[\u3400-\u9fff])+(?!\S)")


def _close_spaced_roles(text: str) -> str:
    """In a flattened PDF table the speaker column is spaced out (開 会 会 長 定刻に…): 開会 会長 定刻に…"""

    def close(match: re.Match[str]) -> str:
        joined = match.group().replace(" ", "")
        role = default_label_words().role_at_end(joined)
        return f"{joined[: -len(role)]} {role}".strip() if role else match.group()

    return _SPACED_RUN.sub(close, text)


def _segments(line: Line) -> list[Line]:
    if len(line.text) > _FLATTENED and (closed := _close_spaced_roles(line.text)) != line.text:
        line = make_line(line.number, (" " if line.indented else "") + closed)
    points = _split_points(line.text)
    if not points:
        return [line]
    before = line.text[: points[0]].strip()
    bounds = [*points, len(line.text)]
    return [Line(line.number, before, unicodedata.normalize("NFKC", before), line.indented)] + [
        make_line(line.number, line.text[start:end]) for start, end in zip(bounds, bounds[1:])
    ]


# --- Classifying lines ------------------------------------------------------------


@dataclass(frozen=True)
class _Turn:
    label: str
    speech: str  # on the same line; "" when the speech follows
    line: int


@dataclass(frozen=True)
class _Drop:
    reason: str
    ends_turn: bool = False


def _honorific_label(blob: str) -> str:
    """副議長鳥山和一郎 (bracket lost) → 副議長(鳥山和一郎君); 2番(岡山勝廣 → 2番(岡山勝廣君)."""
    if "(" in blob or "（" in blob:
        return _clean_label(blob + "君)")
    words = default_label_words()
    for end in range(len(blob) - 1, 0, -1):
        head = blob[:end]
        if words.ends_like_role(head):
            return _clean_label(f"{head}({blob[end:].strip()}君)")
    return _clean_label(blob + "君")


def _names_person(label: str) -> bool:
    """佐藤: a person's name alone, as summaries label speakers (佐藤：…, ○佐藤　…, （佐藤）…)."""
    name = default_label_words().strip_honorific("".join(label.split()))
    return (
        2 <= len(name) <= 8
        and not any(c.isdigit() or c in _SENTENCE_ENDS for c in name)
        and person_name_prefix(name) == name
    )


def _marked_turn(text: str) -> _Turn | None:
    """○委員長(渡辺盛君) 本会議… | ○元木事務局長  では,… | ◎天塩町長 | ○委員「質問があります。」"""
    rest = text[1:].strip()
    if is_speaker_label(rest):
        return _Turn(_clean_label(rest), "", 0)
    for pattern in (_BRACKET_LABEL, _MARKED_LABEL):
        match = pattern.fullmatch(rest)
        if match and (is_speaker_label(match["label"]) or pattern is _MARKED_LABEL and _names_person(match["label"])):
            return _Turn(_clean_label(match["label"]), match["speech"].strip(), 0)
    match = _HONORIFIC_LABEL.match(rest)
    if match and is_speaker_label(_honorific_label(match["blob"])):
        return _Turn(_honorific_label(match["blob"]), rest[match.end() :].strip(), 0)
    return None


# Each pattern, whether speech must follow on the line, and the characters one of which it cannot match
# without: a scan for them is cheaper than trying the pattern.
_UNMARKED_LABELS = (
    (_OPEN_LABEL, True, re.compile(r"[(（【<＜〈]")),
    (_BRACKET_LABEL, False, re.compile(r"[(（]")),
    (_COLON_LABEL, True, re.compile(r"[:：]")),
    (_SPACE_LABEL, True, re.compile(r"[ \u3000]")),
)


def _unmarked_turn(text: str) -> _Turn | None:
    """A turn started by a label without a mark: (事務局)資料1の… | 委員長(諏訪部君):… | 江口部会長:… |
    梶市長 本日は…"""
    text = text.strip()
    match = _HONORIFIC_LABEL.match(text) if "君" in text else None
    separated = match and (match.end() == len(text) or text[match.end()] in " \u3000:：「" or "(" not in match["blob"])
    if separated and _repeated_call(match["blob"]) == 0 and is_speaker_label(_honorific_label(match["blob"])):
        return _Turn(_honorific_label(match["blob"]), text[match.end() :].strip(" \u3000:："), 0)
    for pattern, needs_speech, needed in _UNMARKED_LABELS:
        if needed.search(text) is None:
            continue
        match = pattern.fullmatch(text)
        named = pattern in (_OPEN_LABEL, _COLON_LABEL) and match is not None and _names_person(match["label"])
        if match and (is_speaker_label(match["label"]) or named):
            speech = match["speech"].strip()
            if speech and needs_speech and not _speech_like(speech):
                continue
            if pattern is _SPACE_LABEL and len("".join(speech.split())) < 10:
                continue  # 会長 あいさつ: an agenda item, not a turn
            return _Turn(_clean_label(match["label"]), speech, 0)
    return None


def _classify(line: Line) -> _Turn | _Drop | None:
    """A turn start, a line to drop, or None for text."""
    text, norm = line.text, line.norm
    if text[0] in _MARKS:
        turn = _marked_turn(text)
        if turn is not None:
            return turn
        if text[0] != "●":  # ● is a bullet too
            return _Drop("heading, not a speaker", ends_turn=True)
    closer = _CLOSERS.get(norm[0])
    if closer and norm.endswith(closer) and closer not in norm[1:-1]:
        inner = text[1:-1].strip()
        if is_speaker_label(inner) and not inner.strip("()（）").isdigit():
            return _Turn(_clean_label(inner), "", 0)
        return _Drop("stage note")
    reported = _REPORTED.match(text) if _DASH.search(text, 2) else None  # a note closes with a dash
    if reported and (reported.end() == len(text) or text[reported.end()] in " \u3000"):
        speaker = _REPORTED_SPEAKER.search(reported["note"])
        if speaker and is_speaker_label(speaker["label"]):
            return _Turn(_clean_label(speaker["label"]), text[reported.end() :].strip(), 0)
        if reported.end() == len(text):
            return _Drop("stage note")
    turn = _unmarked_turn(text)
    if turn is not None:
        return turn
    label = text.rstrip(":： \u3000")  # 委員長： with the speech on the next line
    if is_speaker_label(label):
        return _Turn(_clean_label(label), "", 0)
    if _TIME_NOTE.fullmatch(norm):
        return _Drop("stage note")
    heading = _AGENDA_HEADING.fullmatch(norm)
    if heading and not line.indented and _is_title(heading["title"] or ""):
        return _Drop("agenda heading", ends_turn=True)
    return None


def _is_title(text: str) -> bool:
    return len(text) <= 25 and not any(m in text for m in "。、，,") and (not text or text[-1] not in _SENTENCE_ENDS)


# --- Turns and remarks ------------------------------------------------------------


@dataclass
class _Draft:
    speaker: str
    line: int
    bulleted: bool
    parts: list[str]

    def continues_with(self, line: Line, bullet: bool) -> bool:
        """Whether a line wraps this remark rather than starting a new one."""
        last = self.parts[-1]
        return not bullet and (self.bulleted or line.indented or not last or last[-1] not in _SENTENCE_ENDS)


@dataclass
class _Reader:
    header: list[Line] = field(default_factory=list)
    dropped: list[DroppedLine] = field(default_factory=list)
    drafts: list[_Draft] = field(default_factory=list)
    speaker: str | None = None  # whose turn it is
    pending: _Turn | None = None  # a heading whose speech has not been seen yet
    current: _Draft | None = None  # the remark the next line may continue
    started: bool = False  # whether the first turn has started: before it, lines are the header

    def drop(self, line: Line | _Turn, reason: str) -> None:
        text = line.text if isinstance(line, Line) else line.label
        number = line.number if isinstance(line, Line) else line.line
        if self.started:
            self.dropped.append(DroppedLine(number, text, reason))
        elif isinstance(line, Line):
            self.header.append(line)
        else:
            self.header.append(make_line(number, line.label))

    def start(self, turn: _Turn, before_turn: bool = False) -> None:
        """Start a turn; `before_turn` when another turn follows its speech (in a flattened line)."""
        self.started, self.speaker, self.current = True, turn.label, None
        pieces = _PARAGRAPHS.split(turn.speech) if turn.speech else []
        for piece_number, piece in enumerate(pieces):
            line = make_line(turn.line, piece)
            kind = _classify(line) if piece_number > 0 else None
            if piece_number and piece_number == len(pieces) - 1 and before_turn and _is_short_title(piece):
                kind = _Drop("agenda heading")  # 。  挨拶  議長  改めまして…
            if isinstance(kind, _Drop):  # a flattened page: 。  2 あいさつ  【…】
                self.dropped.append(DroppedLine(line.number, line.text, kind.reason))
                self.current = None
                if kind.ends_turn:
                    self.end_turn()
            elif self.speaker is not None:
                self.text(line, new_paragraph=piece_number > 0)

    def text(self, line: Line, new_paragraph: bool = False) -> None:
        if self.speaker is None:
            self.drop(line, "text outside any speaker's turn")
            return
        if _CLOSERS.get(line.norm[:1]) and line.norm.endswith(_CLOSERS[line.norm[0]]):
            self.dropped.append(DroppedLine(line.number, line.text, "stage note"))
            self.current = None
            return
        bullet, content = split_bullet(line.text)
        if not new_paragraph and self.current is not None and self.current.continues_with(line, bullet):
            self.current.parts.append(content)
            return
        self.current = _Draft(self.speaker, line.number, bullet, [content])
        self.drafts.append(self.current)

    def end_turn(self) -> None:
        self.speaker = self.current = None


def _read(lines: list[Line]) -> _Reader:
    reader = _Reader()
    segments = [segment for line in lines for segment in (_segments(line) if line.text else [line])]
    kinds = [(_classify(segment) if segment.text else None) for segment in segments]
    for index, (segment, kind) in enumerate(zip(segments, kinds)):
        if not segment.text:
            reader.current = None
            if not reader.started:
                reader.header.append(segment)
            continue
        if isinstance(kind, _Turn):
            kind = _Turn(kind.label, kind.speech, segment.number)
        if reader.pending is not None:
            if kind is None and (_speech_like(segment.text) or split_bullet(segment.text)[0]):
                reader.start(reader.pending, _turn_follows(segments, kinds, index))
                reader.pending = None
            elif isinstance(kind, _Drop) and not kind.ends_turn:
                reader.drop(segment, kind.reason)
                continue
            else:
                reader.drop(reader.pending, "speaker label without speech after it")
                reader.pending = None
        if isinstance(kind, _Turn):
            if kind.speech:
                reader.start(kind, _turn_follows(segments, kinds, index))
            else:
                reader.pending = kind
                reader.current = None
        elif isinstance(kind, _Drop):
            reader.drop(segment, kind.reason)
            reader.current = None
            if kind.ends_turn:
                reader.end_turn()
        elif reader.speaker is not None and _heads_next_turn(segment, segments, kinds, index):
            reader.drop(segment, "agenda heading")
            reader.end_turn()
        else:
            reader.text(segment)
    if reader.pending is not None:
        reader.drop(reader.pending, "speaker label without speech after it")
    return reader


def _heads_next_turn(segment: Line, segments: list[Line], kinds: list, index: int) -> bool:
    """A short title line (挨拶, 会期の決定) right before a turn, after a finished sentence, is an agenda heading."""
    if segment.indented or not _is_short_title(segment.text):
        return False
    before = next((s.text for s in reversed(segments[:index]) if s.text), "")
    return _turn_follows(segments, kinds, index) and (not before or before[-1] in _SENTENCE_ENDS)


def _is_short_title(text: str) -> bool:
    if len(text) > 12 or not _is_title(unicodedata.normalize("NFKC", text)) or split_bullet(text)[0]:
        return False
    return len(_HIRAGANA.findall(text)) * 4 <= len(text)  # 以上です, 異議なし: spoken, not a title


def _turn_follows(segments: list[Line], kinds: list, index: int) -> bool:
    return isinstance(next((k for s, k in zip(segments[index + 1 :], kinds[index + 1 :]) if s.text), None), _Turn)


def parse_minutes(text: str) -> ParsedMinutes:
    """Parse decoded minutes text; raises MinutesError when it holds no remarks to store."""
    lines, residue = clean_lines(text)
    if not any(line.text for line in lines):
        raise MinutesError("the file is empty")
    reader = _read(lines)
    if not reader.started:
        raise MinutesError(
            "no speakers found (expected lines like <留萌市長>, ○議長(山田太郎君) ただいまから…, or 委員長：…)"
        )
    remarks = tuple(
        remark
        for draft in reader.drafts
        if (remark := ParsedRemark(draft.speaker, join_wrapped(draft.parts), draft.line)).text
    )
    if not remarks:
        raise MinutesError("no remarks found under the speakers (expected their words after <留萌市長> or 委員長：)")
    header = read_header(reader.header)
    unread = [
        DroppedLine(line.number, line.text, "header line that is no field kept")
        for line in reader.header
        if line.text and line.number not in header.read_lines
    ]
    dropped = sorted([*reader.dropped, *residue, *unread], key=lambda d: d.line)
    return ParsedMinutes(
        title=header.title,
        date=header.date,
        start_time=header.start_time,
        end_time=header.end_time,
        place=header.place,
        attendees=header.attendees,
        agenda=header.agenda,
        remarks=remarks,
        dropped=tuple(dropped),
    )
