import datetime
from collections import Counter
from pathlib import Path

import pytest

from bot.core.documents import decode_text as decode_minutes
from bot.core.minutes import (
    MinutesError,
    ParsedRemark,
    parse_meeting_date,
    parse_minutes,
)


def read_minutes(data: bytes):
    return parse_minutes(decode_minutes(data))


SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "rumoi-2025-10-08.txt"

SAMPLE_SPEAKER_COUNTS = {
    "留萌市長": 3,
    "増毛町長": 3,
    "小平町長": 3,
    "苫前町長": 4,
    "羽幌町長": 3,
    "初山別村長": 3,
    "遠別町長": 3,
    "天塩町長": 3,
    "留萌商工会議所 会頭": 3,
    "留萌観光連盟 会長": 3,
    "るもい農業協同組合 組合長": 3,
    "留萌管内商工会連合会 会長": 3,
    "留萌金融協会 会長": 3,
    "留萌建設協会 会長": 3,
    "留萌開発建設部 部長": 2,
    "留萌教育局 教育局長": 3,
    "留萌振興局 局長": 1,
}


def remarks_doc(*lines: str) -> str:
    """A small minutes file whose remarks section (section 5) starts on line 3."""
    return "\n".join(["テスト会議", "5 意見交換の主なコメント", *lines]) + "\n"


def pairs(text: str) -> list[tuple[str, str]]:
    return [(remark.speaker, remark.text) for remark in parse_minutes(text).remarks]


# --- The real sample ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return read_minutes(SAMPLE.read_bytes())


def test_sample_header(sample):
    assert sample.title == "令和7年度留萌地域づくり連携会議 開催概要"
    assert sample.date == datetime.date(2025, 10, 8)
    assert sample.start_time == datetime.time(14, 0)
    assert sample.end_time == datetime.time(16, 0)
    assert sample.place == "羽幌町立中央公民館 1階大ホール"


def test_sample_attendees_and_agenda(sample):
    assert len(sample.attendees) == 14
    assert sample.attendees[:3] == ("各市町村長", "留萌商工会議所会頭", "留萌観光連盟会長")
    assert sample.attendees[-1] == "留萌振興局長"
    assert sample.agenda == (
        "(1) 留萌地域づくり連携会議等設置規約改定について",
        "(2) 「地域重点政策ユニット」(プロジェクト)の進捗状況について",
        "(3) 「地域重点プロジェクト」における留萌開建の取組状況について",
        "(4) 意見交換 テーマ：未来を担う人材の育成・確保に向けて",
    )


def test_sample_speakers_in_order_with_remark_counts(sample):
    speakers = list(dict.fromkeys(remark.speaker for remark in sample.remarks))
    assert speakers == list(SAMPLE_SPEAKER_COUNTS)
    assert len(speakers) == 17
    assert speakers[0] == "留萌市長" and speakers[-1] == "留萌振興局 局長"
    assert Counter(remark.speaker for remark in sample.remarks) == SAMPLE_SPEAKER_COUNTS
    assert len(sample.remarks) == 49


def test_sample_remark_texts_and_lines(sample):
    assert sample.remarks[0] == ParsedRemark(
        speaker="留萌市長",
        text="管内の基幹産業は一次産業であり、留萌市においては、一次産業の従事者がかなり人手不足になっていることは間違いない。",
        line=28,
    )
    # Starts with digits, yet it is a remark, not a section heading.
    shosanbetsu = next(remark for remark in sample.remarks if remark.speaker == "初山別村長")
    assert shosanbetsu.line == 59
    assert shosanbetsu.text.startswith("2070 年には日本の人口は、外国人を除いておよそ 7700 万人、")
    assert shosanbetsu.text.endswith("事実として受け入れるということが一つ大事だと思う。")
    last = sample.remarks[-1]
    assert (last.speaker, last.line) == ("留萌振興局 局長", 124)
    assert last.text.startswith("未来を担う人材育成・確保、そして人手不足は、本当に深刻な課題だと考えている。")
    assert all("\n" not in remark.text and remark.text == remark.text.strip() for remark in sample.remarks)


def test_sample_parses_the_same_from_cp932_crlf_and_bom(sample):
    text = SAMPLE.read_text(encoding="utf-8")
    assert read_minutes(text.encode("cp932")) == sample
    assert read_minutes(text.replace("\n", "\r\n").encode("utf-8")) == sample
    assert read_minutes(b"\xef\xbb\xbf" + text.encode("utf-8")) == sample
    assert parse_minutes(text) == sample


# --- Speaker headings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "speaker"),
    [
        ("<留萌市長>", "留萌市長"),
        ("＜苫前町長＞", "苫前町長"),
        ("〈小平町長〉", "小平町長"),
        ("【増毛町長】", "増毛町長"),
        ("（羽幌町長）", "羽幌町長"),
        ("(羽幌町長)", "羽幌町長"),
        ("◎天塩町長", "天塩町長"),
        ("○遠別町長", "遠別町長"),
        ("〇初山別村長", "初山別村長"),
        ("  ＜留萌商工会議所\u3000  会頭＞  ", "留萌商工会議所 会頭"),
    ],
)
def test_speaker_heading_styles(heading, speaker):
    minutes = parse_minutes(remarks_doc(heading, "- 人材の確保が課題である。"))
    assert minutes.remarks == (ParsedRemark(speaker, "人材の確保が課題である。", 4),)


@pytest.mark.parametrize(
    ("heading", "speaker", "first_remark"),
    [
        ("◎議長（山田太郎君）\u3000ただいまから会議を開きます。", "議長（山田太郎君）", "ただいまから会議を開きます。"),
        ("○委員「質問があります。」", "委員", "「質問があります。」"),
        ("〇市長\u3000\u3000お答えします。", "市長", "お答えします。"),
    ],
)
def test_marked_heading_with_speech_on_the_same_line(heading, speaker, first_remark):
    minutes = parse_minutes(remarks_doc(heading, "次に、二点目です。"))
    assert minutes.remarks == (
        ParsedRemark(speaker, first_remark, 3),
        ParsedRemark(speaker, "次に、二点目です。", 4),
    )


def test_numbered_parentheses_are_not_speakers():
    text = "\n".join(["会議", "4 議題", "（1）規約改定について", "5 意見交換", "<市長>", "（１）", "- 発言。"])
    minutes = parse_minutes(text)
    assert minutes.agenda == ("（1）規約改定について",)
    assert pairs(text) == [("市長", "発言。")]  # （１） alone numbers nothing said


def test_parenthesised_line_outside_remarks_is_not_a_speaker():
    text = "\n".join(["会議", "（案）", "<市長>", "- 発言。"])
    assert pairs(text) == [("市長", "発言。")]


def test_speaker_without_remarks_is_skipped():
    assert pairs(remarks_doc("<市長>", "", "<町長>", "- 賛成です。")) == [("町長", "賛成です。")]


# --- Bullets and wrapped remarks ------------------------------------------------


@pytest.mark.parametrize("bullet", ["- ", "-", "－", "－\u3000", "・", "･", "●", "•", "*", "＊", "◆", "■", "\u3000・"])
def test_bullet_styles(bullet):
    text = remarks_doc("<市長>", f"{bullet}一つ目の意見", f"{bullet}二つ目の意見")
    assert parse_minutes(text).remarks == (
        ParsedRemark("市長", "一つ目の意見", 4),
        ParsedRemark("市長", "二つ目の意見", 5),
    )


def test_remark_text_is_kept_as_written():
    assert pairs(remarks_doc("＜市長＞", "－ ＡＩを活用し、ＤＸを進める（令和８年度～）。")) == [
        ("市長", "ＡＩを活用し、ＤＸを進める（令和８年度～）。")
    ]


def test_wrapped_bullet_remarks():
    text = remarks_doc(
        "<村長>",
        "- 人口は",
        "2070 年には 8700 万人という見通しである。",  # four digits: never a section heading
        "- 本町では過去",
        "10 年ほど新規就農はない。",  # a sentence, not a section heading, though 10 > 5
        "- インデントされた",
        "\u3000続きの行。",
        "- We need more",
        "  people in Rumoi.",
    )
    assert [remark.text for remark in parse_minutes(text).remarks] == [
        "人口は2070 年には 8700 万人という見通しである。",
        "本町では過去10 年ほど新規就農はない。",
        "インデントされた続きの行。",
        "We need more people in Rumoi.",
    ]
    assert [remark.line for remark in parse_minutes(text).remarks] == [4, 6, 8, 10]


def test_paragraph_remarks_under_marked_heading():
    text = remarks_doc(
        "◎市長（山田太郎君）\u3000お答えいたします。",
        "\u3000まず、人材の確保については、",  # indented: continues
        "奨学金の返還を支援しております。",  # the line before did not end a sentence: continues
        "次に、交通の確保についてです。",  # unindented after a full sentence: new remark
        "以上、",  # likewise
        "",
        "よろしくお願いします。",  # would continue 以上、 but a blank line ends a remark
        "○議長\u3000ほかに質疑はありませんか！",
        "「なし」と呼ぶ者あり。",
    )
    assert parse_minutes(text).remarks == (
        ParsedRemark(
            "市長（山田太郎君）",
            "お答えいたします。まず、人材の確保については、奨学金の返還を支援しております。",
            3,
        ),
        ParsedRemark("市長（山田太郎君）", "次に、交通の確保についてです。", 6),
        ParsedRemark("市長（山田太郎君）", "以上、", 7),
        ParsedRemark("市長（山田太郎君）", "よろしくお願いします。", 9),
        ParsedRemark("議長", "ほかに質疑はありませんか！", 10),
        ParsedRemark("議長", "「なし」と呼ぶ者あり。", 11),
    )


def test_next_section_ends_the_remarks():
    text = remarks_doc("<市長>", "- 発言。", "", "6 その他", "次回は未定。", "7　閉会")
    assert pairs(text) == [("市長", "発言。")]


# --- Sections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_heading", "remarks_heading"),
    [
        ("1 実施日時", "5 意見交換の主なコメント"),
        ("１．日時", "５．主な意見"),
        ("1、 日 時", "2、発言要旨"),
        ("1) 開催日時", "3) 質疑応答"),
        ("1\u3000日時", "2\u3000委員からの発言"),
    ],
)
def test_section_heading_styles(date_heading, remarks_heading):
    # （市長） is a speaker only inside a recognised remarks section.
    text = "\n".join(["会議", date_heading, "令和7年10月8日", remarks_heading, "（市長）", "- 発言。"])
    minutes = parse_minutes(text)
    assert minutes.date == datetime.date(2025, 10, 8)
    assert pairs(text) == [("市長", "発言。")]


def test_section_of_unknown_name_with_speakers_is_read_as_remarks():
    text = "\n".join(
        ["会議", "1 日時", "令和7年10月8日", "2 議事", "事務局から説明があった。", "<市長>", "- 賛成です。"]
    )
    assert pairs(text) == [("市長", "賛成です。")]


def test_minimal_file_without_sections():
    minutes = parse_minutes("会議のメモ\n令和7年10月8日（水）\n\n<市長>\n- 賛成です。\n")
    assert minutes.title == "会議のメモ"
    assert minutes.date == datetime.date(2025, 10, 8)
    assert (minutes.start_time, minutes.end_time, minutes.place) == (None, None, None)
    assert (minutes.attendees, minutes.agenda) == ((), ())
    assert minutes.remarks == (ParsedRemark("市長", "賛成です。", 5),)


def test_no_date_at_all_is_allowed():
    assert parse_minutes(remarks_doc("<市長>", "- 発言。")).date is None


def test_attendees_on_several_lines_and_bullets():
    text = "\n".join(
        ["会議", "3 出席者", "・留萌市長、増毛町長，小平町長", "・苫前町長", "5 意見", "<留萌市長>", "- 発言。"]
    )
    assert parse_minutes(text).attendees == ("留萌市長", "増毛町長", "小平町長", "苫前町長")


# --- Dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年（2025年）10月8日（水）14:00～16:00", ((2025, 10, 8), (14, 0), (16, 0))),
        ("令和7年10月8日", ((2025, 10, 8), None, None)),
        ("令和7年(2025年)10月8日(水) 13:30-15:00", ((2025, 10, 8), (13, 30), (15, 0))),
        ("令和７年（２０２５年）１０月８日（水）１４：００～１６：００", ((2025, 10, 8), (14, 0), (16, 0))),
        ("令和元年5月1日", ((2019, 5, 1), None, None)),
        ("平成31年4月30日（火曜日）", ((2019, 4, 30), None, None)),
        ("平成元年1月8日", ((1989, 1, 8), None, None)),
        ("昭和64年1月7日 10時～12時", ((1989, 1, 7), (10, 0), (12, 0))),
        ("令和 7 年 10 月 8 日 9:05〜9:50", ((2025, 10, 8), (9, 5), (9, 50))),
        ("2025年10月8日 14時00分－16時30分", ((2025, 10, 8), (14, 0), (16, 30))),
        ("2025年（令和7年）10月8日（水）14:00―16:00", ((2025, 10, 8), (14, 0), (16, 0))),
        ("開催日時：令和7年10月8日（水）14：00～", ((2025, 10, 8), (14, 0), None)),
    ],
)
def test_parse_meeting_date(text, expected):
    (year, month, day), start, end = expected
    assert parse_meeting_date(text) == (
        datetime.date(year, month, day),
        datetime.time(*start) if start else None,
        datetime.time(*end) if end else None,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("令和7年（2026年）10月8日", "令和7年 is 2025, but the date also gives the year 2026"),
        ("2024年（令和7年）10月8日", "令和7年 is 2025, but the date also gives the year 2024"),
        ("令和7年2月30日", "there is no such date: 2025-02-30"),
        ("令和7年10月8日 25:00～26:00", "invalid time: 25:00"),
        ("令和0年1月1日", "令和0年 is not a year"),
        ("来週の水曜日", "cannot read the meeting date"),
    ],
)
def test_parse_meeting_date_refuses(text, message):
    with pytest.raises(MinutesError) as caught:
        parse_meeting_date(text)
    assert message in str(caught.value)
    assert caught.value.line is None


@pytest.mark.parametrize(
    ("date_line", "message"),
    [
        ("令和7年（2026年）10月8日（水）", "line 3: 令和7年 is 2025, but the date also gives the year 2026"),
        ("令和7年2月30日", "line 3: there is no such date: 2025-02-30"),
    ],
)
def test_bad_date_in_minutes_names_the_line(date_line, message):
    text = "\n".join(["会議", "1 日時", date_line, "5 意見交換", "<市長>", "- 発言。"])
    with pytest.raises(MinutesError) as caught:
        parse_minutes(text)
    assert str(caught.value).startswith(message)
    assert caught.value.line == 3


def test_undecided_or_missing_date_gives_no_date():
    assert parse_minutes("会議\n1 日時\n未定\n2 意見\n<市長>\n- 発言。\n").date is None
    assert parse_minutes("会議\n1 日時\n\n2 意見\n<市長>\n- 発言。\n").date is None


# --- Encodings ------------------------------------------------------------------

SMALL = "留萌会議\n5 意見交換\n＜留萌市長＞\n- 人材確保が課題である。\n"


@pytest.mark.parametrize(
    "data",
    [
        SMALL.encode("utf-8"),
        b"\xef\xbb\xbf" + SMALL.encode("utf-8"),
        SMALL.encode("cp932"),
        SMALL.encode("shift_jis"),
        SMALL.replace("\n", "\r\n").encode("utf-8"),
        SMALL.replace("\n", "\r").encode("cp932"),
        SMALL.encode("cp932") + b"\x1a",
    ],
    ids=["utf-8", "utf-8-bom", "cp932", "shift_jis", "crlf", "cr", "ctrl-z"],
)
def test_encodings(data):
    assert decode_minutes(data) == SMALL
    minutes = read_minutes(data)
    assert minutes.title == "留萌会議"
    assert minutes.remarks == (ParsedRemark("留萌市長", "人材確保が課題である。", 4),)


# --- Refused input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\t\n", "the file is empty"),
        ("\u3000\n\n".encode("utf-8"), "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (b"\x00\x01\x02PNG\x00", "this is not a text file (binary data)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is not a text file (binary data)"),
        (b"\x01\x02\x03\x04abc", "this is not a text file (binary data)"),
        (b"%PDF-1.7\n\x80\x81\xfd\xfe", "this is not a text file (binary data)"),
    ],
)
def test_decode_refuses(data, message):
    with pytest.raises(MinutesError) as caught:
        read_minutes(data)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "the file is empty", None),
        ("\n \n", "the file is empty", None),
        (
            "会議\n1 日時\n令和7年10月8日\n本日は晴天なり。\n",
            "no speakers found (expected lines like <留萌市長>",
            None,
        ),
        (remarks_doc("<市長>", "", "<町長>"), "no speakers found", None),
    ],
)
def test_parse_refuses(text, message, line):
    with pytest.raises(MinutesError) as caught:
        parse_minutes(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert caught.value.line == line


def test_minutes_error_message_and_line():
    err = MinutesError("remark text before any speaker heading", 12)
    assert (err.message, err.line) == ("remark text before any speaker heading", 12)
    assert str(err) == "line 12: remark text before any speaker heading"
    assert str(MinutesError("the file is empty")) == "the file is empty"
    assert isinstance(err, ValueError)
