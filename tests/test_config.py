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
        ("DATABASE_URL", "mysql://bot:pw@db/remarks", "DATABASE_URL: mysql is not supported: use PostgreSQL (postgresql://…) or SQLite (sqlite:///PATH)"),
        ("DATABASE_URL", "remarks.db", "DATABASE_URL: not a database URL: use postgresql://USER:PASSWORD@HOST/NAME or sqlite:///PATH"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL: an in-memory SQLite database is not supported: name a file, sqlite:///PATH"),
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
    done = subprocess.run([sys.executable, "-m", "bot", "meetings"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: DATABASE_URL: mysql is not supported: use PostgreSQL (postgresql://…) or SQLite (sqlite:///PATH)",
        "error: BOT_TIMEZONE: unknown time zone 'Asia/Tokio' (e.g. Asia/Tokyo)",
    ]
