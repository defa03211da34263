"""Settings are validated in one place: each wrong value is one line naming its variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, get_settings
from tests.conftest import ROOT


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Settings from a clean environment (no .env file where the test runs)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("BOT_", "SLACK_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("BOT_TIMEZONE", "Asia/Tokio", "BOT_TIMEZONE: unknown time zone 'Asia/Tokio' (e.g. Asia/Tokyo)"),
        (
            "DATABASE_URL",
            "mysql://bot:pw@db/remarks",
            "DATABASE_URL: mysql is not supported: use PostgreSQL (postgresql://…) or SQLite (sqlite:///PATH)",
        ),
        (
            "DATABASE_URL",
            "remarks.db",
            "DATABASE_URL: not a database URL: use postgresql://USER:PASSWORD@HOST/NAME or sqlite:///PATH",
        ),
        (
            "DATABASE_URL",
            "sqlite://",
            "DATABASE_URL: an in-memory SQLite database is not supported: name a file, sqlite:///PATH",
        ),
    ],
)
def test_a_wrong_value_is_one_line_naming_its_variable(environment, variable: str, value: str, problem: str) -> None:
    environment.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        get_settings()
    assert refused.value.problems == [problem]


def test_good_values_are_taken(environment) -> None:
    environment.setenv("DATABASE_URL", "postgres://bot:pw@db/remarks")
    environment.setenv("BOT_TIMEZONE", "Asia/Tokyo")
    assert get_settings().sqlalchemy_url == "postgresql+psycopg://bot:pw@db/remarks"


def test_the_command_line_prints_every_wrong_value_and_no_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SLACK_", "DATABASE_URL"))}
    env |= {"PYTHONPATH": str(ROOT), "BOT_TIMEZONE": "Asia/Tokio", "DATABASE_URL": "mysql://bot:s3cret@db/remarks"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "meetings"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: DATABASE_URL: mysql is not supported: use PostgreSQL (postgresql://…) or SQLite (sqlite:///PATH)",
        "error: BOT_TIMEZONE: unknown time zone 'Asia/Tokio' (e.g. Asia/Tokyo)",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-secret", "SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-"),
        ("SLACK_SIGNING_SECRET", "not-hex!", "SLACK_SIGNING_SECRET is malformed: it is letters and digits only"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is malformed"),
        ("BOT_ADMINS", "U012AB3CD,alice", "BOT_ADMINS is malformed"),
        ("BOT_DIGEST", "every blue moon", "BOT_DIGEST is not a time I understand"),
        ("BOT_DIGEST", "tomorrow 9:00", "BOT_DIGEST must repeat"),
    ],
)
def test_slack_and_digest_settings_are_checked_with_the_others(
    environment, variable: str, value: str, problem: str
) -> None:
    environment.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        get_settings()
    [line] = refused.value.problems
    assert line.startswith(problem) and "secret" not in line and "wrong-kind" not in line


def test_the_digest_is_read_as_a_repetition_or_off(environment) -> None:
    environment.setenv("BOT_DIGEST", "毎週月曜 9時")
    digest = get_settings().digest
    assert digest is not None and digest.weekdays == (0,) and digest.time.hour == 9
    environment.setenv("BOT_DIGEST", "off")
    get_settings.cache_clear()
    assert get_settings().digest is None


@pytest.mark.parametrize(
    ("variables", "mode", "missing"),
    [
        ({}, None, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "socket", "SLACK_APP_TOKEN is not set, and Socket Mode needs it"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "http", "SLACK_SIGNING_SECRET is not set, and HTTP mode needs it"),
    ],
)
def test_what_slack_needs_depends_on_the_mode(
    environment, variables: dict[str, str], mode: str | None, missing: str
) -> None:
    for name, value in variables.items():
        environment.setenv(name, value)
    settings = get_settings()
    with pytest.raises(SettingsError) as refused:
        settings.check_slack(mode)
    assert refused.value.problems[0].startswith(missing)
    environment.setenv("SLACK_APP_TOKEN", "xapp-1")
    environment.setenv("SLACK_SIGNING_SECRET", "abc123")
    get_settings.cache_clear()
    if variables:
        get_settings().check_slack(mode)  # all there: no error
    assert get_settings().slack_mode(None) == "socket" and get_settings().slack_mode("http") == "http"
