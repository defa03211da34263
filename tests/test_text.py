import pytest

from bot.core.text import fold_romaji, has_japanese, normalize, normalize_with_map


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("食をテーマとして S N S に投稿", "食をてーまとしてsnsに投稿"),  # spaced capitals joined, katakana folded
        ("P R 活動", "pr活動"),
        ("ＩＯＴ導入率", "iot導入率"),  # full-width letters, case
        ("およそ 7700 万人", "およそ7700万人"),  # spaces beside Japanese dropped
        ("14:00～16:00、〜", "14:00~16:00、~"),  # wave dashes unified
        ("I want A B C", "i want abc"),
        ("  Tomamae   Mayor ", "tomamae mayor"),
        ("㍻", "平成"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_maps_back_to_the_text_as_written():
    raw = "食を S N S に ＰＲ"
    normalized, positions = normalize_with_map(raw)
    assert len(positions) == len(normalized)
    start = normalized.index("sns")
    assert raw[positions[start] : positions[start + 2] + 1] == "S N S"
    assert raw[positions[normalized.index("pr")]] == "Ｐ"


@pytest.mark.parametrize(
    "raw, positions",
    [
        ("平成の PR 活動", [0, 1, 2, 4, 5, 7, 8]),  # already in NFKC
        ("㍻の ＰＲ 活動", [0, 0, 1, 3, 4, 6, 7]),  # one character becomes two
    ],
)
def test_normalize_maps_each_character_back_to_the_one_it_came_from(raw, positions):
    assert normalize_with_map(raw) == ("平成のpr活動", positions)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Tomamae-chō", "tomamae cho"),
        ("Embetsu", "enbetsu"),
        ("Ōbira", "obira"),
        ("Ohbira", "obira"),
        ("Shousanbetsu", "shosanbetsu"),
        ("Ruumoi", "rumoi"),
        ("Tokyoo", "tokyo"),
    ],
)
def test_fold_romaji(raw, expected):
    assert fold_romaji(raw) == expected


def test_has_japanese():
    assert has_japanese("what did 苫前町長 say")
    assert has_japanese("とままえ")
    assert not has_japanese("Tomamae mayor")


def test_fast_normalize_agrees_with_the_mapped_one_on_real_text():
    from tests.conftest import SAMPLE

    lines = SAMPLE.read_text(encoding="utf-8").splitlines() + [
        "A B C d",
        " S N S に",
        "Ｐ Ｒ 活動 〜 ～",
        "ガ ギ ヴ ヵ",
    ]
    for line in lines:
        for keep_spaces in (False, True):
            assert normalize(line, keep_spaces) == normalize_with_map(line, keep_spaces)[0], line
