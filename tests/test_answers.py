"""Answers over the real sample minutes in a real SQLite database."""

import pytest

from bot.answers import MAX_QUESTION_LENGTH, answer_question


def ask(session, table, glossary, question):
    return answer_question(session, question, table, glossary)


@pytest.mark.parametrize(
    "question, speaker, phrase",
    [
        ("what did 苫前町長 say about foreign workers", "苫前町長", "外国人技能実習生"),
        ("Tomamai mayor foreign workers", "苫前町長", "外国人"),  # typo in the place name
        ("the mayor of Tomamae on hiring town staff", "苫前町長", "町職員"),
        ("増毛町長は副業について何と言った", "増毛町長", "副業"),
        ("Teshio mayor influencers", "天塩町長", "インフルエンサー"),
        ("what did the Haboro mayor say about generative AI", "羽幌町長", "生成AI"),
        ("JA Rumoi Mynavi app", "るもい農業協同組合 組合長", "マイナビ"),
        ("Enbetsu mayor trainees dialogue", "遠別町長", "直接対話"),
        ("初山別村長 交付税", "初山別村長", "交付税"),
        ("とままえ 外国人", "苫前町長", "外国人"),
        ("rumoi shicho shogakukin", "留萌市長", "奨学金"),  # romaji topic words, long vowels left out
        ("tomamae chocho gaikokujin", "苫前町長", "外国人"),
    ],
)
def test_speaker_and_topic_gives_that_speakers_best_remark_first(sample_session, table, glossary, question, speaker, phrase):
    answer = ask(sample_session, table, glossary, question)
    assert answer.results, answer.message
    assert answer.results[0].speaker == speaker
    assert phrase in answer.results[0].text
    assert {r.speaker for r in answer.results} == {speaker}


def test_speaker_only_gives_all_their_remarks_in_order(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "show me everything the construction association said")
    assert [r.speaker for r in answer.results] == ["留萌建設協会 会長"] * 3
    assert answer.results[0].text.startswith("建設業への入職促進")
    assert answer.results[2].text.startswith("建設業は、地域に不可欠")


def test_topic_only_ranks_across_speakers(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "who talked about scholarships")
    assert {r.speaker for r in answer.results} == {"留萌市長", "るもい農業協同組合 組合長", "留萌建設協会 会長"}
    assert all("奨学金" in r.text for r in answer.results)


def test_japanese_question_is_answered_in_japanese(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "除雪について話したのは誰")
    assert answer.language == "ja"
    assert answer.results[0].speaker == "留萌管内商工会連合会 会長"


def test_unknown_speaker_gives_no_results_and_names_the_closest(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "what did 札幌市長 say")
    assert answer.results == []
    assert "札幌市長" in answer.message and "留萌市長" in answer.message


def test_unknown_speaker_in_bare_keywords_is_not_read_as_a_topic(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "Sapporo mayor tourism")
    assert answer.results == [] and "sapporo mayor" in answer.message


def test_speaker_silent_on_a_topic_gives_no_unrelated_remarks(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "what did the Tomamae mayor say about nuclear power")
    assert answer.results == []
    assert "苫前町長" in answer.message and "nuclear power" in answer.message
    japanese = ask(sample_session, table, glossary, "苫前町長は原発について何と言った")
    assert japanese.results == [] and "見つかりませんでした" in japanese.message


def test_nobody_on_a_topic(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "who talked about space rockets")
    assert answer.results == [] and "space rockets" in answer.message


def test_matched_words_are_marked_in_the_text_as_written(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "who talked about SNS")
    spans = {r.speaker: [r.text[a:b] for a, b in r.highlights] for r in answer.results}
    assert "S N S" in spans["天塩町長"]
    assert "SNS" in spans["留萌建設協会 会長"]


def test_mistyped_japanese_word_still_matches_within_a_speaker(sample_session, table, glossary):
    # 地域プロジェクトマネジャー (no ー) is not in the text as written.
    answer = ask(sample_session, table, glossary, "留萌市長 地域プロジェクトマネジャー")
    assert answer.results and "地域プロジェクトマネージャー" in answer.results[0].text


def test_too_long_question_is_refused(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "外国人" * (MAX_QUESTION_LENGTH // 3 + 1))
    assert answer.results == [] and "長すぎます" in answer.message


def test_empty_question_asks_for_a_speaker_or_topic(sample_session, table, glossary):
    answer = ask(sample_session, table, glossary, "what did")
    assert answer.results == [] and "speaker or a topic" in answer.message
