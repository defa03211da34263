"""Follow-ups proposed from stored minutes: the service, `python -m bot followups …` and `/followup suggest`,
on minutes written for these tests, in real databases."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.core.speakers import default_alias_table
from bot.followups.suggest import all_suggestions, suggestions
from bot.ingest import ingest_minutes
from bot.services.followups import FollowupService
from bot.slack.followup_messages import suggestions_message
from storage import queries
from storage.engine import get_engine

AUTUMN = """令和7年度テスト地域連携会議 開催概要

1 実施日時

令和7年（2025年）10月8日（水）14:00～16:00

2 場所

テスト町公民館

3 主な出席者

各市町村長、留萌振興局長

4 議題

- (1) 意見交換

5 意見交換の主なコメント

<留萌市長>

- 観光客は回復してきており、宿泊客も増えている。
- 次回会議までに、空き店舗の活用状況を取りまとめて報告する。

<羽幌町長>

- フェリー航路の維持に向けた支援の拡充を、国や道にお願いしたい。
- 観光振興に積極的に取り組んでいきたい。

<留萌振興局 局長>

- 皆様のご意見は、振興局で取りまとめたうえで、年内に道の関係部局に伝える。
"""

WINTER = """令和7年度第2回テスト地域連携会議 開催概要

1 実施日時

令和8年（2026年）2月20日（金）13:30～15:30

2 場所

テスト市役所

3 主な出席者

各市町村長

4 議題

- (1) 意見交換

5 意見交換の主なコメント

<留萌市長>

- 前回お約束した空き店舗の活用状況は、資料のとおり取りまとめた。
- 管内市町村で一緒に、移住者向けのガイドブックを作成していきたい。
"""


def ingest(db_url: str, text: str, name: str) -> None:
    with Session(get_engine(db_url)) as session:
        ingest_minutes(session, text.encode("utf-8"), name, default_alias_table())


def test_suggestions_of_a_meeting_with_kind_owner_and_due(db_url: str):
    ingest(db_url, AUTUMN, "autumn.txt")
    with Session(get_engine(db_url)) as session:
        meeting = queries.latest_meeting_titled(session, "")
        found = suggestions(session, meeting.id)
    assert [(s.speaker, s.kind, s.owner, s.due, s.due_words) for s in found] == [
        ("留萌市長", "commitment", "留萌市", None, "次回会議までに"),  # no next meeting in the archive yet
        ("羽幌町長", "request", "国", None, None),
        ("留萌振興局 局長", "commitment", "留萌振興局", meeting.date.replace(month=12, day=31), "年内に"),
    ]
    assert found[0].text.startswith("次回会議までに") and found[0].meeting_title == meeting.title


def test_the_next_meetings_minutes_give_the_date_of_next_time(db_url: str):
    ingest(db_url, AUTUMN, "autumn.txt")
    ingest(db_url, WINTER, "winter.txt")
    with Session(get_engine(db_url)) as session:
        found = all_suggestions(session)
        assert suggestions(session, 999) == []
    first = found[0].to_json()
    assert first["due"] == "2026-02-20" and first["due_words"] == "次回会議までに"
    assert [s.meeting_date.isoformat() for s in found] == ["2025-10-08"] * 3 + ["2026-02-20"]
    assert (found[-1].kind, found[-1].owner) == ("joint", "管内市町村")


def test_suggest_json_is_the_contract(cli, db_url: str):
    ingest(db_url, WINTER, "winter.txt")
    ingest(db_url, AUTUMN, "autumn.txt")
    status, out, err = cli(["followups", "suggest", "--json", "--all"], db_url)
    assert status == 0, err
    found = json.loads(out)["suggestions"]
    assert len(found) == 4
    keys = {"meeting", "remark_id", "speaker", "text", "kind", "owner", "due", "due_words"}
    assert all(set(s) == keys for s in found)
    assert found[0]["meeting"] == {"id": 2, "title": "令和7年度テスト地域連携会議 開催概要", "date": "2025-10-08"}
    assert (found[0]["speaker"], found[0]["due"]) == ("留萌市長", "2026-02-20")
    assert isinstance(found[0]["remark_id"], int)
    latest = json.loads(cli(["followups", "suggest", "--json"], db_url)[1])["suggestions"]
    assert [s["kind"] for s in latest] == ["joint"]
    by_id = json.loads(cli(["followups", "suggest", "--json", "2"], db_url)[1])["suggestions"]
    assert [s["owner"] for s in by_id] == ["留萌市", "国", "留萌振興局"]


def test_suggest_reads_well_and_says_kindly_what_is_missing(cli, db_url: str):
    ingest(db_url, AUTUMN, "autumn.txt")
    status, out, _ = cli(["followups", "suggest"], db_url)
    assert status == 0
    assert "令和7年度テスト地域連携会議 開催概要 (2025-10-08): 3 follow-up(s)" in out
    assert "[request] 羽幌町長 → 国, no due date" in out and "(次回会議までに)" in out
    status, out, err = cli(["followups", "suggest", "7"], db_url)
    assert status == 1 and "no meeting 7" in err and "followups suggest 1" in err and "Traceback" not in err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_add_list_done_cancel_in_plain_text(cli, db_url: str):
    status, out, err = cli(
        ["followups", "add", "アンケート送付", "--owner", "U2", "--due", "2099-12-01", "--channel", "C1"], db_url
    )
    assert status == 0, err
    assert out.startswith("added: #1 アンケート送付 — @U2 — 期限 2099年12月1日") and "[C1]" in out
    cli(["followups", "add", "Book the hall"], db_url)
    status, out, _ = cli(["followups", "list"], db_url)
    assert status == 0 and "#1 アンケート送付" in out and "#2 Book the hall — @cli" in out
    assert cli(["followups", "done", "1"], db_url)[1].startswith("done: #1 アンケート送付")
    assert cli(["followups", "cancel", "2"], db_url)[1].startswith("cancelled: #2 Book the hall")
    assert "already done" in cli(["followups", "done", "1"], db_url)[1]
    status, out, _ = cli(["followups", "list", "all"], db_url)
    assert "done by @cli" in out and "cancelled by @cli" in out
    assert "<@" not in out and "*" not in out
    assert cli(["followups", "list"], db_url)[1] == "No open follow-ups.\n"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_add_and_close_refuse_kindly(cli, db_url: str):
    status, _, err = cli(["followups", "add", "x", "--due", "someday"], db_url)
    assert status == 1 and err.startswith("error: --due someday") and "2026-12-01" in err
    status, _, err = cli(["followups", "done", "42"], db_url)
    assert status == 1 and "no follow-up #42" in err and "followups list all" in err


def test_slack_suggest_shows_the_actions_with_track_buttons(db_url: str):
    ingest(db_url, AUTUMN, "autumn.txt")
    service = FollowupService(get_engine(db_url), ZoneInfo("Asia/Tokyo"))
    reply = suggestions_message(service.suggest("テスト地域"))
    missing = suggestions_message(service.suggest("no such meeting"))
    sections = [b for b in reply["blocks"] if b["type"] == "section"]
    assert len(sections) == 3 and "(3)" in reply["text"]
    assert sections[1]["text"]["text"].startswith("*羽幌町長*: フェリー航路")
    assert all(s["accessory"]["action_id"] == "followup_track" for s in sections)
    assert "No such meeting" in missing["text"]
