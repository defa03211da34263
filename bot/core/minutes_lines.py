"""Lines of minutes text, cleaned of what PDF extraction and web pages leave behind.

Dropped here, each with its reason: page numbers (``- 3 -``, ``3/12``, ``3``), page headers and footers
(the same line at the top or bottom of most pages, pages being separated by form feeds), separators
(``◇・・・◇``, ``―――``). Joined here: headers printed one character per line (``会`` / ``議`` / ``録``), split again
where a speaker's role starts (``開`` / ``会`` / ``会`` / ``長`` → ``開会``, ``会長``). Split here: the cells of a
table copied from a web page (``1 日時 |``), one line per cell."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from bot.core.labels import default_label_words


class MinutesError(ValueError):
    """A file that cannot be read as minutes. str(err) is one line in English that a user can act on."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the text as given
    text: str  # stripped, as written
    norm: str  # NFKC of text, only to detect structure
    indented: bool


@dataclass(frozen=True)
class DroppedLine:
    line: int
    text: str
    reason: str


def make_line(number: int, raw: str) -> Line:
    text = raw.strip()
    return Line(number, text, unicodedata.normalize("NFKC", text), raw[:1] in (" ", "\t", "\u3000"))


_PAGE_NUMBER = re.compile(
    r"[-‐−–—―]\s*\d{1,4}\s*[-‐−–—―]|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|(?:page|p\.)\s*\d{1,4}|\d{1,4}\s*頁", re.IGNORECASE
)
_WORD_CHAR = re.compile(r"[^\W_]")  # letters, kana, kanji and digits; not ・ ◇ ―
_WRAPPED_PUNCTUATION = "。、，．,.」』）)】！？!? "  # what a line wrapped before its last character leaves
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff々〆ヶ]")


def clean_lines(text: str) -> tuple[list[Line], list[DroppedLine]]:
    """The lines worth reading, and those dropped with the reason."""
    dropped: list[DroppedLine] = []
    raw_lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Per line of text, per page of it (split at form feeds), its cells.
    rows = [
        [[make_line(number, cell) for cell in _cells(part)] for part in raw.split("\f")]
        for number, raw in enumerate(raw_lines, start=1)
    ]
    page_furniture = _page_furniture(raw_lines, rows)
    lines: list[Line] = []
    page_break = False  # a page break is no paragraph break: text wrapped onto the next page goes on
    titled = False  # whether a line of text is kept: the first line is the title even when every page repeats it
    for number, parts in enumerate(rows, start=1):
        for page_part, cells in enumerate(parts):
            page_break = page_break or page_part > 0
            for line in cells:
                reason = _residue(line, page_furniture if titled else set())
                if reason == "separator":
                    dropped.append(DroppedLine(number, line.text, reason))
                    lines.append(make_line(number, ""))
                elif reason:
                    dropped.append(DroppedLine(number, line.text, reason))
                    page_break = True
                elif line.text or not page_break:
                    if page_break:
                        while lines and not lines[-1].text:
                            lines.pop()
                        page_break = False
                    lines.append(line)
                    titled = titled or bool(line.text)
    return _join_character_runs(lines), dropped


def _cells(raw: str) -> list[str]:
    """A table row copied from a web page (cells ending ` |`) gives one line per non-empty cell."""
    if "|" not in raw or not re.search(r"\s\|(?:\s|$)", raw):
        return [raw]
    cells = [cell for cell in re.split(r"\s*\|\s*", raw.strip())]
    return [cell for cell in cells if cell] or [""]


def _residue(line: Line, page_furniture: set[str]) -> str | None:
    if not line.text:
        return None
    if _PAGE_NUMBER.fullmatch(line.norm):
        return "page number"
    if page_furniture and _furniture_key(line.norm) in page_furniture:
        return "page header or footer"
    if not _WORD_CHAR.search(line.norm) and line.norm.strip(_WRAPPED_PUNCTUATION):  # ◇・・・◇, ―――, ◇
        return "separator"
    return None


def _furniture_key(norm: str) -> str:
    """A page header or footer (stripped, NFKC), its page number aside: 第5回審議会 - 3 - and 第5回審議会 - 4 -
    are one."""
    return _DIGITS.sub("#", norm)


_DIGITS = re.compile(r"\d+")
_SENTENCE_ENDS = "。.!?」)）>】"  # and brackets: what no page header or footer ends with


def _norm(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw.strip())


def _norm_of_row(raw: str, row: list[list[Line]]) -> str:
    """The NFKC of a stripped line of text: its Line's when the line is one cell, as most are."""
    if len(row) == 1 and len(row[0]) == 1 and row[0][0].text == raw.strip():
        return row[0][0].norm
    return _norm(raw)


def _page_furniture(raw_lines: list[str], rows: list[list[list[Line]]]) -> set[str]:
    """Lines printed at the top or bottom of most pages (pages end with a form feed); without form feeds,
    short lines that are no sentence and no speaker's label, repeated three times or more."""
    pages: list[list[str]] = [[]]
    for raw in raw_lines:
        parts = raw.split("\f")
        pages[-1].append(parts[0])
        for part in parts[1:]:
            pages.append([part])
    if len(pages) == 1:
        norms = (_norm_of_row(raw, row) for raw, row in zip(raw_lines, rows) if raw.strip())
        # A key ends as its line does: lines ending a sentence are not counted, the furniture being none.
        counts = Counter(_furniture_key(norm) for norm in norms if norm[-1] not in _SENTENCE_ENDS)
        return {
            key
            for key, count in counts.items()
            if count >= 3
            and 5 <= len(key) <= 60
            and key[0] not in "<(【〈《[○◎◯〇●-・•*"
            and not default_label_words().ends_like_role(key)
        }
    if len(pages) < 3:
        return set()
    edges: Counter[str] = Counter()
    for page in pages:
        texts = [t for t in page if t.strip()]
        edges.update({_furniture_key(_norm(t)) for t in texts[:1] + texts[-1:]})
    return {text for text, count in edges.items() if count * 2 >= len(pages) and len(text) <= 60}


def _join_character_runs(lines: list[Line]) -> list[Line]:
    """Runs of lines of one character each are one word printed vertically: 会 / 長 → 会長."""
    words = default_label_words()
    joined: list[Line] = []
    run: list[Line] = []

    def flush() -> None:
        if len(run) == 1:
            joined.append(run[0])
        elif run:
            text = "".join(line.text for line in run)
            role = words.role_at_end(text)
            if role and len(role) < len(text):  # 開会 + 会長: an agenda item beside the speaker's column
                joined.append(make_line(run[0].number, text[: -len(role)]))
                joined.append(make_line(run[-len(role)].number, role))
            else:
                joined.append(make_line(run[0].number, text))
        run.clear()

    for line in lines:
        if len(line.text) == 1 and _CJK_CHAR.fullmatch(line.text):
            run.append(line)
            continue
        flush()
        joined.append(line)
    flush()
    return joined


# Compared after NFKC, so the full-width －, ･ and ＊ are bullets too.
BULLETS = frozenset("-・●•*◆■‐−")


def split_bullet(text: str) -> tuple[bool, str]:
    if text and unicodedata.normalize("NFKC", text[0]) in BULLETS:
        return True, text[1:].strip()
    return False, text


def _is_latin(char: str) -> bool:
    normal = unicodedata.normalize("NFKC", char)
    return normal.isascii() and normal.isprintable() and not normal.isspace()


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines: no space between Japanese lines, one space between Latin words."""
    text = ""
    for part in parts:
        if text and part and _is_latin(text[-1]) and _is_latin(part[0]):
            text += " "
        text += part
    return text.strip()
