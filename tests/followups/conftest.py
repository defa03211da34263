"""Fixtures of the follow-up tests: a fresh database (SQLite and PostgreSQL), the fake Slack and a poster whose
sleeps are recorded."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.when import When
from bot.services.followups import FollowupService
from bot.slack.poster import SlackPoster, make_client
from storage.engine import get_engine
from tests.fake_slack import BOT_TOKEN, FakeSlack

TZ = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def engine(db_url: str):
    return get_engine(db_url)


@pytest.fixture
def slack():
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def poster(slack: FakeSlack, sleeps: list[float]) -> SlackPoster:
    return SlackPoster(make_client(BOT_TOKEN, slack.api_url), sleep=sleeps.append, backoff=0.5)


@pytest.fixture
def add(engine):
    """Create a follow-up in channel C1 by U1, reminded at `remind`."""

    def add(
        title: str = "Send the survey",
        remind: When | None = None,
        *,
        due: When | None = None,
        owners=("U2",),
        channel="C1",
    ):
        added = FollowupService(engine, TZ).add(
            title=title, owners=list(owners), channel_id=channel, created_by="U1", due=due, remind=remind
        )
        return added.followup.id, added.rule_id

    return add
