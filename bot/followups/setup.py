"""Building the follow-up machinery from the settings, for the CLI and for the running bot."""

from __future__ import annotations

import datetime

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.core.when import Recurrence, WhenError, parse_when
from bot.followups.poster import Poster, make_client
from bot.followups.scheduler import ReminderScheduler


class SetupError(ValueError):
    """A setting the follow-ups cannot work with; the message says which."""


def make_poster(settings: Settings) -> Poster:
    if settings.slack_bot_token is None:
        raise SetupError("SLACK_BOT_TOKEN is not set: reminders cannot be posted.")
    return Poster(make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url))


def digest_schedule(settings: Settings) -> Recurrence | None:
    """BOT_DIGEST in the reminder grammar ("every Monday 9:00", "毎週月曜 9時"), or "off"."""
    if settings.bot_digest.strip().lower() in ("", "off", "none"):
        return None
    try:
        when = parse_when(settings.bot_digest, datetime.datetime.now(settings.timezone), settings.timezone)
    except WhenError as error:
        raise SetupError(f"BOT_DIGEST is not a time I understand ({error.reason_en}): use e.g. “every Monday 9:00”, or “off”") from None
    if when.recurrence is None:
        raise SetupError(f"BOT_DIGEST must repeat (e.g. “every Monday 9:00”, or “off”), not “{settings.bot_digest}”")
    return when.recurrence


def make_scheduler(settings: Settings, engine: Engine) -> ReminderScheduler:
    return ReminderScheduler(engine, make_poster(settings), settings.timezone, digest_schedule(settings))
