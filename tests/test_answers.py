"""Answers over the real sample minutes in a real SQLite database."""

import datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.answers import MAX_QUESTION_LENGTH, AskFilters, answer_question
from bot.core.speakers import default_alias_table
from bot.ingest import ingest_minutes
from storage import queries
from storage.engine import database_url, get_engine
from tests.archive_minutes import MEETINGS
from tests.conftest import BACKENDS, SAMPLE, new_database

D = datetime.date


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
def test_speaker_and_topic_gives_that_speakers_best_remark_first(
    sample_session, table, glossary, question, speaker, phrase
):
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


# --- An archive of several meetings -------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def archive_url(request, tmp_path_factory):
    url = new_database(request, request.param, tmp_path_factory.mktemp("archive"))
    with Session(get_engine(database_url(url, Path(".")))) as session:
        for name, text in MEETINGS.items():
            ingest_minutes(session, text.encode(), name, default_alias_table())
    return url


@pytest.fixture
def archive(archive_url):
    with Session(get_engine(database_url(archive_url, Path(".")))) as session:
        yield session


def dates_of(answer):
    return [r.meeting_date.isoformat() for r in answer.results]


def test_a_date_keeps_to_its_meetings(archive, table, glossary):
    last = ask(archive, table, glossary, "what did the Tomamae mayor say at the last meeting")
    assert dates_of(last) == ["2026-06-10"] * 2 and {r.speaker for r in last.results} == {"苫前町長"}
    assert last.results[0].text.startswith("洋上風力")  # in order within the meeting
    before_last = ask(archive, table, glossary, "前々回の会議で苫前町長は何と言った")
    assert dates_of(before_last) == ["2025-02-20"] * 2
    snow = ask(archive, table, glossary, "who talked about snow removal in 2023")
    assert set(dates_of(snow)) == {"2023-11-02"} and {r.speaker for r in snow.results} == {"苫前町長", "初山別村長"}
    fiscal = ask(archive, table, glossary, "令和6年度の会議で事業承継について話したのは誰")
    assert [r.speaker for r in fiscal.results] == ["留萌商工会議所 会頭"]
    since = ask(archive, table, glossary, "who talked about business succession since 2025")
    assert dates_of(since) == ["2025-02-20"]


def test_a_date_with_no_meeting_says_so_and_lists_the_meetings(archive, table, glossary):
    answer = ask(archive, table, glossary, "what did the mayors say about snow removal in March 2024")
    assert answer.results == []
    assert "March 2024" in answer.message and "2026-06-10, 2025-02-20, 2023-11-02" in answer.message
    japanese = ask(archive, table, glossary, "2024年の会議での発言を見せて")
    assert japanese.results == [] and "2024年" in japanese.message and "会議はありません" in japanese.message


def test_a_speakers_remarks_come_newest_meeting_first_in_order_within_each(archive, table, glossary):
    answer = ask(archive, table, glossary, "苫前町長の発言")
    assert dates_of(answer) == ["2026-06-10", "2026-06-10", "2025-02-20", "2025-02-20", "2023-11-02"]
    assert answer.results[0].text.startswith("洋上風力") and answer.results[2].text.startswith("診療所")


def test_over_time_lists_by_meeting_and_equal_matches_prefer_newer(archive, table, glossary):
    over_time = ask(archive, table, glossary, "how have the Tomamae mayor's remarks on snow removal changed over time")
    assert dates_of(over_time) == ["2026-06-10", "2025-02-20", "2023-11-02"]
    oldest = ask(archive, table, glossary, "苫前町長の除雪についての発言を古い順に")
    assert dates_of(oldest) == ["2023-11-02", "2025-02-20", "2026-06-10"]
    ranked = ask(archive, table, glossary, "who talked about offshore wind")
    assert dates_of(ranked) == ["2026-06-10", "2026-06-10"]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("where was the last meeting held", "天塩町社会福祉会館"),
        ("前回の会議はいつでしたか", "2026-06-10"),
        ("when was the meeting before last?", "2025-02-20"),
        ("2025年2月の会議の議題は何でしたか", "地域医療の現状について"),
        ("what time did the February 2025 meeting start", "13:30"),
        ("who attended the 2023 meeting", "留萌金融協会会長"),
        ("いちばん古い会議は？", "2023-11-02"),
        ("how many meetings have there been", "3 meeting(s)"),
        ("what happened at the meeting on 2025-02-20", "地域医療の現状について"),
        ("令和八年六月の会議の場所は", "天塩町社会福祉会館"),
    ],
)
def test_meeting_facts_come_from_the_stored_meeting(archive, table, glossary, question, expected):
    answer = ask(archive, table, glossary, question)
    assert answer.results == [] and expected in answer.message
    described = answer.to_json(0.0)["meetings"]
    assert described and set(described[0]) >= {"id", "title", "date", "place", "agenda", "attendees"}


def test_meeting_facts_are_read_again_when_the_minutes_change(session, table, glossary):
    ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, table)
    assert "1階大ホール" in ask(session, table, glossary, "where was the last meeting held").message
    edited = SAMPLE.read_text(encoding="utf-8").replace("1階大ホール", "2階会議室")
    assert ingest_minutes(session, edited.encode(), SAMPLE.name, table).status == "replaced"
    answer = ask(session, table, glossary, "where was the last meeting held")
    assert "2階会議室" in answer.message and answer.to_json(0.0)["meetings"][0]["place"].endswith("2階会議室")


def test_meeting_facts_without_a_date_describe_every_meeting(archive, table, glossary):
    answer = ask(archive, table, glossary, "where was the meeting held")
    assert [m["place"] for m in answer.to_json(0.0)["meetings"]] == [
        "天塩町社会福祉会館",
        "羽幌町中央公民館",
        "留萌市文化センター 2階会議室",
    ]


@pytest.mark.parametrize(
    "question, speakers",
    [
        (
            "what did the chamber of commerce and the finance association say about business succession",
            {"留萌商工会議所 会頭", "留萌金融協会 会長"},
        ),
        ("苫前町長と遠別町長の洋上風力についての発言", {"苫前町長", "遠別町長"}),
        ("the mayors on offshore wind", {"苫前町長", "遠別町長"}),
        ("町長たちは洋上風力について何と言った", {"苫前町長", "遠別町長"}),
        ("what did the village head say about doctors", {"初山別村長"}),
        ("村長の除雪に関する発言", {"初山別村長"}),
        ("what did everyone say about business succession", {"留萌商工会議所 会頭", "留萌金融協会 会長"}),
    ],
)
def test_several_speakers_and_groups(archive, table, glossary, question, speakers):
    answer = ask(archive, table, glossary, question)
    assert {r.speaker for r in answer.results} == speakers, answer.message


def test_every_understood_speaker_is_in_the_json(archive, table, glossary):
    answer = ask(archive, table, glossary, "市長と村長の発言")
    speaker = answer.to_json(0.0)["speaker"]
    assert speaker["labels"] == ["初山別村長"]  # no 市長 spoke in this archive: the group names nobody
    both = ask(archive, table, glossary, "Tomamae and Enbetsu mayors on offshore wind").to_json(0.0)["speaker"]
    assert both["labels"] == ["苫前町長", "遠別町長"] and both["label"] == "苫前町長" and len(both["ids"]) == 2


def test_an_unknown_place_before_a_group_word_is_an_unknown_speaker(archive, table, glossary):
    answer = ask(archive, table, glossary, "what did the Sapporo mayor say about snow removal")
    assert answer.results == [] and "sapporo mayor" in answer.message


@pytest.mark.parametrize("question", ["hello", "ありがとうございます", "what can you do?", ""])
def test_greetings_and_help_name_the_council_and_its_meetings(archive, table, glossary, question):
    answer = ask(archive, table, glossary, question)
    assert answer.results == [] and "留萌地域づくり連携会議" in answer.message and "2026-06-10" in answer.message


def test_filters_beside_the_question_narrow_it(archive, table, glossary):
    meetings = {m["date"]: m["id"] for m in ask(archive, table, glossary, "how many meetings").to_json(0.0)["meetings"]}
    by_meeting = answer_question(archive, "除雪", table, glossary, AskFilters(meeting_id=meetings["2025-02-20"]))
    assert dates_of(by_meeting) == ["2025-02-20"]
    bounded = answer_question(archive, "除雪", table, glossary, AskFilters(since=D(2024, 1, 1), until=D(2025, 12, 31)))
    assert dates_of(bounded) == ["2025-02-20"]
    speaker = answer_question(archive, "除雪", table, glossary, AskFilters(speaker="Shosanbetsu"))
    assert [r.speaker for r in speaker.results] == ["初山別村長"]


def test_an_answer_bounded_by_the_newest_remark_stays_the_same_when_minutes_arrive(session, table, glossary):
    first, *rest = MEETINGS.items()
    ingest_minutes(session, first[1].encode(), first[0], table)
    bound = AskFilters(newest_remark_id=queries.newest_remark_id(session))
    before = answer_question(session, "苫前町長の発言", table, glossary, bound)
    for name, text in rest:
        ingest_minutes(session, text.encode(), name, table)
    after = answer_question(session, "苫前町長の発言", table, glossary, bound)
    assert [r.remark_id for r in after.results] == [r.remark_id for r in before.results]
    assert len(answer_question(session, "苫前町長の発言", table, glossary).results) == 5


def test_two_letters_off_a_seven_letter_name_is_not_that_name(sample_session, table, glossary):
    # kensetsu (建設) is two edits from enbetsu (遠別): not a typo of it.
    understood = ask(sample_session, table, glossary, "kensetsu kyokai no hatsugen").understanding.speaker
    assert understood is None or "遠別町長" not in [s.label for s in understood.speakers]
    assert ask(sample_session, table, glossary, "Enbetu mayor").results[0].speaker == "遠別町長"
