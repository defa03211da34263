import pytest

from bot.core.topics import expand_topics, load_glossary, stem

GLOSSARY = load_glossary(
    """
    [[concept]]
    id = "foreign_workers"
    en = ["foreign workers", "foreigners"]
    ja = ["外国人", "外国人材", "技能実習生"]
    [[concept]]
    id = "work_experience"
    en = ["work experience", "internship"]
    ja = ["職場体験", "体験"]
    [[concept]]
    id = "work"
    en = ["work", "job"]
    ja = ["仕事"]
    [[concept]]
    id = "children"
    en = ["children", "child", "kids"]
    ja = ["子ども", "子供", "こども"]
    """
)


def topics(text):
    return expand_topics(text, GLOSSARY)


@pytest.mark.parametrize(
    "a, b", [("workers", "worker"), ("changing", "change"), ("companies", "company"), ("schools", "school")]
)
def test_stem_brings_forms_together(a, b):
    assert stem(a) == stem(b)


def test_english_names_find_japanese_terms():
    [group] = topics("foreign workers")
    assert group.concept.id == "foreign_workers"
    assert {"外国人", "外国人材", "技能実習生"} <= set(group.terms)


def test_longest_phrase_wins():
    groups = topics("work experience for students")
    assert [g.concept.id if g.concept else g.label for g in groups] == ["work_experience", "students"]


def test_typo_in_a_longer_english_name_is_tolerated():
    [group] = topics("foriegn workers")
    assert group.concept.id == "foreign_workers"


def test_stopwords_are_not_topics():
    assert topics("the of about") == []


def test_japanese_term_brings_its_synonyms_at_a_lower_weight():
    [group] = topics("子ども")
    assert group.terms["子ども"] == 1.0
    assert 0 < group.terms["子供"] < 1.0


def test_katakana_and_hiragana_meet():
    [group] = topics("コドモ")
    assert group.concept.id == "children"


def test_japanese_words_outside_the_glossary_become_their_own_groups():
    groups = topics("新規就農 若い人の条件")
    labels = [g.label for g in groups]
    assert "新規就農" in labels and "条件" in labels
    new_farmers = groups[labels.index("新規就農")]
    assert new_farmers.terms["新規就農"] == 1.0 and new_farmers.terms.get("就農", 0) < 1.0


def test_english_word_outside_the_glossary_is_kept_as_written():
    [group] = topics("IoT")
    assert group.concept is None and group.terms == {"iot": 1.0}


def test_grammar_words_are_not_topics():
    assert [g.label for g in topics("人材について")] == ["人材"]
    assert [g.label for g in topics("若い人の条件を話した")] == ["若い人", "条件"]
    assert topics("全部見せて") == []  # 留萌市長の発言を全部見せて: a request, not a topic


def test_parts_of_a_compound_are_found_at_a_lower_weight():
    [group] = topics("電子申請システム導入企業人")
    assert group.label == "電子申請システム導入企業人"
    assert group.terms["電子申請しすてむ導入企業人"] == 1.0
    assert group.terms["しすてむ"] < 1.0 and group.terms["企業"] < 1.0


def test_long_compound_word_matches_its_parts():
    [group] = expand_topics("外国人労働者", load_glossary(""))
    assert group.terms["外国人労働者"] == 1.0
    assert 0 < group.terms["外国人"] < 1.0 and 0 < group.terms["労働者"] < 1.0
