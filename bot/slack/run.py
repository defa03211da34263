"""`python -m bot run`: check the settings, then serve Slack in Socket Mode or over HTTP, with the
follow-up reminders' scheduler, until SIGTERM or SIGINT stops it gracefully.

A missing or malformed setting stops start-up with one line naming it; tokens are never printed.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from urllib.parse import urlparse

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.followups.setup import SetupError
from bot.slack.app import build_bot, secret
from bot.slack.log import configure_logging
from bot.slack.server import make_http_server, serve_http
from bot.slack.service import RemarksService
from bot.slack.socket import serve_socket_mode

SOCKET, HTTP = "socket", "http"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
WHERE = {
    "SLACK_BOT_TOKEN": "api.slack.com/apps → your app → OAuth & Permissions → Bot User OAuth Token, starting with xoxb-",
    "SLACK_APP_TOKEN": "api.slack.com/apps → your app → Basic Information → App-Level Tokens, "
    "one with the connections:write scope, starting with xapp-",
    "SLACK_SIGNING_SECRET": "api.slack.com/apps → your app → Basic Information → App Credentials → Signing Secret",
}

logger = logging.getLogger("bot.slack")


def chosen_mode(settings: Settings, mode: str | None) -> str:
    """Socket Mode when an app token is set, HTTP otherwise, unless asked for one."""
    return mode or (SOCKET if secret(settings.slack_app_token) else HTTP)


def settings_problem(settings: Settings, mode: str) -> str | None:
    """The first missing or malformed setting for this mode, as one line; None when all is well."""
    bot_token = secret(settings.slack_bot_token)
    if bot_token is None:
        return f"SLACK_BOT_TOKEN is not set (find it at {WHERE['SLACK_BOT_TOKEN']})"
    if not re.fullmatch(r"xoxb-[A-Za-z0-9-]+", bot_token):
        return f"SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb- ({WHERE['SLACK_BOT_TOKEN']})"
    if mode == SOCKET:
        app_token = secret(settings.slack_app_token)
        if app_token is None:
            return f"SLACK_APP_TOKEN is not set, and Socket Mode needs it (find it at {WHERE['SLACK_APP_TOKEN']})"
        if not re.fullmatch(r"xapp-[A-Za-z0-9-]+", app_token):
            return f"SLACK_APP_TOKEN is malformed: an app-level token starts with xapp- ({WHERE['SLACK_APP_TOKEN']})"
    else:
        signing_secret = secret(settings.slack_signing_secret)
        if signing_secret is None:
            return f"SLACK_SIGNING_SECRET is not set, and HTTP mode needs it (find it at {WHERE['SLACK_SIGNING_SECRET']})"
        if not re.fullmatch(r"[A-Za-z0-9]+", signing_secret):
            return f"SLACK_SIGNING_SECRET is malformed: it is letters and digits only ({WHERE['SLACK_SIGNING_SECRET']})"
    api = urlparse(settings.slack_api_url)
    if api.scheme not in ("http", "https") or not api.netloc:
        return "SLACK_API_URL is malformed: it should be a URL like https://slack.com/api/"
    bad_admins = [admin for admin in settings.admin_ids if not _USER_ID.fullmatch(admin)]
    if bad_admins:
        return "BOT_ADMINS is malformed: it should be Slack user IDs separated by commas, like U012AB3CD,U045EF6GH"
    return None


def run_bot(settings: Settings, mode: str | None, host: str, port: int) -> int:
    mode = chosen_mode(settings, mode)
    problem = settings_problem(settings, mode)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    configure_logging(
        secret(value) or "" for value in (settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret)
    )
    service = RemarksService(settings.sqlalchemy_url, default_alias_table(), default_glossary(), settings.admin_ids)
    try:
        bot = build_bot(settings, service)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BoltError:
        # Bolt checks the token with auth.test; its message carries the whole API response.
        print(f"error: Slack did not accept SLACK_BOT_TOKEN (auth.test failed); check it at {WHERE['SLACK_BOT_TOKEN']}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot reach the Slack API at {settings.slack_api_url} ({error}); check SLACK_API_URL", file=sys.stderr)
        return 2
    server = None
    if mode == HTTP:
        try:
            server = make_http_server(bot.app, bot.readiness_problem, host, port)
        except OSError as error:
            print(f"error: cannot listen on {host}:{port} ({error.strerror or error}); choose another --host or --port", file=sys.stderr)
            return 2
    stop_on_signals(bot.stopping)
    bot.start()
    try:
        if server is not None:
            serve_http(server, bot.stopping)
        else:
            serve_socket_mode(bot.app, secret(settings.slack_app_token) or "", bot.stopping)
    except SlackApiError:
        print(f"error: Slack did not accept SLACK_APP_TOKEN (apps.connections.open failed); check it at {WHERE['SLACK_APP_TOKEN']}", file=sys.stderr)
        return 2
    finally:
        bot.stop()
    logger.info("stopped")
    return 0


def stop_on_signals(stopping: threading.Event) -> None:
    """SIGTERM (docker stop, systemctl stop) and SIGINT (Ctrl+C) stop the bot gracefully: the handler
    only sets the event, and the main thread, waiting on it, does the stopping."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
