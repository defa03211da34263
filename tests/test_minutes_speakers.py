"""Speaker labels of minutes: what is one, its organisation, role and name, and the aliases people ask by."""

import unicodedata

import pytest

from bot.core.labels import _SPEECH_MARKS, default_label_words, is_speaker_label
from bot.core.speakers import KnownSpeaker, SpeakerDirectory, resolve_speaker, speaker_aliases, split_label
from bot.core.text import normalize


@pytest.mark.parametrize(
    ("label", "parts"),
    [
        ("委員長(伊藤成一)", ("", "委員長", "伊藤成一")),
        ("議長(石井俊夫君)", ("", "議長", "石井俊夫")),
        ("江口部会長", ("", "部会長", "江口")),
        ("元木事務局長", ("", "事務局長", "元木")),
        ("東区協議会 金指会長", ("東区協議会", "会長", "金指")),
        ("事務局(中)", ("", "事務局", "中")),
        ("2番(岡山勝廣君)", ("", "2番", "岡山勝廣")),
        ("梶市長", ("", "市長", "梶")),
        ("苫前町長", ("苫前町", "町長", "")),
        ("丸亀市長", ("丸亀市", "市長", "")),
        ("留萌商工会議所 会頭", ("留萌商工会議所", "会頭", "")),
        ("留萌教育局 教育局長", ("留萌教育局", "教育局長", "")),
        ("会長代理", ("", "会長代理", "")),
        ("山田君", ("", "", "山田")),
    ],
)
def test_split_label(label, parts):
    assert split_label(label) == parts


@pytest.mark.parametrize(
    "label",
    ["委員", "事務局", "会長代理", "大江教授", "2番", "12番委員", "議長(元木会長)", "問", "岡安市民協働・地域政策課長"],
)
def test_speaker_labels(label):
    assert is_speaker_label(label)


@pytest.mark.parametrize(
    "text",
    [
        "意見交換",
        "出 席 者",
        "出席委員",
        "会議録署名委員",
        "議事における主な意見要旨",
        "|",
        "",
        "委嘱状交付",
        "挨拶",
        "経済成長",
        "委員長 守屋亘弘",
        "定足数に達してい",
        "長" * 60,
        "1 開会",
    ],
)
def test_not_speaker_labels(text):
    assert not is_speaker_label(text)


def aliases(label, table, sole_chair=False):
    organisation, role, name = split_label(label, table)
    return speaker_aliases(label, organisation, table, role=role, name=name, sole_chair=sole_chair)


def test_aliases_of_role_and_name(table):
    names = aliases("委員長(守屋亘弘君)", table)
    for alias in (
        "委員長(守屋亘弘君)",
        "委員長守屋亘弘",
        "委員長",
        "守屋亘弘",
        "守屋",
        "守屋委員長",
        "moriya",
        "committee chairman",
    ):
        assert alias in names
    assert "chairman" not in names  # only when no other speaker of the meeting chairs
    assert "chairman" in aliases("委員長(守屋亘弘君)", table, sole_chair=True)
    assert {"柴田主幹", "柴田", "事務局", "secretariat"} <= set(aliases("事務局(柴田主幹)", table))
    assert {"2番", "councillor no 2", "岡山", "okayama"} <= set(aliases("2番(岡山勝廣君)", table))
    assert {"梶市長", "kaji", "mayor"} <= set(aliases("梶市長", table))
    assert {"tenryuu", "suzuki", "鈴木会長"} <= set(aliases("天竜区協議会 鈴木会長", table))  # tenryuu folds to tenryu


def test_one_character_names_are_no_japanese_aliases(table):
    names = aliases("事務局(中)", table)
    assert "中" not in names and "naka" in names and "事務局中" in names


def test_rumoi_labels_keep_their_curated_names_only(table):
    assert aliases("苫前町長", table) == [
        "苫前町長",
        "苫前町",
        "苫前",
        "とままえ",
        "とままえちょう",
        "tomamae",
        "tomamae town",
        "tomamae-cho",
    ]
    assert "mayor" not in aliases("留萌市長", table)  # "the mayor" alone does not pick one of eight


def directory(labels, table, sole_chair=False):
    return SpeakerDirectory(
        [
            KnownSpeaker(i, label, split_label(label, table).role, tuple(aliases(label, table, sole_chair)))
            for i, label in enumerate(labels)
        ]
    )


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("what did Moriya say", "委員長(守屋亘弘君)"),
        ("what did the chairman say", "委員長(守屋亘弘君)"),
        ("柴田主幹の発言", "事務局(柴田主幹)"),
        ("what did the secretariat say", "事務局(柴田主幹)"),
        ("守屋委員長は何と言った", "委員長(守屋亘弘君)"),
    ],
)
def test_questions_find_speakers_by_role_and_name(question, label, table):
    found = resolve_speaker(
        normalize(question), directory(["委員長(守屋亘弘君)", "事務局(柴田主幹)"], table, True), table
    )
    assert found is not None and [s.label for s in found.speakers] == [label]


def test_an_alias_of_symbols_only_cannot_crash_a_question(table):
    odd = SpeakerDirectory([KnownSpeaker(1, "|", "", ("|", "・", "-")), KnownSpeaker(2, "委員", "委員", ("委員",))])
    assert [s.speaker_ids for s in odd.find_spans(normalize("委員 | は何と言った"))] == [frozenset({2})]


def label_texts() -> list[str]:
    words = default_label_words()
    vocabulary = [*words.roles, *words.endings, *words.not_roles, *words.exact, *words.honorifics]
    return [f"{prefix}{word}{suffix}" for word in vocabulary for prefix in ("", "江口", "長") for suffix in ("", "君")]


def test_role_endings_are_the_longest_role_word_the_text_ends_with():
    words = default_label_words()
    for text in label_texts():
        ends = [word for word in words.roles if text.endswith(word)]
        assert words.role_at_end(text) == max(ends, key=len, default=None)
        like_role = any(text.endswith(word) for word in words.roles + words.endings)
        assert words.ends_like_role(text) == (like_role and not any(text.endswith(w) for w in words.not_roles))


def test_labels_judged_alike_with_the_default_words_cached_or_given():
    for text in label_texts():
        assert is_speaker_label(text) == is_speaker_label(text, default_label_words())


def test_speech_marks_outside_labels_are_kept_by_nfkc_beside_any_character():
    """So text with them is told no label before it is normalised."""
    for mark in _SPEECH_MARKS:
        for code in [*range(0xD800), *range(0xE000, 0x10000)]:
            assert mark in unicodedata.normalize("NFKC", chr(code) + mark)
            assert mark in unicodedata.normalize("NFKC", mark + chr(code))
