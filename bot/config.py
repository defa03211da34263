"""Settings, read and validated in one place from the environment (and a .env file).

Every setting is listed, with its meaning, in deploy/.env.example (a test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.engine import check_url, database_url


class SettingsError(ValueError):
    """Settings that cannot be used: `problems` holds one line per wrong value, naming its variable."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = None
    bot_data_dir: Path = Path("data")
    # Slack: secrets stay SecretStr so that printing the settings never shows them.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    bot_admins: str = ""  # comma-separated Slack user IDs allowed to import minutes
    # Follow-ups: reminders and the digest are in this zone, never the machine's.
    bot_timezone: str = "Asia/Tokyo"
    bot_digest: str = "every Monday 9:00"  # when each channel gets its weekly digest ("off": none)

    @property
    def sqlalchemy_url(self) -> str:
        return database_url(self.database_url, self.bot_data_dir)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value:
            check_url(database_url(value, Path("data")))  # UnsupportedDatabase is a ValueError, reported as one
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Tokyo)") from None
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.bot_admins.split(",") if part.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, or SettingsError with every wrong value in it."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError([_problem(detail) for detail in error.errors()]) from None


def _problem(detail) -> str:
    # A field's environment variable is its name in capitals (no prefix). The message never holds the
    # value itself, which may be a secret; validators quote it where that helps and is safe.
    variable = "_".join(str(part) for part in detail["loc"]).upper()
    return f"{variable}: {detail['msg'].removeprefix('Value error, ')}"
