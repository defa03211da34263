"""Text normalisation shared by ingestion and questions.

Remarks and questions are compared in one normalised form: NFKC (full-width
letters and digits become ASCII), lower case, katakana folded to hiragana,
wave dashes unified, spaced capitals joined (`S N S` → `sns`) and spaces next
to Japanese characters dropped (`7700 万人` → `7700万人`). The mapping back to
the original characters is kept so that matches can be marked in the text as
written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sudachipy import Dictionary, Tokenizer

_WAVE_DASHES = {"〜": "~", "～": "~", "〰": "~"}
_KATAKANA_TO_HIRAGANA = 0x30A1 - 0x3041
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]")
_LATIN_WORD = re.compile(r"[a-z0-9]+")


def is_japanese_char(char: str) -> bool:
    return bool(_JAPANESE.match(char))


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text))


def language_of(text: str) -> str:
    """The language to answer text in: Japanese if it has any Japanese, English otherwise."""
    return "ja" if has_japanese(text) else "en"


class _NfkcForms(dict):
    """Each character's NFKC form, for str.translate, kept as characters are met (a few thousand in practice;
    beyond a bound, computed each time)."""

    def __missing__(self, code: int) -> str:
        form = unicodedata.normalize("NFKC", chr(code))
        if len(self) < 65536:
            self[code] = form
        return form


_NFKC_FORMS = _NfkcForms()
_SPACES = re.compile(r"\s+")


def normalize_with_map(text: str, keep_spaces: bool = False) -> tuple[str, list[int]]:
    """Normalise `text`; also return, for each output character, its index in `text`.

    `keep_spaces` keeps spaces beside Japanese characters: in a question they separate words."""
    # Character by character: NFKC of the whole would also compose them. Text already in NFKC has nothing to change.
    chars = text if unicodedata.is_normalized("NFKC", text) else text.translate(_NFKC_FORMS)
    sources: Sequence[int] = range(len(text))
    if len(chars) != len(text):  # a character became several (㍻ → 平成); none becomes none
        sources = [index for index, char in enumerate(text) for _ in _NFKC_FORMS[ord(char)]]

    def ascii_alnum(i: int) -> bool:
        return 0 <= i < len(chars) and chars[i].isascii() and chars[i].isalnum()

    def single_capital(i: int) -> bool:
        # An isolated capital letter, as in the spaced-out "S N S" or "P R".
        return "A" <= chars[i] <= "Z" and not ascii_alnum(i - 1) and not ascii_alnum(i + 1)

    # Runs of spaces become one space or none; the rest is kept as it is.
    pieces: list[str] = []
    positions: list[int] = []
    last = 0
    for run in _SPACES.finditer(chars):
        before, after = run.start() - 1, run.end()
        pieces.append(chars[last : run.start()])
        positions.extend(sources[last : run.start()])
        drop = (
            before < 0
            or after == len(chars)
            or (not keep_spaces and (is_japanese_char(chars[before]) or is_japanese_char(chars[after])))
            or (single_capital(before) and single_capital(after))
        )
        if not drop:
            pieces.append(" ")
            positions.append(sources[run.start()])
        last = after
    pieces.append(chars[last:])
    positions.extend(sources[last:])
    kept_text = _fold_kana("".join(pieces))
    folded = kept_text.lower()
    if len(folded) != len(kept_text):  # a rare letter whose lower case is longer (İ): one at a time
        folded = "".join(c.lower()[0] for c in kept_text)
    return folded, positions


_FOLD = str.maketrans(
    {**{chr(c): chr(c - _KATAKANA_TO_HIRAGANA) for c in range(ord("ァ"), ord("ヶ") + 1)}, **_WAVE_DASHES}
)
_FOLDED_RUN = re.compile(f"[ァ-ヶ{''.join(_WAVE_DASHES)}]+")


def _fold_kana(text: str) -> str:
    """Katakana as hiragana, wave dashes as ~: run by run, which costs a third of translating every character."""
    return _FOLDED_RUN.sub(lambda run: run.group().translate(_FOLD), text)


_SPACED_CAPITALS = re.compile(r"(?<![A-Za-z0-9])[A-Z](?:\s+[A-Z](?![A-Za-z0-9]))+")
_WHITESPACE = re.compile(r"\s+")
_SPACE_BESIDE_JAPANESE = re.compile(rf" (?={_JAPANESE.pattern})|(?<={_JAPANESE.pattern}) ")


def normalize(text: str, keep_spaces: bool = False) -> str:
    """The same as `normalize_with_map(text)[0]`, on whole strings at once: ingestion normalises every remark."""
    text = unicodedata.normalize("NFKC", text)
    if _WHITESPACE.search(text):  # most remarks have none: no capitals to join, no spaces to collapse or drop
        text = _SPACED_CAPITALS.sub(lambda m: _WHITESPACE.sub("", m.group()), text)
        text = _WHITESPACE.sub(" ", text).strip()
        if not keep_spaces:
            text = _SPACE_BESIDE_JAPANESE.sub("", text)
    return _fold_kana(text).lower()


def latin_words(text: str) -> list[tuple[str, int, int]]:
    """The Latin words of normalised text, with their spans."""
    return [(m.group(), m.start(), m.end()) for m in _LATIN_WORD.finditer(text)]


_ROMAJI_RULES = [
    (re.compile(r"ou|oo|oh(?![aeiou])"), "o"),
    (re.compile(r"uu"), "u"),
    (re.compile(r"m(?=[bmp])"), "n"),
]


def fold_romaji(text: str) -> str:
    """Fold the ways one Japanese name is spelt in Latin letters (Tomamae-chō, Embetsu, Ohbira)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    for pattern, replacement in _ROMAJI_RULES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _dictionary() -> Dictionary:
    from sudachipy import Dictionary  # imported with its dictionary: many questions need no segmenting

    return Dictionary(dict="core")


@lru_cache(maxsize=3)
def _tokenizer(mode: str) -> Tokenizer:
    from sudachipy import SplitMode

    return _dictionary().tokenizer(mode=getattr(SplitMode, mode))


def tokenize(text: str, mode: str = "C") -> list[tuple[str, str, str]]:
    """Segment Japanese text with SudachiPy (split mode A, B or C): (surface, normalised form, part of speech)."""
    return [(m.surface, m.form, m.pos[0]) for m in morphemes(text, mode)]


def surfaces_and_pos(text: str, mode: str = "C") -> list[tuple[str, str]]:
    """(surface, part of speech) of each token: `tokenize` without the normalised forms, for whole remarks."""
    return [(m.surface(), _part_of_speech(m.part_of_speech_id())) for m in _tokenizer(mode).tokenize(text)]


@lru_cache(maxsize=None)
def _part_of_speech(pos_id: int) -> str:
    return _dictionary().pos_of(pos_id)[0]


@dataclass(frozen=True)
class Morpheme:
    """A SudachiPy token: its surface, normalised form (為る for する, 居る for いる and おる) and part of speech,
    whose last two fields are the conjugation type and form (連用形-一般, 仮定形-一般 …)."""

    surface: str
    form: str
    pos: tuple[str, ...]


def morphemes(text: str, mode: str = "C") -> list[Morpheme]:
    """Segment Japanese text with SudachiPy, keeping the grammar that `tokenize` leaves out."""
    tokens = _tokenizer(mode).tokenize(text)
    return [Morpheme(m.surface(), m.normalized_form(), tuple(m.part_of_speech())) for m in tokens]


def unknown_words(text: str) -> list[str]:
    """The words of Japanese text that Sudachi's dictionary does not have (テウリ; not 天売)."""
    return [m.surface() for m in _tokenizer("C").tokenize(text) if m.is_oov()]


def person_name_prefix(text: str) -> str:
    """The person's name `text` starts with, as SudachiPy reads it (江口 of 江口部会長; 石井俊夫), or ""."""
    name = ""
    for morpheme in _tokenizer("C").tokenize(text):
        if morpheme.part_of_speech()[2] != "人名":
            break
        name += morpheme.surface()
    return name


def reading(text: str) -> str:
    """The reading of `text` in katakana, as SudachiPy gives it (江口 → エグチ)."""
    return "".join(morpheme.reading_form() for morpheme in _tokenizer("C").tokenize(text))


def person_name_family(text: str) -> str:
    """The family name a person's name starts with (石井 of 石井俊夫), or ""."""
    morphemes = _tokenizer("C").tokenize(text)
    if len(morphemes) >= 2 and morphemes[0].part_of_speech()[2] == "人名":
        return morphemes[0].surface()
    return ""


def leading_place(text: str) -> str:
    """The place name `text` starts with, as SudachiPy reads it (天竜区 of 天竜区協議会), or ""."""
    morphemes = _tokenizer("C").tokenize(text)
    return morphemes[0].surface() if len(morphemes) and morphemes[0].part_of_speech()[2] == "地名" else ""
