"""The reminders' `Poster` (bot.followups.delivery) over Slack's Web API, with the retries it asks for.

429: wait `Retry-After`, then retry. 5xx and connection errors: a few retries with exponential back-off.
Errors that retrying cannot fix raise `PermanentError` (channel_not_found, is_archived, not_in_channel…
as `channel_gone`).
The client's own retry handlers are switched off: they sleep with `time.sleep` plus jitter, which tests
cannot control, and one retry policy in one place is easier to reason about.
`stop()` (the bot is shutting down) cuts a wait short: the post is not made and `Interrupted` is raised,
so that the delivery can be given back to another process instead of holding up the shutdown.
"""

from __future__ import annotations

import datetime
import threading
import time
import urllib.error
from collections.abc import Callable
from http.client import HTTPException
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.followups.delivery import Interrupted, PermanentError, TransientError
from bot.messages import both
from bot.slack import followup_messages
from bot.slack.mrkdwn import MRKDWN
from storage.models import FollowUp

PERMANENT_CHANNEL_ERRORS = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived", "restricted_action"}
)
MAX_RETRY_AFTER = 120.0  # seconds; a longer wait is better spent as a later retry of the delivery
MAX_RATE_LIMITED = 5  # 429s in a row before giving the delivery back for a later retry
CHANNEL_INTERVAL = 1.0  # Slack's guidance: about one message per second per channel


def make_client(token: str, base_url: str) -> WebClient:
    return WebClient(token=token, base_url=base_url, retry_handlers=[], timeout=15)


def make_poster(settings: Settings) -> SlackPoster:
    """The poster of SLACK_BOT_TOKEN (which Settings checks is set wherever reminders are posted)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    return SlackPoster(make_client(token, settings.slack_api_url))


class SlackPoster:
    def __init__(
        self,
        client: WebClient,
        *,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._stopping = threading.Event()
        # By default a wait is on the stop event, which stop() ends at once; time.sleep would not.
        self.sleep = sleep or self._stopping.wait
        self.client, self.retries, self.backoff, self.clock = client, retries, backoff, clock
        self._last_post: dict[str, float] = {}

    def stop(self) -> None:
        """From now on every post raises `Interrupted`, and a wait in progress ends."""
        self._stopping.set()

    def post_reminder(self, followup: FollowUp, now: datetime.datetime, tz: ZoneInfo) -> tuple[str, str]:
        text, blocks = followup_messages.reminder_message(followup, now, tz)
        return self.post(followup.channel_id, text, blocks)

    def post_digest(self, channel: str, followups: list[FollowUp], now: datetime.datetime, tz: ZoneInfo) -> str:
        text, blocks = followup_messages.digest_message(followups, now, tz)
        return self.post(channel, text, blocks)[1]

    def tell_reminders_stopped(self, followup: FollowUp, error: str) -> None:
        values = {
            "id": followup.id,
            "title": MRKDWN.text(followup.title),
            "channel": MRKDWN.channel(followup.channel_id),
            "error": error,
        }
        self.direct_message(followup.created_by, both("reminders_stopped", "\n", **values))

    def post(self, channel: str, text: str, blocks: list[dict] | None = None) -> tuple[str, str]:
        """Post a message; its (channel, ts)."""
        self._check_stopping()
        self._pace(channel)
        try:
            response = self._call(lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks))
        finally:
            # Counted from the answer, which comes after Slack received the post: the next one then
            # reaches Slack at least the interval later, whatever the network's delays.
            self._last_post[channel] = self.clock()
        return response["channel"], response["ts"]

    def direct_message(self, user: str, text: str) -> None:
        channel = self._call(lambda: self.client.conversations_open(users=user))["channel"]["id"]
        self.post(channel, text)

    def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None and (wait := CHANNEL_INTERVAL - (self.clock() - last)) > 0:
            self._wait(wait)

    def _wait(self, seconds: float) -> None:
        self.sleep(seconds)
        self._check_stopping()

    def _check_stopping(self) -> None:
        if self._stopping.is_set():
            raise Interrupted("not posted: the bot is shutting down")

    def _call(self, request: Callable[[], dict]) -> dict:
        failures = rate_limited = 0
        while True:
            try:
                return request()
            except SlackApiError as error:
                status, code = error.response.status_code, error.response.get("error") or ""
                if status == 429:
                    retry_after = float(
                        error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1))
                    )
                    rate_limited += 1
                    if retry_after > MAX_RETRY_AFTER or rate_limited > MAX_RATE_LIMITED:
                        raise TransientError(f"rate limited (Retry-After {retry_after:.0f} s)") from error
                    self._wait(retry_after)  # a rate limit is not a failure: it uses up no back-off retry
                    continue
                if status < 500 and code not in (
                    "internal_error",
                    "fatal_error",
                    "service_unavailable",
                    "request_timeout",
                ):
                    raise PermanentError(code or f"http_{status}", code in PERMANENT_CHANNEL_ERRORS) from error
                reason = f"Slack answered {status} {code}".strip()
            except (urllib.error.URLError, HTTPException, OSError) as error:
                reason = f"cannot reach Slack ({error})"
            failures += 1
            if failures > self.retries:
                raise TransientError(reason)
            self._wait(self.backoff * 2 ** (failures - 1))
