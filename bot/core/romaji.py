"""Romaji and kana both ways. Kana from romaji: the Japanese words people type in Latin letters (shogakukin,
jinzai kakuho). Romaji from katakana readings (エグチ → eguchi), so that "Eguchi" finds 江口部会長.

A table-driven reader of Hepburn, Kunrei and word-processor spellings. People leave long vowels
out (shogakukin for しょうがくきん, chocho for ちょうちょう), so `readings` gives every way of putting
them back; a dictionary of readings tells which of those are words.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_VOWELS = "aiueo"
_ROWS = {
    "": "あいうえお",
    "k": "かきくけこ",
    "s": "さしすせそ",
    "t": "たちつてと",
    "n": "なにぬねの",
    "h": "はひふへほ",
    "m": "まみむめも",
    "y": "や い ゆ いぇ よ",
    "r": "らりるれろ",
    "l": "らりるれろ",
    "w": "わ うぃ う うぇ を",
    "g": "がぎぐげご",
    "z": "ざじずぜぞ",
    "d": "だぢづでど",
    "b": "ばびぶべぼ",
    "v": "ばびぶべぼ",  # loanwords: navi → なび, as ナビ is written
    "p": "ぱぴぷぺぽ",
    "f": "ふぁ ふぃ ふ ふぇ ふぉ",
    "j": "じゃ じ じゅ じぇ じょ",
    "sh": "しゃ し しゅ しぇ しょ",
    "ch": "ちゃ ち ちゅ ちぇ ちょ",
    "ts": "つぁ つぃ つ つぇ つぉ",
}
_SMALL_Y = {"a": "ゃ", "u": "ゅ", "o": "ょ"}
_Y_SOUNDS = {
    "ky": "き",
    "gy": "ぎ",
    "sy": "し",
    "zy": "じ",
    "jy": "じ",
    "ty": "ち",
    "cy": "ち",
    "dy": "ぢ",
    "ny": "に",
    "hy": "ひ",
    "by": "び",
    "py": "ぴ",
    "my": "み",
    "ry": "り",
    "ly": "り",
}
_SYLLABLES: dict[str, str] = {}
for _consonant, _kana in _ROWS.items():
    _row = _kana.split() if " " in _kana else list(_kana)
    for _vowel, _syllable in zip(_VOWELS, _row):
        _SYLLABLES[_consonant + _vowel] = _syllable
for _consonant, _kana in _Y_SOUNDS.items():
    for _vowel, _small in _SMALL_Y.items():
        _SYLLABLES[_consonant + _vowel] = _kana + _small
_SYLLABLES |= {
    "si": "し",
    "ti": "ち",
    "tu": "つ",
    "hu": "ふ",
    "zi": "じ",
    "di": "ぢ",
    "du": "づ",
    "wo": "を",
    "-": "ー",
}
_LONGEST = max(map(len, _SYLLABLES))
_LONG_VOWEL_KANA = {"o": "う", "u": "う"}  # the long vowels romaji leaves out: しょう, きゅう
MAX_READINGS = 64
_KATAKANA_SHIFT = ord("ァ") - ord("ぁ")


def to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + _KATAKANA_SHIFT) if "ぁ" <= c <= "ゖ" else c for c in text)


def syllables(word: str) -> list[tuple[str, str]] | None:
    """A romaji word as (kana, vowel) syllables, or None when it is not romaji (`street`, `ict`)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    text = re.sub(r"oh(?![aeiou])", "o", text)
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        char, following = text[i], text[i + 1 : i + 2]
        if char == "n" and (following == "'" or (following and following not in _VOWELS + "y")) or text[i:] == "n":
            out.append(("ん", ""))
            i += 2 if following == "'" else 1
            continue
        if char == "m" and following in ("b", "m", "p"):
            out.append(("ん", ""))
            i += 1
            continue
        if char not in _VOWELS and (following == char or (char, following) == ("t", "c")):
            out.append(("っ", ""))
            i += 1
            continue
        for size in range(_LONGEST, 0, -1):
            piece = text[i : i + size]
            if piece in _SYLLABLES:
                out.append((_SYLLABLES[piece], piece[-1]))
                i += size
                break
        else:
            return None
    return out


def readings(word: str) -> list[str]:
    """The hiragana a romaji word may stand for, long vowels put back where it may have left them out:
    shogakukin → しょがくきん, しょうがくきん, …; ninyou → ににょう, にんよう, …; none when it is not romaji."""
    spellings = [word] + ([re.sub(r"n(?=y[aueo])", "n'", word)] if re.search(r"ny[aueo]", word) else [])
    return list(dict.fromkeys(reading for spelling in spellings for reading in _long_vowel_readings(spelling)))


def _long_vowel_readings(word: str) -> list[str]:
    parts = syllables(word)
    if not parts:
        return []
    choices = []
    for index, (kana, vowel) in enumerate(parts):
        following = parts[index + 1][0] if index + 1 < len(parts) else ""
        long_mark = _LONG_VOWEL_KANA.get(vowel)
        if long_mark and following != long_mark and kana != "を":
            choices.append((kana, kana + long_mark))
        else:
            choices.append((kana,))
    return ["".join(choice) for choice in itertools.islice(itertools.product(*choices), MAX_READINGS)]


_LOANWORD_SPELLING = [
    (re.compile(r"y(?![aueo])"), "ai"),  # mynavi: マイナビ
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"qu"), "ku"),
    (re.compile(r"x"), "kusu"),
    (re.compile(r"th"), "s"),
    (re.compile(r"(?<=[td])$"), "o"),
    (re.compile(r"(?<=[bcfghjklmpqrsvwz])$"), "u"),
]


def loanword_readings(word: str) -> list[str]:
    """The kana of an English-looking name as Japanese writes it in katakana (Mynavi → まいなび)."""
    spelling = word.lower()
    for pattern, replacement in _LOANWORD_SPELLING:
        spelling = pattern.sub(replacement, spelling)
    return katakana_readings(spelling)


def katakana_readings(word: str) -> list[str]:
    """Readings of a romaji word, a doubled vowel also as the long mark of katakana (taimii → たいみー)."""
    return list(dict.fromkeys(readings(word) + readings(re.sub(r"([aiueo])\1", r"\1-", word))))


# --- katakana readings → romaji ------------------------------------------------------------------

_KANA_DIGRAPHS = {
    "キャ": "kya",
    "キュ": "kyu",
    "キョ": "kyo",
    "シャ": "sha",
    "シュ": "shu",
    "ショ": "sho",
    "チャ": "cha",
    "チュ": "chu",
    "チョ": "cho",
    "ニャ": "nya",
    "ニュ": "nyu",
    "ニョ": "nyo",
    "ヒャ": "hya",
    "ヒュ": "hyu",
    "ヒョ": "hyo",
    "ミャ": "mya",
    "ミュ": "myu",
    "ミョ": "myo",
    "リャ": "rya",
    "リュ": "ryu",
    "リョ": "ryo",
    "ギャ": "gya",
    "ギュ": "gyu",
    "ギョ": "gyo",
    "ジャ": "ja",
    "ジュ": "ju",
    "ジョ": "jo",
    "ビャ": "bya",
    "ビュ": "byu",
    "ビョ": "byo",
    "ピャ": "pya",
    "ピュ": "pyu",
    "ピョ": "pyo",
    "ヂャ": "ja",
    "ヂュ": "ju",
    "ヂョ": "jo",
}
_KANA_ROWS = {
    "": "アイウエオ",
    "k": "カキクケコ",
    "s": "サシスセソ",
    "t": "タチツテト",
    "n": "ナニヌネノ",
    "h": "ハヒフヘホ",
    "m": "マミムメモ",
    "y": "ヤ-ユ-ヨ",
    "r": "ラリルレロ",
    "w": "ワ---ヲ",
    "g": "ガギグゲゴ",
    "z": "ザジズゼゾ",
    "d": "ダヂヅデド",
    "b": "バビブベボ",
    "p": "パピプペポ",
}
_KANA_IRREGULAR = {
    "シ": "shi",
    "チ": "chi",
    "ツ": "tsu",
    "フ": "fu",
    "ジ": "ji",
    "ヂ": "ji",
    "ヅ": "zu",
    "ヲ": "o",
    "ン": "n",
}
_KANA_SYLLABLES = {
    kana: consonant + vowel for consonant, row in _KANA_ROWS.items() for kana, vowel in zip(row, "aiueo") if kana != "-"
} | _KANA_IRREGULAR


def romaji(katakana: str) -> str:
    """Hepburn romaji of a katakana reading; long vowels and ッ as usually written in names (オオエ → oe)."""
    out = ""
    index = 0
    while index < len(katakana):
        pair = katakana[index : index + 2]
        if pair in _KANA_DIGRAPHS:
            out += _KANA_DIGRAPHS[pair]
            index += 2
            continue
        char = katakana[index]
        if char == "ッ" and index + 1 < len(katakana):
            following = _KANA_DIGRAPHS.get(katakana[index + 1 : index + 3]) or _KANA_SYLLABLES.get(
                katakana[index + 1], ""
            )
            out += following[:1]
        elif char == "ー":
            pass
        else:
            out += _KANA_SYLLABLES.get(char, "")
        index += 1
    return out
