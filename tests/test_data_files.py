"""The curated data files the secretariat edits: they load, and they keep the rules their headers state."""

from collections import Counter

from bot.core.text import normalize
from bot.core.topics import stem_phrase


def test_the_glossary_has_the_concepts_regional_councils_discuss(glossary):
    assert len(glossary.concepts) >= 80
    assert len({c.id for c in glossary.concepts}) == len(glossary.concepts)
    topics = {c.id for c in glossary.concepts if c.kind == "topic"}
    for needed in ("foreign_workers", "population_decline", "scholarships", "snow_removal", "business_succession"):
        assert needed in topics, needed


def test_no_glossary_term_is_a_single_character_and_no_english_name_is_in_two_concepts(glossary):
    for concept in glossary.concepts:
        assert concept.en and concept.ja, concept.id
        assert all(len(normalize(term)) >= 2 for term in concept.ja), concept.id
    names = Counter(name for concept in glossary.concepts for name in set(map(stem_phrase, concept.en)))
    assert [name for name, count in names.items() if count > 1] == []


def test_the_alias_table_covers_the_eight_municipalities_and_the_councils_organisations(table):
    written = {normalize(name) for entity in table.entities for name in entity.ja}
    for place in ("留萌市", "増毛町", "小平町", "苫前町", "羽幌町", "初山別村", "遠別町", "天塩町"):
        assert place in written
    for organisation in (
        "留萌商工会議所",
        "留萌観光連盟",
        "るもい農業協同組合",
        "留萌管内商工会連合会",
        "留萌金融協会",
        "留萌建設協会",
        "留萌開発建設部",
        "留萌教育局",
        "留萌振興局",
    ):
        assert organisation in written
    obira = table.entity_of("小平町")
    assert "Obira" in obira.latin and "おびら" in obira.kana  # not the dictionaries' こだいら
