"""Dates and meetings in questions, resolved against an archive of meetings."""

import datetime

import pytest

from bot.core.dates import MeetingRef, find_dates, select_meetings
from bot.core.text import normalize

D = datetime.date
ARCHIVE = [
    MeetingRef(1, D(2021, 11, 4), "令和3年度北空知広域連携会議"),
    MeetingRef(2, D(2022, 2, 17), "令和3年度第2回北空知広域連携会議"),
    MeetingRef(3, D(2022, 10, 20), "令和4年度第1回北空知広域連携会議"),
    MeetingRef(4, D(2024, 6, 5), "令和6年度第1回北空知広域連携会議"),
]


def picked(question: str, meetings=ARCHIVE) -> list[int] | None:
    mentions, _ = find_dates(normalize(question, keep_spaces=True))
    return [m.id for m in select_meetings(mentions, meetings)] if mentions else None


def rest(question: str) -> str:
    """The question with the date words left out."""
    text = normalize(question, keep_spaces=True)
    _, spans = find_dates(text)
    return " ".join("".join(" " if any(a <= i < b for a, b in spans) else c for i, c in enumerate(text)).split())


@pytest.mark.parametrize(
    "question, ids",
    [
        ("what did they say at the last meeting", [4]),
        ("at the latest meeting", [4]),
        ("in the previous meeting", [4]),
        ("前回の会議で", [4]),
        ("前々回の会議で", [3]),
        ("the meeting before last", [3]),
        ("zenkai no kaigi de", [4]),
        ("the first meeting", [1]),
        ("いちばん古い会議", [1]),
        ("in February 2022", [2]),
        ("in Feb 2022", [2]),
        ("2022年2月の会議", [2]),
        ("令和4年2月の会議", [2]),
        ("令和3年度の会議", [2, 1]),  # April 2021 to March 2022
        ("FY2021", [2, 1]),
        ("in fiscal 2022", [3]),
        ("in 2022", [3, 2]),
        ("the 2022 meeting", [3, 2]),
        ("since 2022", [4, 3, 2]),
        ("2022年以降", [4, 3, 2]),
        ("令和4年から", [4, 3, 2]),
        ("before 2022", [1]),
        ("2022年より前", [1]),
        ("until 2022", [3, 2, 1]),
        ("after 2022", [4]),
        ("the October meeting", [3]),  # the latest October
        ("10月の会議", [3]),
        ("at the November meeting", [1]),
        ("第2回の会議", [2]),
        ("令和3年度第2回", [2]),
        ("令和4年度第2回", []),  # the fiscal year and the number together
        ("令和三年度の会議", [2, 1]),  # numerals in kanji
        ("令和四年十月の会議", [3]),
        ("第二回の会議", [2]),
        ("the second meeting", [2]),  # as the titles number them
        ("2022年10月20日の会議", [3]),
        ("on 2022-10-20", [3]),
        ("the meeting of October 20, 2022", [3]),
        ("20 October 2022", [3]),
        ("on 2022-10-21", []),
        ("in March 2023", []),
        ("2023年の会議での発言", []),
    ],
)
def test_dates_pick_meetings(question, ids):
    assert picked(question) == ids


@pytest.mark.parametrize(
    "question",
    [
        "who talked about snow removal",
        "3000時間の削減",
        "what may happen",
        "1000名が登録",
        "what did the mayor say about March",
        "2025年問題について話したのは誰",
        "令和7年度予算",
        "2050年カーボンニュートラル",
        "zero carbon by 2050",
        "the 2030 targets",
    ],
)
def test_no_date_named(question):
    assert picked(question) is None


@pytest.mark.parametrize(
    "question, left",
    [
        ("the Haboro mayor on the ferry in October 2023", "the haboro mayor on the ferry"),
        ("2023年10月の会議で苫前町長は看板について何と言いましたか", "苫前町長は看板について何と言いましたか"),
        ("遠別町長は2025年10月に事業承継について何と言った", "遠別町長は 事業承継について何と言った"),
        ("令和5年度の会議での観光連盟会長の発言", "観光連盟会長の発言"),
        ("remarks from the meeting held in 2024", "remarks"),
        ("where was the 2023 meeting held", "where was"),
        ("zenkai no kaigi de kensetsu kyokai wa nani wo itta", "kensetsu kyokai wa nani wo itta"),
    ],
)
def test_date_words_are_taken_out_of_the_question(question, left):
    assert rest(question) == left


def test_relative_dates_count_only_dated_meetings_and_an_empty_archive_has_none():
    undated = [MeetingRef(5, None, "日付のない会議"), *ARCHIVE]  # oldest first: undated ones first
    assert picked("the last meeting", undated) == [4]
    assert picked("the meeting before last", ARCHIVE[:1]) == []
    assert picked("the last meeting", []) == []


def test_ordinals_count_from_the_first_meeting_when_no_title_numbers_them():
    plain = [
        MeetingRef(1, D(2020, 5, 1), "総会"),
        MeetingRef(2, D(2021, 5, 1), "総会"),
        MeetingRef(3, D(2022, 5, 1), "総会"),
    ]
    assert picked("the second meeting", plain) == [2]
    assert picked("第3回の会議", plain) == [3]
