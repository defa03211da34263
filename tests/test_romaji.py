import pytest

from bot.core.romaji import katakana_readings, loanword_readings, readings, syllables, to_katakana


@pytest.mark.parametrize(
    "word, kana",
    [
        ("shogakukin", "しょうがくきん"),  # a long vowel left out
        ("chocho", "ちょうちょう"),
        ("kyousei", "きょうせい"),  # and written out
        ("jinzai", "じんざい"),
        ("gakkou", "がっこう"),  # a doubled consonant
        ("matcha", "まっちゃ"),
        ("shimbun", "しんぶん"),  # m before b
        ("ninyou", "にんよう"),  # n before y, read both ways
        ("kin'yu", "きんゆう"),
        ("tiiki", "ちいき"),  # Kunrei
        ("Tōkyō", "とうきょう"),  # macrons
    ],
)
def test_romaji_reads_as_kana(word, kana):
    assert kana in readings(word)


@pytest.mark.parametrize("word", ["street", "ict", "mynavi", "herring"])
def test_english_that_is_not_romaji_has_no_reading(word):
    assert readings(word) == [] and syllables(word) is None


def test_readings_are_bounded():
    assert 0 < len(readings("kyouryokutaiinkoukousei")) <= 64 * 2


def test_to_katakana():
    assert to_katakana("いかとタコ、漁") == "イカトタコ、漁"


@pytest.mark.parametrize("word, kana", [("mynavi", "まいなび"), ("navi", "なび")])
def test_english_looking_names_read_as_katakana_would_write_them(word, kana):
    assert kana in loanword_readings(word)


def test_a_doubled_vowel_may_be_the_long_mark():
    assert "たいみー" in katakana_readings("taimii")
