"""Term matching: short kana words and dictionary words match whole words only."""

import pytest

from bot.core.search import highlight_spans, term_matcher
from bot.core.text import normalize


@pytest.mark.parametrize(
    "term, text",
    [
        ("イカ", "頑張っていかなければならない"),
        ("ウニ", "働けるように支援する"),
        ("タコ", "そうしたことから"),
        ("シカ", "しかし、人手が足りない"),
        ("シカ", "だが、しかし人手が足りない"),
        ("シカ", "今後も、しかも急速に"),
    ],
)
def test_short_kana_word_is_not_found_inside_other_words(term, text):
    assert not term_matcher(normalize(term))(normalize(text))


@pytest.mark.parametrize(
    "term, text",
    [
        ("イカ", "イカの漁獲が減っている"),
        ("ウニ", "ウニやアワビの水揚げ"),
        ("タコ", "タコ漁が盛んだ"),
        ("シカ", "シカの食害が深刻"),
        ("ビザ", "就労ビザの取得"),  # folded to びざ, which Sudachi splits: read back in katakana
        ("ビザ", "ビザが必要"),
    ],
)
def test_short_kana_word_is_found_as_a_word(term, text):
    assert term_matcher(normalize(term))(normalize(text))


def test_highlights_mark_only_whole_kana_words():
    text = "そうしたことから、タコ漁を続ける"
    assert [text[a:b] for a, b in highlight_spans(text, (normalize("タコ"),))] == ["タコ"]


def test_whole_word_term_is_not_found_inside_a_compound():
    assert not term_matcher("合戦", whole_word=True)(normalize("第3期総合戦略を策定した"))
    assert term_matcher("合戦", whole_word=True)(normalize("人材の獲得合戦になる"))
    assert term_matcher("合戦")(normalize("第3期総合戦略を策定した"))  # glossary terms are substrings


def test_whole_word_compound_matches_at_word_boundaries():
    assert term_matcher("電算協議会", whole_word=True)(normalize("管内の電算協議会のように"))


def test_latin_terms_match_whole_words():
    assert term_matcher("ai")("生成aiの活用")
    assert not term_matcher("ai")("e-mailで連絡")
