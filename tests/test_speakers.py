import pytest

from bot.core.speakers import (
    KnownSpeaker,
    SpeakerDirectory,
    load_alias_table,
    resolve_speaker,
    speaker_aliases,
    split_label,
)
from bot.core.text import normalize

SAMPLE_LABELS = [
    "留萌市長",
    "増毛町長",
    "小平町長",
    "苫前町長",
    "羽幌町長",
    "初山別村長",
    "遠別町長",
    "天塩町長",
    "留萌商工会議所 会頭",
    "留萌観光連盟 会長",
    "るもい農業協同組合 組合長",
    "留萌管内商工会連合会 会長",
    "留萌金融協会 会長",
    "留萌建設協会 会長",
    "留萌開発建設部 部長",
    "留萌教育局 教育局長",
    "留萌振興局 局長",
]


def known(labels, table):
    speakers = []
    for i, label in enumerate(labels):
        organisation, role, name = split_label(label, table)
        aliases = speaker_aliases(label, organisation, table, role=role, name=name)
        speakers.append(KnownSpeaker(i, label, role, tuple(aliases)))
    return speakers


@pytest.fixture(scope="module")
def speakers(table):
    return known(SAMPLE_LABELS, table)


def who(question, speakers, table):
    match = resolve_speaker(normalize(question), SpeakerDirectory(speakers), table)
    return [s.label for s in match.speakers] if match else None


@pytest.mark.parametrize(
    "label, organisation, role",
    [
        ("苫前町長", "苫前町", "町長"),
        ("初山別村長", "初山別村", "村長"),
        ("留萌市副市長", "留萌市", "副市長"),
        ("留萌商工会議所 会頭", "留萌商工会議所", "会頭"),
        ("留萌教育局　教育局長", "留萌教育局", "教育局長"),
        ("事務局", "", "事務局"),
    ],
)
def test_split_label(label, organisation, role):
    assert split_label(label) == (organisation, role, "")


@pytest.mark.parametrize(
    "question, label",
    [
        ("苫前町長", "苫前町長"),
        ("苫前", "苫前町長"),
        ("苫前町", "苫前町長"),
        ("とままえ", "苫前町長"),
        ("トママエ", "苫前町長"),
        ("Tomamae", "苫前町長"),
        ("Tomamae mayor", "苫前町長"),
        ("the mayor of Tomamae", "苫前町長"),
        ("Tomamae town chief", "苫前町長"),
        ("Tomamai", "苫前町長"),  # typo
        ("苫前町町長", "苫前町長"),  # doubled 町
        ("Haboru", "羽幌町長"),
        ("Obira mayor", "小平町長"),
        ("Embetsu", "遠別町長"),
        ("Shosanbetsu village head", "初山別村長"),
        ("Teshio", "天塩町長"),
        ("Mashike", "増毛町長"),
        ("the chamber of commerce", "留萌商工会議所 会頭"),
        ("JA Rumoi", "るもい農業協同組合 組合長"),
        ("JAるもい", "るもい農業協同組合 組合長"),
        ("the tourism federation", "留萌観光連盟 会長"),
        ("観光連盟", "留萌観光連盟 会長"),
        ("the construction association", "留萌建設協会 会長"),
        ("the education bureau", "留萌教育局 教育局長"),
        ("the development and construction department", "留萌開発建設部 部長"),
        ("Rumoi Subprefectural Bureau director", "留萌振興局 局長"),
        ("商工会連合会", "留萌管内商工会連合会 会長"),
        ("Rumoi mayor", "留萌市長"),
    ],
)
def test_speaker_by_any_name(question, label, speakers, table):
    assert who(question, speakers, table) == [label]


@pytest.mark.parametrize("question", ["札幌市長", "the mayor of Sapporo", "space rockets"])
def test_unknown_names_match_no_speaker(question, speakers, table):
    assert who(question, speakers, table) is None


def test_longest_name_wins_over_a_shorter_one_inside_it(speakers, table):
    # "Rumoi" alone is the city; "JA Rumoi" is the cooperative.
    assert who("remarks of the JA Rumoi head", speakers, table) == ["るもい農業協同組合 組合長"]


def test_role_tells_apart_two_speakers_of_one_town(table):
    speakers = known(["苫前町長", "苫前町副町長"], table)
    assert who("Tomamae deputy mayor", speakers, table) == ["苫前町副町長"]
    assert who("Tomamae mayor", speakers, table) == ["苫前町長"]
    assert who("苫前町副町長", speakers, table) == ["苫前町副町長"]
    assert sorted(who("Tomamae", speakers, table)) == ["苫前町副町長", "苫前町長"]


def test_speaker_not_in_the_table_works_by_its_label(table):
    speakers = known(["札幌市長", "北海道銀行 頭取"], table)
    assert who("札幌市長", speakers, table) == ["札幌市長"]
    assert who("札幌", speakers, table) == ["札幌市長"]
    assert who("北海道銀行", speakers, table) == ["北海道銀行 頭取"]


def test_alias_table_is_data_that_extends_without_code():
    table = load_alias_table(
        """
        [[entity]]
        ja = ["稚内市", "稚内"]
        kana = ["わっかない"]
        latin = ["Wakkanai"]
        [[role]]
        ja = ["市長"]
        en = ["mayor"]
        """
    )
    speakers = known(["稚内市長"], table)
    assert who("the Wakkanai mayor", speakers, table) == ["稚内市長"]
    assert who("わっかない", speakers, table) == ["稚内市長"]


def test_an_organisation_is_found_by_its_name_in_romaji(table):
    aliases = speaker_aliases("留萌建設協会 会長", "留萌建設協会", table, role="会長")
    assert {"kensetsu kyoukai", "rumoi kensetsu kyoukai"} <= set(aliases)
    directory = SpeakerDirectory([KnownSpeaker(1, "留萌建設協会 会長", "会長", tuple(aliases))])
    assert [span.speaker_ids for span in directory.find_spans("kensetsu kyokai no hatsugen")] == [frozenset({1})]
    assert not any(" " in a for a in speaker_aliases("苫前町長", "苫前町", table) if "machi" in a)  # 町 is not read


def test_a_role_word_beside_a_place_names_that_place_s_speaker_not_every_speaker_of_the_role(table):
    # Council minutes label their mayor 町長 alone: such speakers are known by the role word ("mayor") itself.
    speakers = known(["苫前町長", "遠別町長", "留萌市長", "町長", "市長"], table)
    assert who("Tomamae mayor", speakers, table) == ["苫前町長"]
    assert who("tomamae mayer on foreign workers", speakers, table) == ["苫前町長"]  # the role mistyped
    assert who("the mayor of Enbetsu", speakers, table) == ["遠別町長"]
    assert set(who("what did the mayor say", speakers, table)) == {"苫前町長", "遠別町長", "留萌市長", "町長", "市長"}


@pytest.mark.parametrize("question", ["旭川市長", "Sapporo mayor"])
def test_a_role_word_after_an_unknown_place_names_nobody(question, table):
    speakers = known(["苫前町長", "町長", "市長"], table)
    assert who(question, speakers, table) is None
