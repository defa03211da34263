"""Speakers and organisations linked to members, the review of a meeting's proposals claimed once however many
replicas ask, tracking a proposal (owners, due date, the default reminders) and `mine` with linked organisations."""

from __future__ import annotations

import datetime

import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.speakers import default_alias_table
from bot.ingest import ingest_minutes
from bot.services.followups import Edit, FollowupService, default_schedule
from storage import followups as store
from tests.conftest import SAMPLE
from tests.fake_slack import FakeSlack
from tests.followups.conftest import TZ, jst

MINUTES = """令和7年度 南留萌まちづくり懇談会

1 実施日時

令和8年（2026年）2月3日（火）14:00～15:30

2 意見交換の主なコメント

<小平町長>

- 空き家を活用したお試し住宅を来年度から整備する。

<羽幌町長>

- 若い世代が集まる交流拠点の開設に向けて準備していきたい。
""".encode()
NOW = jst(2026, 2, 5, 12, 0)


@pytest.fixture
def meeting_id(engine) -> int:
    with Session(engine) as session:
        return ingest_minutes(session, MINUTES, "kondankai.txt", default_alias_table()).meeting_id


def service(engine, now: datetime.datetime = NOW) -> FollowupService:
    return FollowupService(engine, TZ, FixedClock(now))


def test_links_are_added_once_listed_by_name_and_removed(engine) -> None:
    followups = service(engine)
    assert followups.link("小平町", ["U2", "U1", "U2"]) == ["U2", "U1"]
    assert followups.link("小平町", ["U1", "U3"]) == ["U2", "U1", "U3"]
    assert followups.link("羽幌町長", ["U4"]) == ["U4"]
    assert followups.links() == {"小平町": ["U2", "U1", "U3"], "羽幌町長": ["U4"]}
    assert followups.unlink("小平町", ["U1"]) == ["U2", "U3"]
    assert followups.unlink("小平町") == []
    assert followups.links() == {"羽幌町長": ["U4"]}


def test_two_replicas_importing_one_meeting_send_one_review(engine, meeting_id: int) -> None:
    service(engine).link("小平町", ["U7"])
    first, second = service(engine).review(meeting_id, "UADMIN"), service(engine).review(meeting_id, "UADMIN")
    assert second is None and first is not None
    assert first.meeting_title == "令和7年度 南留萌まちづくり懇談会" and first.meeting_date == datetime.date(2026, 2, 3)
    by_owner = {p.suggestion.owner: p for p in first.proposals}
    assert set(by_owner) == {"小平町", "羽幌町"}
    assert by_owner["小平町"].members == ("U7",) and by_owner["小平町"].suggestion.due == datetime.date(2026, 4, 1)
    assert by_owner["羽幌町"].members == () and by_owner["羽幌町"].suggestion.due is None
    assert service(engine).review(meeting_id + 1000, "UADMIN") is None  # no such meeting


def test_the_default_reminders_are_a_week_before_and_on_the_day_or_monthly() -> None:
    due = datetime.date(2026, 4, 1)

    assert [w.at for w in default_schedule(due, NOW, TZ)] == [jst(2026, 3, 25, 9, 0), jst(2026, 4, 1, 9, 0)]
    assert [w.at for w in default_schedule(due, jst(2026, 3, 28, 8, 0), TZ)] == [jst(2026, 4, 1, 9, 0)]
    assert default_schedule(due, jst(2026, 4, 1, 9, 0), TZ) == []
    [monthly] = default_schedule(None, NOW, TZ)
    assert monthly.at == jst(2026, 3, 1, 9, 0) and monthly.recurrence and monthly.recurrence.month_day == 1


def test_tracking_a_proposal_gives_it_to_the_linked_members_once(engine, meeting_id: int) -> None:
    followups = service(engine)
    followups.link("羽幌町長", ["U5"])  # a speaker linked, its organisation not
    proposals = {p.suggestion.owner: p for p in followups.review(meeting_id, "UADMIN").proposals}

    tracked = followups.track(proposals["羽幌町"], "UADMIN", "C1")
    assert tracked.followup.owners == ["U5"] and tracked.followup.due_at is None
    assert tracked.reminder is not None and tracked.reminder.at == jst(2026, 3, 1, 9, 0)
    assert followups.track(proposals["羽幌町"], "UADMIN", "C1").followup.id == tracked.followup.id

    edited = followups.track(
        proposals["小平町"], "UADMIN", "C2", Edit("お試し住宅の整備計画をまとめる", (), datetime.date(2026, 5, 1), None)
    )
    assert edited.followup.owners == ["UADMIN"] and edited.followup.title == "お試し住宅の整備計画をまとめる"
    with Session(engine) as session:
        rules = store.rules_of(session, edited.followup.id or 0)
    assert [r.next_fire_at for r in rules] == [jst(2026, 4, 24, 9, 0), jst(2026, 5, 1, 9, 0)]

    # Linked to 小平町 after it was tracked: the member finds it among theirs.
    assert [row.followup.id for row in followups.find("mine", "U6")] == []
    followups.link("小平町", ["U6"])
    assert [row.followup.id for row in followups.find("mine", "U6")] == [edited.followup.id]
    again = followups.proposal(meeting_id, proposals["小平町"].suggestion.remark_id)
    assert again is not None and again.suggestion == proposals["小平町"].suggestion and again.members == ("U6",)
    assert followups.proposal(meeting_id, 10**6) is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_minutes_ingested_on_the_command_line_are_reviewed_in_the_secretariat_channel(cli, db_url, monkeypatch):
    fake = FakeSlack()
    try:
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        monkeypatch.setenv("BOT_SECRETARIAT_CHANNEL", "C0SECRETARIAT")
        status, out, err = cli(["ingest", str(SAMPLE)], db_url)
        assert status == 0 and "sent for review to C0SECRETARIAT" in out, err
        [review] = fake.recorded("chat.postMessage")
        assert review.body["channel"] == "C0SECRETARIAT" and "follow-ups found in" in review.body["text"]
        assert cli(["ingest", str(SAMPLE)], db_url)[0] == 0  # unchanged: no second review
        assert len(fake.recorded("chat.postMessage")) == 1
    finally:
        fake.close()
