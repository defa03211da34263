"""Settings, read and validated in one place from the environment (and a .env file): every value's form
when the settings are read, and what the Slack bot of a mode needs (`check_slack`) before it starts.

Every setting is listed, with its meaning, in deploy/.env.example (a test keeps the two in step).
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.when import Recurrence, WhenError, parse_when
from storage.engine import check_url, database_url

SOCKET, HTTP = "socket", "http"
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
DIGEST_OFF = ("", "off", "none")
# A repetition does not depend on when it is read: a fixed instant keeps validation off the clock.
_DIGEST_READ_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
WHERE = {
    "SLACK_BOT_TOKEN": "api.slack.com/apps → your app → OAuth & Permissions → Bot User OAuth Token, "
    "starting with xoxb-",
    "SLACK_APP_TOKEN": "api.slack.com/apps → your app → Basic Information → App-Level Tokens, "
    "one with the connections:write scope, starting with xapp-",
    "SLACK_SIGNING_SECRET": "api.slack.com/apps → your app → Basic Information → App Credentials → Signing Secret",
}
# Each Slack secret's form, and what to say when a value is not of it.
SECRET_FORMS = {
    "slack_bot_token": (
        r"xoxb-[A-Za-z0-9-]+",
        f"SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb- ({WHERE['SLACK_BOT_TOKEN']})",
    ),
    "slack_app_token": (
        r"xapp-[A-Za-z0-9-]+",
        f"SLACK_APP_TOKEN is malformed: an app-level token starts with xapp- ({WHERE['SLACK_APP_TOKEN']})",
    ),
    "slack_signing_secret": (
        r"[A-Za-z0-9]+",
        f"SLACK_SIGNING_SECRET is malformed: it is letters and digits only ({WHERE['SLACK_SIGNING_SECRET']})",
    ),
}


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
    # A channel ID (C…) that also gets the review of follow-ups found in imported minutes ("": only the admin).
    bot_secretariat_channel: str = ""

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

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret")
    @classmethod
    def _secret_form(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        pattern, problem = SECRET_FORMS[info.field_name]
        if (secret := _secret(value)) is not None and not re.fullmatch(pattern, secret):
            raise ValueError(problem)  # never the value itself
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        api = urlparse(value)
        if api.scheme not in ("http", "https") or not api.netloc:
            raise ValueError("SLACK_API_URL is malformed: it should be a URL like https://slack.com/api/")
        return value

    @field_validator("bot_admins")
    @classmethod
    def _admins(cls, value: str) -> str:
        if any(not USER_ID.fullmatch(admin) for admin in _comma_list(value)):
            raise ValueError(
                "BOT_ADMINS is malformed: it should be Slack user IDs separated by commas, like U012AB3CD,U045EF6GH"
            )
        return value

    @field_validator("bot_digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        _digest_recurrence(value)
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def digest(self) -> Recurrence | None:
        """When each channel gets its digest (BOT_DIGEST in the reminder grammar), or None when off."""
        return _digest_recurrence(self.bot_digest)

    def slack_mode(self, mode: str | None) -> str:
        """Socket Mode when an app token is set, HTTP otherwise, unless asked for one."""
        return mode or (SOCKET if _secret(self.slack_app_token) else HTTP)

    def check_slack(self, mode: str | None = None) -> None:
        """SettingsError, naming the first setting missing, unless Slack can be reached: the bot token always
        (to post reminders), and in a mode (socket or http) what that mode needs as well."""
        missing = [
            (_secret(self.slack_bot_token), f"SLACK_BOT_TOKEN is not set (find it at {WHERE['SLACK_BOT_TOKEN']})"),
            (
                mode != SOCKET or _secret(self.slack_app_token),
                f"SLACK_APP_TOKEN is not set, and Socket Mode needs it (find it at {WHERE['SLACK_APP_TOKEN']})",
            ),
            (
                mode != HTTP or _secret(self.slack_signing_secret),
                f"SLACK_SIGNING_SECRET is not set, and HTTP mode needs it (find it at {WHERE['SLACK_SIGNING_SECRET']})",
            ),
        ]
        for present, problem in missing:
            if not present:
                raise SettingsError([problem])

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(_comma_list(self.bot_admins))


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _digest_recurrence(value: str) -> Recurrence | None:
    """BOT_DIGEST in the reminder grammar ("every Monday 9:00", "毎週月曜 9時"), or None for "off"."""
    if value.strip().lower() in DIGEST_OFF:
        return None
    try:
        when = parse_when(value, _DIGEST_READ_AT, ZoneInfo("UTC"))
    except WhenError as error:
        raise ValueError(
            f"BOT_DIGEST is not a time I understand ({error.reason_en}): use e.g. “every Monday 9:00”, or “off”"
        ) from None
    if when.recurrence is None:
        raise ValueError(f"BOT_DIGEST must repeat (e.g. “every Monday 9:00”, or “off”), not “{value}”")
    return when.recurrence


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
    message = detail["msg"].removeprefix("Value error, ")
    return message if message.startswith(variable + " ") else f"{variable}: {message}"
