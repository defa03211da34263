"""Words the glossary lacks, read through the real JMdict (jamdict-data) and checked against an archive."""

import subprocess
import sys

import pytest

from bot.answers import answer_question
from bot.core.lexicon import Lexicon
from bot.core.text import normalize
from bot.core.topics import concepts_in, expand_topics, load_glossary
from bot.ingest import ingest_minutes
from storage import search_index
from storage.jmdict import default_jmdict
from tests.archive_minutes import minutes

EMPTY = load_glossary("")
# An archive of remarks written for these tests, normalised as stored.
ARCHIVE = [
    normalize(text)
    for text in [
        "地元企業の人材確保に向けて、奨学金返還支援事業を実施している。",
        "管内の電算協議会のように、システムを共同で調達している。",
        "外国人との共生社会をつくる。",
        "学費を全額支援している。",
        "第3期総合戦略を策定した。",
    ]
]


def archive_lexicon(archive=ARCHIVE):
    return Lexicon(default_jmdict(), lambda terms: {t for t in terms if any(t in text for text in archive)})


def topics(text, archive=ARCHIVE):
    return expand_topics(text, EMPTY, archive_lexicon(archive))


def test_romaji_words_next_to_each_other_make_the_compound_the_archive_has():
    [group] = topics("jinzai kakuho")
    assert group.terms["人材確保"] == 1.0
    assert 0 < group.terms["人材"] < 1.0 and 0 < group.terms["確保"] < 1.0


def test_romaji_with_long_vowels_left_out_is_read():
    [group] = topics("shogakukin")
    assert "奨学金" in group.terms


def test_romaji_compound_of_three_words():
    [group] = topics("shogakukin henkan shien")
    assert group.terms["奨学金返還支援"] == 1.0


def test_romaji_grammar_and_frame_words_are_not_topics():
    groups = topics("shogakukin wo shiteiru no wa dare")
    assert [g.label for g in groups] == ["shogakukin"]
    assert topics("hatsugen") == []  # 発言: a word of the question's frame


def test_english_word_outside_the_glossary_from_the_dictionary():
    [group] = topics("tuition")
    assert "学費" in group.terms and group.terms["tuition"] == 1.0


def test_english_words_make_a_compound_the_archive_has():
    [group] = topics("computer council")
    assert group.terms["電算協議会"] == 1.0


def test_dictionary_terms_the_archive_lacks_are_left_out():
    [group] = topics("tuition", archive=[normalize("除雪の話")])
    assert group.terms == {"tuition": 1.0} and group.known


def test_dictionary_terms_count_only_as_whole_words():
    [group] = topics("fighting")
    assert "合戦" in group.terms and "合戦" in group.whole_words  # in 総合戦略, which is not a fight


def test_a_word_nobody_knows_is_marked_unknown():
    [group] = topics("xyzzyq")
    assert not group.known


def test_without_a_lexicon_latin_words_are_kept_as_written():
    [group] = expand_topics("jinzai", EMPTY)
    assert group.terms == {"jinzai": 1.0} and group.known


@pytest.mark.parametrize("question", ["did anyone bring up tuition", "can you tell me how many talked about tuition"])
def test_english_function_words_are_not_topics(question):
    assert [g.label for g in topics(question)] == ["tuition"]


def test_present_terms_asks_the_search_index(sample_session):
    found = search_index.present_terms(sample_session, ["奨学金", "電算協議会", "存在しない語"])
    assert found == {"奨学金", "電算協議会"}


def test_topics_in_own_words_over_the_sample(sample_session, table, glossary):
    cases = {"who mentioned the computer council": "電算協議会", "denshi shinsei": "電子申請", "Mynavi": "マイナビ"}
    first = {q: answer_question(sample_session, q, table, glossary).results[:1] for q in cases}
    assert {q: bool(r) and cases[q] in r[0].text for q, r in first.items()} == dict.fromkeys(cases, True)


@pytest.mark.parametrize(
    "question, says",
    [
        ("what did the Tomamae mayor say about xyzzyq", "I don't know the word “xyzzyq”"),
        ("苫前町長はxyzzyqについて何と言った", "「xyzzyq」という言葉が分かりませんでした"),
    ],
)
def test_an_unknown_word_is_said_to_be_unknown(sample_session, table, glossary, question, says):
    answer = answer_question(sample_session, question, table, glossary)
    assert answer.results == [] and says in answer.message
    assert "said nothing" not in answer.message


@pytest.mark.parametrize("question", ["ウニ", "増毛町長はイカについて何と言った", "タコの話は出ましたか"])
def test_short_kana_words_find_nothing_inside_other_words(sample_session, table, glossary, question):
    assert answer_question(sample_session, question, table, glossary).results == []


def test_concepts_in_ranks_by_remarks_then_mentions_then_order():
    glossary = load_glossary(
        """
        [[concept]]
        id = "a"
        ja = ["除雪"]
        [[concept]]
        id = "b"
        ja = ["観光"]
        [[concept]]
        id = "c"
        ja = ["漁業"]
        """
    )
    texts = [normalize(t) for t in ["観光と除雪", "除雪と漁業、漁業", "観光"]]
    assert [c.id for c in concepts_in(texts, glossary)] == ["b", "a", "c"]


def test_concepts_in_is_the_same_whatever_the_hash_seed(glossary):
    program = (
        "from bot.core.topics import concepts_in, default_glossary\n"
        "from bot.core.text import normalize\n"
        "texts = [normalize(t) for t in ['奨学金と人材確保と観光、除雪と外国人材', '移住、関係人口、交流人口、DX']]\n"
        "print([c.id for c in concepts_in(texts, default_glossary())])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_a_name_no_dictionary_has_is_found_as_katakana_in_the_archive():
    [group] = topics("Mynavi", archive=[normalize("マイナビアプリを活用している")])
    assert group.terms == {"mynavi": 1.0, "まいなび": 1.0}


def test_a_japanese_word_sudachi_lacks_is_unknown_unless_the_archive_has_it():
    [group] = topics("ウニョラ")
    assert not group.known
    [group] = topics("ウニョラ", archive=[normalize("ウニョラの話")])
    assert group.known
    [group] = topics("天売")  # a place Sudachi knows, though the archive does not name it
    assert group.known


def test_romaji_names_of_places_through_the_names_dictionary():
    [group] = topics("teuri", archive=[normalize("天売島・焼尻島の観光")])
    assert group.terms == {"teuri": 1.0, "天売": 1.0}


def test_words_written_in_hiragana_alone_are_not_dictionary_terms():
    reading = archive_lexicon().read("after")  # から, たら: grammar, found in any sentence
    assert reading.english and not any(term in ("から", "たら", "ったら") for term in reading.english)


def test_a_japanese_word_the_archive_lacks_brings_its_synonyms_that_it_has():
    archive = [normalize("漁業者の高齢化が進んでいる")]
    [group] = topics("漁師", archive=archive)
    assert group.terms["漁師"] == 1.0 and 0 < group.terms["漁業者"] < 1.0 and "漁業者" in group.whole_words
    [group] = topics("漁業者", archive=archive)  # said as the minutes say it: nothing added
    assert group.terms == {"漁業者": 1.0}


def test_only_nouns_bring_synonyms():
    [group] = topics("儲かる", archive=[normalize("収支が合う")])
    assert set(group.terms) == {"儲かる"}


@pytest.mark.parametrize(
    "word, japanese",
    [
        ("bears", "熊"),  # "bear (any mammal of family Ursidae)": a gloss with a qualifier
        ("Olympics", "オリンピック"),  # a proper noun, capitalised in the dictionary
    ],
)
def test_english_words_are_looked_up_as_the_dictionary_writes_them(word, japanese):
    assert normalize(japanese) in archive_lexicon().read(word.lower()).english


def test_a_plural_noun_is_not_read_as_a_verb():
    assert "担う" not in archive_lexicon().read("bears").english  # to bear


def test_an_adjective_is_looked_up_by_its_noun():
    from bot.core.lexicon import _gloss_forms

    assert "absence" in _gloss_forms("absent") and "importance" in _gloss_forms("important")
    assert not any(form.endswith("ce") for form in _gloss_forms("rent"))  # too short to be one


def test_what_the_archive_has_is_asked_again_once_minutes_arrive(session, table, glossary):
    # A romaji word's readings found absent are known absent only until the archive changes: new minutes, or
    # minutes of the newest meeting replaced by as many remarks (which SQLite gives the same ids).
    def said(remarks: dict[str, list[str]], day: int) -> None:
        text = minutes(
            "令和7年度留萌地域づくり連携会議 開催概要",
            f"令和7年（2025年）10月{day}日（水）14:00～16:00",
            "留萌市",
            "各市町村長",
            ["意見交換"],
            remarks,
        )
        ingest_minutes(session, text.encode(), f"rumoi-2025-10-{day:02}.txt", table)

    said({"苫前町長": ["除雪の体制を見直したい。"]}, 1)
    assert answer_question(session, "shougakukin", table, glossary).results == []
    said({"苫前町長": ["除雪と奨学金の体制を見直したい。"]}, 1)
    assert [r.speaker for r in answer_question(session, "shougakukin", table, glossary).results] == ["苫前町長"]
    said({"羽幌町長": ["奨学金の返還を町で支援している。"]}, 2)
    found = answer_question(session, "shougakukin", table, glossary).results
    assert sorted(r.speaker for r in found) == ["羽幌町長", "苫前町長"]
