"""`python -m bot run`: check what Slack needs in the settings, then serve Slack in Socket Mode or over
HTTP, with the follow-up reminders' scheduler, until SIGTERM or SIGINT stops it gracefully.

A missing setting raises SettingsError, anything else that stops start-up UserError: `bot.cli.main`
prints either as one line; tokens are never printed.
"""

from __future__ import annotations

import logging
import signal
import threading

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.config import HTTP, WHERE, Settings
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.errors import UserError
from bot.services.remarks import RemarksService
from bot.slack.app import build_bot, secret
from bot.slack.log import configure_logging
from bot.slack.server import make_http_server, serve_http
from bot.slack.socket import serve_socket_mode

logger = logging.getLogger("bot.slack")


def run_bot(settings: Settings, mode: str | None, host: str, port: int, clock: Clock) -> int:
    mode = settings.slack_mode(mode)
    settings.check_slack(mode)
    configure_logging(
        secret(value) or ""
        for value in (settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret)
    )
    service = RemarksService(
        settings.sqlalchemy_url,
        default_alias_table(),
        default_glossary(),
        settings.admin_ids,
        clock,
        settings.bot_secretariat_channel,
    )
    try:
        bot = build_bot(settings, service)
    except BoltError:
        # Bolt checks the token with auth.test; its message carries the whole API response.
        raise UserError(
            f"Slack did not accept SLACK_BOT_TOKEN (auth.test failed); check it at {WHERE['SLACK_BOT_TOKEN']}"
        ) from None
    except OSError as error:
        raise UserError(
            f"cannot reach the Slack API at {settings.slack_api_url} ({error}); check SLACK_API_URL"
        ) from None
    server = None
    if mode == HTTP:
        try:
            server = make_http_server(bot.app, bot.readiness_problem, host, port)
        except OSError as error:
            reason = error.strerror or error
            raise UserError(f"cannot listen on {host}:{port} ({reason}); choose another --host or --port") from None
    stop_on_signals(bot.stopping)
    bot.start()
    try:
        if server is not None:
            serve_http(server, bot.stopping)
        else:
            serve_socket_mode(bot.app, secret(settings.slack_app_token) or "", bot.stopping)
    except SlackApiError:
        raise UserError(
            "Slack did not accept SLACK_APP_TOKEN (apps.connections.open failed); "
            f"check it at {WHERE['SLACK_APP_TOKEN']}"
        ) from None
    finally:
        bot.stop()
    logger.info("stopped")
    return 0


def stop_on_signals(stopping: threading.Event) -> None:
    """SIGTERM (docker stop, systemctl stop) and SIGINT (Ctrl+C) stop the bot gracefully: the handler
    only sets the event, and the main thread, waiting on it, does the stopping."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
