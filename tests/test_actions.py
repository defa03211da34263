"""Finding follow-up actions in remarks (bot.core.actions), on sentences written for these tests."""

from __future__ import annotations

import datetime

import pytest

from bot.core.actions import (
    RemarkText,
    default_action_cues,
    find_actions,
    load_action_cues,
    organisation_of,
    remark_action,
)
from bot.core.speakers import default_alias_table

OCTOBER = datetime.date(2025, 10, 8)  # fiscal 2025: April 2025 – March 2026
FEBRUARY = datetime.date(2025, 2, 13)  # fiscal 2024: April 2024 – March 2025
NEXT_MEETING = datetime.date(2026, 2, 20)


def action(text: str, speaker: str = "増毛町長", on: datetime.date = OCTOBER, next_meeting=NEXT_MEETING, cues=None):
    remark = RemarkText(7, speaker, text)
    return remark_action(remark, on, next_meeting, default_alias_table(), cues or default_action_cues())


@pytest.mark.parametrize(
    "text, kind, owner",
    [
        ("今後、町内の全小学校でプログラミング教室を開催します。", "commitment", "増毛町"),
        ("移住相談の窓口を開設してまいりたい。", "commitment", "増毛町"),
        ("新たな補助制度を創設することとした。", "commitment", "増毛町"),
        ("町外の学生向けに、インターンシップの受入れを検討していきたい。", "commitment", "増毛町"),
        ("空き家の改修費を助成する予定です。", "commitment", "増毛町"),
        ("空き店舗については、実証事業を実施したいと考えているところです。", "commitment", "増毛町"),
        ("保育料の減免を拡充する方針である。", "commitment", "増毛町"),
        ("隣の町と一緒に、合同の就職説明会を秋に開く。", "commitment", "増毛町"),  # a partner helps: still ours
        ("来月、町民向けの説明会を行いたい。", "commitment", "増毛町"),  # the act is the object of 行う
        ("来年度から除雪体制を強化する。", "commitment", "増毛町"),  # an outcome with a time
        ("高齢者が利用しやすい交通手段の導入について、来年度から検討していきたい。", "commitment", "増毛町"),
        ("来年度から実施できればと考えている。", "commitment", "増毛町"),
        ("来月、説明会の開催を予定している。", "commitment", "増毛町"),
        ("町としては、来年度に向けて検討することとなった。", "commitment", "増毛町"),
        ("国に制度の見直しを求めていく。", "request", "国"),
        ("道に働きかけていきたい。", "request", "北海道"),
        ("国にご検討いただければと思う。", "request", "国"),
        ("国には、地方交付税の算定の見直しをお願いしたい。", "request", "国"),
        ("北海道に対して、医師派遣の継続を要望していく。", "request", "北海道"),
        ("除雪体制の強化について、開建にご検討をお願いしたい。", "request", "留萌開発建設部"),
        ("道や国には、財政支援の拡充をお願い申し上げます。", "request", "北海道"),  # the first body asked
        ("振興局のご協力をいただきたい。", "request", "留萌振興局"),
        ("教育庁には、教員の加配に力を入れていただきたい。", "request", "北海道"),
        ("各市町村には、空き家の情報の取りまとめをお願いしたい。", "request", "管内市町村"),
        ("事務局には、次回までに資料をまとめていただきたい。", "request", "事務局"),
        ("管内市町村で一緒に、広域観光のパンフレットを作成したい。", "joint", "管内市町村"),
        ("事務局を通じて、各町の移住施策を共有していきたい。", "joint", "事務局"),
        ("管内の市町村が連携して、広域の観光ルートを作りたい。", "joint", "管内市町村"),
        ("鳥獣被害の対策については、管内市町村、振興局とも一緒に考えていかなければならない。", "joint", "管内市町村"),
    ],
)
def test_actions_and_their_owners(text: str, kind: str, owner: str):
    found = action(text)
    assert found is not None and (found.kind, found.owner) == (kind, owner)


@pytest.mark.parametrize(
    "text",
    [
        "昨年度、移住者向けのガイドブックを作成した。",  # done
        "移住体験住宅の整備を検討している。",  # under way
        "現在、来年度の実施に向けて準備を進めているところです。",
        "地域の担い手の確保が必要だ。",  # a need
        "人口減少は深刻であり、何とかしなければならないと思っている。",  # an opinion
        "広域での連携が欠かせないのではないか。",
        "ご要望があれば、職員を派遣したい。",  # a conditional offer
        "空き家バンクの登録物件を増やすための取組を進めていきたい。",  # a goal, not an act
        "観光振興に積極的に取り組んでまいりたいと考えております。",
        "地域の皆様と連携しながら、人材の確保に努めてまいります。",
        "子育て支援の充実を図ってまいりたい。",
        "町の負担を軽くしたい。",
        "地域全体の課題であり、協力していきたい。",  # goodwill
        "事業者の皆さんには、制度を積極的に活用していただきたい。",  # asks nobody named
        "皆様のご理解とご配慮を賜りたい。",
        "来月から路線バスが減便される予定。",  # brought about by others
        "来年度から新しい制度が始まる。",
        "町の将来を担うのは若い世代だという考えだ。",
        "これより本日の会議を開会いたします。",  # done here and now
        "ただ今から、令和7年度第2回の会議を開催する。",
        "お手元の資料について、事務局からご紹介する。",  # the dictionary form with no time: not a promise
        "事務局を通じて配布された資料は、昨年度に取りまとめたところ。",  # a joint act, reported
        "市町村間で連携を取っていく必要がある。",  # a group, but no act together
        "管内市町村で一緒に取り組むことが大切だ。",  # a group, but no act named
        "観光の取組を行っていきたい。",
        "地域の人材を確保していきたい。",  # an outcome with no time: a goal
        "情報発信に力を入れていきたい。",
        "制度の動向については、引き続き注視していきたい。",
        "今後もしっかりと対応してまいりたい。",
    ],
)
def test_not_actions(text: str):
    assert action(text) is None


@pytest.mark.parametrize(
    "text, on, due, words",
    [
        ("年内に町民アンケートを実施する。", OCTOBER, "2025-12-31", "年内に"),
        ("本年度中に移住相談窓口を開設する。", OCTOBER, "2026-03-31", "本年度中に"),
        ("本年度中に移住相談窓口を開設する。", FEBRUARY, "2025-03-31", "本年度中に"),
        ("3月末までに計画案を取りまとめたい。", OCTOBER, "2026-03-31", "3月末までに"),
        ("9月末までに計画案を取りまとめたい。", OCTOBER, "2026-09-30", "9月末までに"),
        ("来年度から保育料を無償化します。", OCTOBER, "2026-04-01", "来年度から"),
        ("来年度から保育料を無償化します。", FEBRUARY, "2025-04-01", "来年度から"),
        ("来年度は、保育料を無償化します。", OCTOBER, "2026-04-01", "来年度"),
        ("来年度以降も交流会を続けていきたい。", OCTOBER, "2026-04-01", "来年度以降"),
        ("来年度に向けてPR活動を展開するため、国の補助金を活用していきたい。", OCTOBER, "2026-04-01", "来年度に向けて"),
        ("来月から相談窓口を開設する。", OCTOBER, "2025-11-01", "来月から"),
        ("来月、説明会を開く。", datetime.date(2025, 12, 3), "2026-01-01", "来月"),
        ("次回会議までに調査の結果を報告する。", OCTOBER, "2026-02-20", "次回会議までに"),
        ("次の会議までに、結果をお示ししたい。", OCTOBER, "2026-02-20", "次の会議までに"),
        ("今月中に要綱を定める。", OCTOBER, "2025-10-31", "今月中に"),
        ("来年度中に基本設計をまとめる。", OCTOBER, "2027-03-31", "来年度中に"),
        ("来月末までに基本設計をまとめる。", datetime.date(2025, 12, 3), "2026-01-31", "来月末までに"),
        ("令和7年度中に基本計画を策定する。", OCTOBER, "2026-03-31", "令和7年度中に"),
        ("令和8年度から子ども食堂への補助を始めたい。", OCTOBER, "2026-04-01", "令和8年度から"),
        ("秋までにデマンドタクシーの実証運行を始めたい。", FEBRUARY, None, "秋までに"),  # no rule gives a date
        ("給食費の無償化を続け、高齢者の送迎も始めたい。", OCTOBER, None, None),
        ("今年度から始めた相談会を、来年度は町内全域に広げたい。", OCTOBER, "2026-04-01", "来年度"),
    ],
)
def test_due_dates_count_from_the_meeting_and_the_fiscal_year(text, on, due, words):
    found = action(text, on=on)
    assert found is not None
    assert (found.due.isoformat() if found.due else None, found.due_words) == (due, words)


def test_next_meeting_unknown_until_its_minutes_arrive():
    found = action("次回会議までに調査の結果を報告する。", next_meeting=None)
    assert found is not None and found.due is None and found.due_words == "次回会議までに"


def test_time_words_of_a_report_before_the_action_are_not_its_due_date():
    found = action("今年度から給食費を無償化しており、あわせて、乗合タクシーの実証運行を秋までに始めたい。")
    assert found is not None and (found.due, found.due_words) == (None, "秋までに")


def test_the_first_action_of_a_remark_is_reported_and_earlier_reports_do_not_cancel_it():
    text = (
        "昨年度は相談会を2回開催したところ。フェリー航路の維持に向けた支援を国や道にお願いしたい。"
        "町としても、来年度から運賃の助成を広げたい。"
    )
    found = action(text)
    assert found is not None
    assert (found.kind, found.owner, found.due, found.due_words) == ("request", "国", None, None)
    assert found.sentence == "フェリー航路の維持に向けた支援を国や道にお願いしたい。"


def test_owner_of_a_commitment_is_the_speakers_organisation():
    table = default_alias_table()
    assert organisation_of("苫前町長", table) == "苫前町"
    assert organisation_of("留萌商工会議所 会頭", table) == "留萌商工会議所"
    assert organisation_of("留萌振興局 局長", table) == "留萌振興局"
    assert organisation_of("どこかの協議会 会長", table) == "どこかの協議会"  # not in the table: as written
    assert action("来月から相談窓口を開設する。", speaker="留萌観光連盟 会長").owner == "留萌観光連盟"


def test_find_actions_keeps_remark_order_and_ids():
    remarks = [
        RemarkText(1, "羽幌町長", "観光客は回復してきている。"),
        RemarkText(2, "羽幌町長", "年内に台湾のバイヤーを招いた商談会を開催する。"),
        RemarkText(3, "天塩町長", "管内市町村で一緒に、救急のガイドブックを作成していきたい。"),
    ]
    found = find_actions(remarks, OCTOBER, None, default_alias_table(), default_action_cues())
    assert [(a.remark_id, a.kind, a.owner) for a in found] == [(2, "commitment", "羽幌町"), (3, "joint", "管内市町村")]


def test_the_bodies_asked_come_from_the_data_file():
    text = "港湾の整備について、港湾事務所に要望していく。"
    assert action(text) is None
    data = default_action_cues_text() + '\n[[body]]\nowner = "港湾事務所"\nnames = ["港湾事務所"]\n'
    found = action(text, cues=load_action_cues(data))
    assert found is not None and (found.kind, found.owner) == ("request", "港湾事務所")


def default_action_cues_text() -> str:
    from importlib import resources

    return resources.files("bot.data").joinpath("actions.toml").read_text(encoding="utf-8")
