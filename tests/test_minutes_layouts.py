"""The common layouts of Japanese minutes, each in minutes written here for the purpose, and what is not speech."""

import datetime

import pytest

from bot.core.minutes import MinutesError, parse_minutes


def turns(text: str) -> list[tuple[str, str]]:
    return [(remark.speaker, remark.text) for remark in parse_minutes(text).remarks]


def dropped(text: str) -> list[tuple[str, str]]:
    return [(line.reason, line.text) for line in parse_minutes(text).dropped]


CLASSIC = """\
　　　　　　　　　　総務常任委員会会議録
　　　　　　　　　　　　　　　　　　　　　令和6年6月12日(水)
○委員長（伊藤成一君）　これより総務常任委員会を開会いたします。
　本日の議題は、お手元の日程のとおりです。
（拍手）
◎総務課長（山本次郎君）　それでは、条例改正の概要を御説明いたします。
　第1条は、名称の変更であります。
●議長(鈴木三郎君) 議長として一言申し上げます。
○２番（佐藤君）　２点お伺いします。
◇・・・・・・・・・・・・◇
会期の決定
○委員長（伊藤成一君）　会期は本日1日といたします。
（休憩中）
"""


def test_classic_inline_style():
    assert turns(CLASSIC) == [
        ("委員長（伊藤成一君）", "これより総務常任委員会を開会いたします。本日の議題は、お手元の日程のとおりです。"),
        ("総務課長（山本次郎君）", "それでは、条例改正の概要を御説明いたします。第1条は、名称の変更であります。"),
        ("議長(鈴木三郎君)", "議長として一言申し上げます。"),
        ("２番（佐藤君）", "２点お伺いします。"),
        ("委員長（伊藤成一君）", "会期は本日1日といたします。"),
    ]
    minutes = parse_minutes(CLASSIC)
    assert (minutes.title, minutes.date) == ("総務常任委員会会議録", datetime.date(2024, 6, 12))
    assert dropped(CLASSIC) == [
        ("stage note", "（拍手）"),
        ("separator", "◇・・・・・・・・・・・・◇"),
        ("agenda heading", "会期の決定"),
        ("stage note", "（休憩中）"),
    ]


COLON = (
    "審議会 審議結果\n開催日時 令和5年7月3日(月曜日)10時00分から12時00分まで\n\n"
    " 山田部会長:人口はどのくらい減るのでしょうか。\n\n 佐藤教授：毎年5万人ほど減少すると思われます。\n"
    "問：補助金の申請はいつまでですか。\n答：9月末までです。\n委員:奥村隆一、関谷昇\n"
)


def test_colon_labels_and_question_and_answer():
    text = COLON
    assert turns(text)[:4] == [
        ("山田部会長", "人口はどのくらい減るのでしょうか。"),
        ("佐藤教授", "毎年5万人ほど減少すると思われます。"),
        ("問", "補助金の申請はいつまでですか。"),
        ("答", "9月末までです。"),
    ]
    assert parse_minutes(text).start_time == datetime.time(10, 0)


LABELS_ALONE = "\n".join(
    [
        "第3回 まちづくり懇話会",
        "開催日時",
        "令和元年7月30日(火曜日)午後1時30分から3時30分",
        "事務局",
        "河北室長、赤松主査、鈴木主事",  # a label line above names: not a turn
        "【意見交換】",
        "(会長)",
        "この計画は5年間で見直すことになる。",
        "",
        "(委員)",
        "点数の基準は独自に作成した。",
        "会長代理",
        "",
        "本日はよろしくお願いしたい。",
        "議長(尾田善靖君)",
        "以上で終わります。",
    ]
)


def test_labels_alone_on_a_line_and_bracketed_headings_anywhere():
    text = LABELS_ALONE
    assert turns(text) == [
        ("会長", "この計画は5年間で見直すことになる。"),
        ("委員", "点数の基準は独自に作成した。"),
        ("会長代理", "本日はよろしくお願いしたい。"),
        ("議長(尾田善靖君)", "以上で終わります。"),
    ]
    minutes = parse_minutes(text)
    assert (minutes.date, minutes.start_time, minutes.end_time) == (
        datetime.date(2019, 7, 30),
        datetime.time(13, 30),
        datetime.time(15, 30),
    )


def test_flattened_page_is_split_at_turns_with_lost_marks():
    text = (
        "    令和5年 第2回定例会(第3号) 本文 2023年09月09日 議長山田太郎君) 皆様、おはようございます。  "
        "定足数に達しておりますので、会議は成立します。                (異議なしの声) "
        "議長山田太郎君) 発言を許します。3番。 3番(川口一郎君) 告知の方法を教えていただきたい。 "
        "議長山田太郎君) 総務課長総務課長田中 実君) 掲示場に掲示して公表しております。\n"
    )
    assert turns(text) == [
        ("議長(山田太郎君)", "皆様、おはようございます。"),
        ("議長(山田太郎君)", "定足数に達しておりますので、会議は成立します。"),
        ("議長(山田太郎君)", "発言を許します。3番。"),
        ("3番(川口一郎君)", "告知の方法を教えていただきたい。"),
        ("議長(山田太郎君)", "総務課長"),  # the chair's call
        ("総務課長(田中 実君)", "掲示場に掲示して公表しております。"),
    ]
    assert parse_minutes(text).date == datetime.date(2023, 9, 9)


def test_flattened_pdf_table_with_unmarked_labels():
    text = (
        "会 議 名 第1回 庁舎整備審議会 開 催 日 時 平成 27 年1月 26 日(月) 午後 1 時 00 分~午後 4 時 45 分 "
        "事 務 局 梶市長、横田部長 発 言 者 事務局(中) ただいまから、審議会を開会させていただきます。本日 "
        "はお忙しい中ありがとうございます。 <委嘱状交付> 事務局(中) それでは、梶市長よりごあいさつ申し上げます。 "
        "梶市長 本日はご出席いただきありがとうございました。\n"
    )
    assert [speaker for speaker, _ in turns(text)] == ["事務局(中)", "事務局(中)", "梶市長"]
    assert parse_minutes(text).start_time == datetime.time(13, 0)


def test_html_table_cells_and_reported_turns():
    text = "\n".join(
        [
            "令和2年度第2回人権会議 会議録",
            "1 日時 |",
            "令和3年1月26日(火曜日) 午後6時30分から午後8時10分まで |",
            "4 欠席者 | なし |",
            "7 会議概要 | |",
            "2.議題 -資料に基づき事務局より説明- (事務局)調査案について、全体的な感想をお伺いしたい。 "
            "(委員)問題量が多いとは私は思わなかった。" + "横浜の調査と比べた。" * 10,
            "",
            "(1)今年度の進め方について",
            "-資料1に基づき、事務局から説明-",
            "  • 今年度の議題は昨年度と同様である。",
            "  • 条例等の検証を引き続き議題としている。",
        ]
    )
    assert [speaker for speaker, _ in turns(text)] == ["事務局", "委員", "事務局", "事務局"]
    assert turns(text)[2] == ("事務局", "今年度の議題は昨年度と同様である。")
    assert parse_minutes(text).date == datetime.date(2021, 1, 26)


PDF_RESIDUE = "\n".join(
    [
        "会",
        "議",
        "録",
        "招集年月日",
        "令和6年1月12日(金)",
        "事務局長",
        "小 澤 美 知 弥",
        "開",
        "会",
        "会",
        "長",
        "定刻になったことを確認し、定足数に達してい",
        "るとして、開会すると宣言した。",
        "挨",
        "拶",
        "議",
        "長",
        "あけましておめでとうございます。",
        "- 2 -",
        "\f本年もよろしくお願いします。",
    ]
)


def test_pdf_residue_one_character_per_line_and_page_furniture():
    text = PDF_RESIDUE
    minutes = parse_minutes(text)
    assert minutes.title == "会議録"
    assert turns(text) == [
        ("会長", "定刻になったことを確認し、定足数に達しているとして、開会すると宣言した。"),
        ("議長", "あけましておめでとうございます。"),
        ("議長", "本年もよろしくお願いします。"),
    ]
    assert ("agenda heading", "挨拶") in dropped(text) and ("page number", "- 2 -") in dropped(text)


def test_repeated_page_headers_and_footers_are_dropped():
    page = ["第5回審議会 会議録", "<委員長>", "- 発言その{n}。", "3/{n}"]
    text = "\f".join("\n".join(line.replace("{n}", str(n)) for line in page) for n in range(1, 4))
    assert turns(text) == [("委員長", f"発言その{n}。") for n in range(1, 4)]


@pytest.mark.parametrize(
    "heading",
    ["○ 議事における主な意見要旨", "○出 席 者", "○ |", "【意見交換】", "<委嘱状交付>", "(13:29)", "（了）", "○日　時"],
)
def test_headings_and_notes_are_not_speakers(heading):
    text = "\n".join(["会議", "<市長>", "- 賛成です。", heading, "<町長>", "- 反対です。"])
    assert turns(text) == [("市長", "賛成です。"), ("町長", "反対です。")]
    assert [line for _, line in dropped(text)] == [heading.removesuffix(" |")]  # a table cell's bar goes first


def test_a_file_without_any_date_is_read_without_one():
    minutes = parse_minutes("都市計画部\n第5回 審議会\n事務局\n前回の審議会において審議していただいた。\n")
    assert (minutes.title, minutes.date) == ("都市計画部 第5回 審議会", None)
    assert turns("事務局\n前回の審議会において審議していただいた。\n") == [
        ("事務局", "前回の審議会において審議していただいた。")
    ]


@pytest.mark.parametrize("label", ["長" * 200, "\u3000", "|", "・", "議長、本日は"])
def test_odd_labels_are_no_speakers(label):
    text = f"会議\n<{label}>\n- 発言。\n<市長>\n- 賛成です。\n"
    assert turns(text) == [("市長", "賛成です。")]
    with pytest.raises(MinutesError, match="no speakers found"):
        parse_minutes(f"会議\n<{label}>\n- 発言。\n")


def test_header_label_and_value_lines():
    text = "\n".join(
        [
            "議会運営委員会会議録",
            "",
            "開催年月日",
            "",
            "令和5年10月2日(月曜日)",
            "",
            "開会時間",
            "",
            "午前10時00分",
            "",
            "閉会時間",
            "",
            "午前11時52分",
            "",
            "開 催 場 所",
            "",
            "議会 協議会室1",
            "",
            "付議案件",
            "",
            "  1. 定例会の運営について",
            "  2. 議会改革について",
            "",
            "出席並びに欠席委員",
            "",
            "出席7名 欠席0名",
            "",
            "会議の経過",
            "",
            "委員長(守屋一郎君)",
            "",
            "おはようございます。ただいまより開会いたします。",
        ]
    )
    minutes = parse_minutes(text)
    assert (minutes.date, minutes.start_time, minutes.end_time) == (
        datetime.date(2023, 10, 2),
        datetime.time(10, 0),
        datetime.time(11, 52),
    )
    assert (minutes.place, minutes.agenda) == ("議会 協議会室1", ("1. 定例会の運営について", "2. 議会改革について"))
    assert turns(text) == [("委員長(守屋一郎君)", "おはようございます。ただいまより開会いたします。")]
    assert ("header line that is no field kept", "出席7名 欠席0名") in dropped(text)


@pytest.mark.parametrize(
    ("header", "date"),
    [
        ("○日　時\n令和7年10月8日（水）", datetime.date(2025, 10, 8)),
        ("日 時：2024年3月1日 13:00～", datetime.date(2024, 3, 1)),
        ("第 10 回 農 業 委 員 会 議 事 録   令和元年12月19日(木)", datetime.date(2019, 12, 19)),
        ("1 日時 |\n平成30年3月20日(火曜日) |", datetime.date(2018, 3, 20)),
    ],
)
def test_header_dates_in_any_form(header, date):
    assert parse_minutes(f"{header}\n\n<会長>\n- 発言です。\n").date == date


def test_spaced_title_is_closed_up():
    minutes = parse_minutes("第 10 回 農 業 委 員 会 議 事 録   令和元年12月19日(木)\n<会長>\n- 発言です。\n")
    assert minutes.title == "第10回農業委員会議事録"


def test_summaries_labelled_by_name_and_numbered_questions():
    text = (
        "懇談会 記録\n令和6年5月1日\n佐藤：まちづくりについて意見を述べたい。\n（田中）私は反対です。\n"
        "○鈴木　賛成します。\nＱ１：補助金はいつまでですか。\nＡ１：9月末までです。\nＱ２：対象は誰ですか。\n"
    )
    assert turns(text) == [
        ("佐藤", "まちづくりについて意見を述べたい。"),
        ("田中", "私は反対です。"),
        ("鈴木", "賛成します。"),
        ("Ｑ", "補助金はいつまでですか。"),
        ("Ａ", "9月末までです。"),
        ("Ｑ", "対象は誰ですか。"),
    ]


def test_repeated_headers_without_form_feeds_are_dropped_after_the_title():
    page = ["令和6年第1回定例会 会議録 {n}", "<委員長>", "- 発言その{n}。"]
    text = "\n".join(line.replace("{n}", str(n)) for n in range(1, 4) for line in page)
    minutes = parse_minutes(text)
    assert minutes.title == "令和6年第1回定例会 会議録 1"
    assert turns(text) == [("委員長", f"発言その{n}。") for n in range(1, 4)]
    assert [reason for reason, _ in dropped(text)] == ["page header or footer"] * 2
