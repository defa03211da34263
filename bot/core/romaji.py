"""Katakana readings in Hepburn romaji (エグチ → eguchi), so that "Eguchi" finds 江口部会長."""

from __future__ import annotations

_DIGRAPHS = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho", "チャ": "cha",
    "チュ": "chu", "チョ": "cho", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya", "ヒュ": "hyu",
    "ヒョ": "hyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
    "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ビャ": "bya",
    "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo", "ヂャ": "ja", "ヂュ": "ju", "ヂョ": "jo",
}
_ROWS = {
    "": "アイウエオ", "k": "カキクケコ", "s": "サシスセソ", "t": "タチツテト", "n": "ナニヌネノ", "h": "ハヒフヘホ",
    "m": "マミムメモ", "y": "ヤ-ユ-ヨ", "r": "ラリルレロ", "w": "ワ---ヲ", "g": "ガギグゲゴ", "z": "ザジズゼゾ",
    "d": "ダヂヅデド", "b": "バビブベボ", "p": "パピプペポ",
}
_IRREGULAR = {
    "シ": "shi", "チ": "chi", "ツ": "tsu", "フ": "fu", "ジ": "ji", "ヂ": "ji", "ヅ": "zu", "ヲ": "o", "ン": "n",
}
_SYLLABLES = {kana: consonant + vowel for consonant, row in _ROWS.items() for kana, vowel in zip(row, "aiueo")
              if kana != "-"} | _IRREGULAR


def romaji(katakana: str) -> str:
    """Hepburn romaji of a katakana reading; long vowels and ッ as usually written in names (オオエ → oe)."""
    out = ""
    index = 0
    while index < len(katakana):
        pair = katakana[index : index + 2]
        if pair in _DIGRAPHS:
            out += _DIGRAPHS[pair]
            index += 2
            continue
        char = katakana[index]
        if char == "ッ" and index + 1 < len(katakana):
            following = _DIGRAPHS.get(katakana[index + 1 : index + 3]) or _SYLLABLES.get(katakana[index + 1], "")
            out += following[:1]
        elif char == "ー":
            pass
        else:
            out += _SYLLABLES.get(char, "")
        index += 1
    return out
