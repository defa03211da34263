"""The time grammar: every expression the issue names, in Asia/Tokyo, and the refusals."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.when import Recurrence, WhenError, describe, parse_duration, parse_when

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # a Wednesday


def jst(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 15:00", jst(2026, 12, 1, 15, 0)),
        ("2026-12-01T15:00", jst(2026, 12, 1, 15, 0)),
        ("2026-12-01T15:00:30", jst(2026, 12, 1, 15, 0, 30)),
        ("2026-12-01", jst(2026, 12, 1, 9, 0)),
        ("tomorrow 9am", jst(2026, 11, 26, 9, 0)),
        ("tomorrow at 3:30pm", jst(2026, 11, 26, 15, 30)),
        ("in 3 days", jst(2026, 11, 28, 9, 0)),
        ("in 2 weeks", jst(2026, 12, 9, 9, 0)),
        ("in 2 hours", jst(2026, 11, 25, 12, 0)),
        ("next Monday", jst(2026, 11, 30, 9, 0)),
        ("Friday 3pm", jst(2026, 11, 27, 15, 0)),
        ("Dec 1", jst(2026, 12, 1, 9, 0)),
        ("December 1st 15:00", jst(2026, 12, 1, 15, 0)),
        ("Nov 1", jst(2027, 11, 1, 9, 0)),  # this year's has gone by
        ("1 Dec 2026", jst(2026, 12, 1, 9, 0)),
        ("明日 9時", jst(2026, 11, 26, 9, 0)),
        ("明日の午後3時", jst(2026, 11, 26, 15, 0)),
        ("明後日", jst(2026, 11, 27, 9, 0)),
        ("3日後", jst(2026, 11, 28, 9, 0)),
        ("2時間後", jst(2026, 11, 25, 12, 0)),
        ("来週月曜", jst(2026, 11, 30, 9, 0)),
        ("来週の水曜日 10時半", jst(2026, 12, 2, 10, 30)),
        ("今週金曜 15時", jst(2026, 11, 27, 15, 0)),
        ("12月1日 15時", jst(2026, 12, 1, 15, 0)),
        ("12月1日", jst(2026, 12, 1, 9, 0)),
        ("2026年12月1日 9時30分", jst(2026, 12, 1, 9, 30)),
        ("午後3時", jst(2026, 11, 25, 15, 0)),
        ("１２月１日　１５時", jst(2026, 12, 1, 15, 0)),  # full-width
        ("明日 9時に", jst(2026, 11, 26, 9, 0)),
    ],
)
def test_one_off_times(text: str, expected: datetime.datetime):
    when = parse_when(text, NOW, TZ)
    assert when.recurrence is None
    assert when.at == expected and when.at.utcoffset() == datetime.timedelta(hours=9)


@pytest.mark.parametrize(
    ("text", "recurrence", "first"),
    [
        ("every Monday 9:00", Recurrence("weekly", datetime.time(9), (0,)), jst(2026, 11, 30, 9, 0)),
        ("every mon and thu at 9", Recurrence("weekly", datetime.time(9), (0, 3)), jst(2026, 11, 26, 9, 0)),
        ("weekdays 8:30", Recurrence("weekdays", datetime.time(8, 30)), jst(2026, 11, 26, 8, 30)),
        ("every day at noon", Recurrence("daily", datetime.time(12)), jst(2026, 11, 25, 12, 0)),
        ("every month on the 1st", Recurrence("monthly", datetime.time(9), month_day=1), jst(2026, 12, 1, 9, 0)),
        ("毎週月曜 9時", Recurrence("weekly", datetime.time(9), (0,)), jst(2026, 11, 30, 9, 0)),
        ("毎週月曜日と木曜日 9時半", Recurrence("weekly", datetime.time(9, 30), (0, 3)), jst(2026, 11, 26, 9, 30)),
        ("毎週日曜", Recurrence("weekly", datetime.time(9), (6,)), jst(2026, 11, 29, 9, 0)),
        ("毎月1日", Recurrence("monthly", datetime.time(9), month_day=1), jst(2026, 12, 1, 9, 0)),
        ("毎日 18時", Recurrence("daily", datetime.time(18)), jst(2026, 11, 25, 18, 0)),
        ("平日 8時30分", Recurrence("weekdays", datetime.time(8, 30)), jst(2026, 11, 26, 8, 30)),
    ],
)
def test_recurrences(text: str, recurrence: Recurrence, first: datetime.datetime):
    when = parse_when(text, NOW, TZ)
    assert when.recurrence == recurrence and when.at == first


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "昨日",
        "2020-01-01",
        "10時",
        "9am",
        "blah",
        "25:00",
        "13pm",
        "every fortnight",
        "2026-02-30",
        "毎月32日",
        "12/1",
        "next blursday",
        "in a while",
    ],
)
def test_refusals_come_with_examples(text: str):
    with pytest.raises(WhenError) as refused:
        parse_when(text, NOW, TZ)
    message = str(refused.value)
    assert "tomorrow 9am" in message and "明日 9時" in message


def test_past_times_are_refused_not_moved():
    with pytest.raises(WhenError, match="in the past"):
        parse_when("今日 9時", NOW, TZ)


def test_monthly_on_the_31st_fires_on_the_last_day_of_short_months():
    rule = Recurrence("monthly", datetime.time(9), month_day=31)
    assert rule.next_after(jst(2027, 2, 1), TZ) == jst(2027, 2, 28, 9, 0)
    assert rule.next_after(jst(2027, 2, 28, 9, 0), TZ) == jst(2027, 3, 31, 9, 0)


def test_weekday_rules_skip_the_weekend():
    rule = Recurrence("weekdays", datetime.time(8, 30))
    assert rule.next_after(jst(2026, 11, 27, 9, 0), TZ) == jst(2026, 11, 30, 8, 30)  # Fri after → Mon


def test_recurrences_keep_wall_time_across_a_dst_change():
    new_york = ZoneInfo("America/New_York")
    rule = Recurrence("daily", datetime.time(9))
    before = rule.next_after(datetime.datetime(2026, 3, 6, 12, tzinfo=new_york), new_york)
    after = rule.next_after(before, new_york)
    assert (before.hour, after.hour) == (9, 9)
    assert after.astimezone(datetime.UTC) - before.astimezone(datetime.UTC) == datetime.timedelta(hours=23)


def test_echo_in_english_and_japanese():
    when = parse_when("2026-12-01", NOW, TZ)
    assert describe(when, "en", TZ) == "2026-12-01 (Tue) 09:00 JST"
    assert describe(when, "ja", TZ) == "2026年12月1日(火) 9:00"
    weekly = parse_when("毎週月曜 9時", NOW, TZ)
    assert describe(weekly, "en", TZ) == "every Monday at 09:00 JST (first 2026-11-30 (Mon) 09:00 JST)"
    assert describe(weekly, "ja", TZ) == "毎週月曜 9:00(初回 2026年11月30日(月) 9:00)"


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("1d", datetime.timedelta(days=1)),
        ("1 week", datetime.timedelta(weeks=1)),
        ("2h", datetime.timedelta(hours=2)),
        ("30 minutes", datetime.timedelta(minutes=30)),
        ("3日", datetime.timedelta(days=3)),
        ("1週間", datetime.timedelta(weeks=1)),
        ("2時間", datetime.timedelta(hours=2)),
    ],
)
def test_durations(text: str, delta: datetime.timedelta):
    assert parse_duration(text) == delta


def test_a_bad_duration_is_refused():
    with pytest.raises(WhenError):
        parse_duration("soon")
