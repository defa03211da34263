"""The reminders' `Poster` (bot.followups.delivery) over Slack's Web API, with the retries it asks for.

429: wait `Retry-After`, then retry. 5xx and connection errors: a few retries with exponential back-off.
Errors that retrying cannot fix raise `PermanentError` (channel_not_found, is_archived, not_in_channel…
as `channel_gone`).
The client's own retry handlers are switched off: they sleep with `time.sleep` plus jitter, which tests
cannot control, and one retry policy in one place is easier to reason about.
`stop()` (the bot is shutting down) cuts a wait short: the post is not made and `Interrupted` is raised,
so that the delivery can be given back to another process instead of holding up the shutdown.
Every reminder and digest carries its delivery's tag as message metadata, and so does every answer to a
mention or a DM (its event's); when an attempt may already have reached Slack (an earlier one failed or
timed out, or the delivery or event was taken over) the channel's recent history (the thread's, for a
post in a thread) is searched for the tag first. Before every wait and request the claim is held for its
length.
Texts are cut to Block Kit's limits, so that a long title cannot make Slack refuse the whole post.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import urllib.error
from collections.abc import Callable
from http.client import HTTPException
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.followups.delivery import Interrupted, PermanentError, Tag, TransientError
from bot.messages import both
from bot.slack import followup_messages
from bot.slack.mrkdwn import MRKDWN
from storage.models import FollowUp

log = logging.getLogger(__name__)

PERMANENT_CHANNEL_ERRORS = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived", "restricted_action"}
)
MAX_RETRY_AFTER = 120.0  # seconds; a longer wait is better spent as a later retry of the delivery
MAX_RATE_LIMITED = 5  # 429s in a row before giving the delivery back for a later retry
CHANNEL_INTERVAL = 1.0  # Slack's guidance: about one message per second per channel
DELIVERY_EVENT = "remarks_bot_delivery"  # the metadata event type of reminders, digests and answers
HISTORY_PAGES = 5  # of HISTORY_PAGE messages: how far back a channel is searched for a post already made
HISTORY_PAGE = 200
CLIENT_TIMEOUT = 15  # seconds
TEXT_LIMIT = 3000  # Block Kit: a section's or a context element's text
MESSAGE_TEXT_LIMIT = 4000  # the message's text (notifications, clients without blocks)


def make_client(token: str, base_url: str, timeout: float = CLIENT_TIMEOUT) -> WebClient:
    return WebClient(token=token, base_url=base_url, retry_handlers=[], timeout=timeout)


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
        max_retry_after: float = MAX_RETRY_AFTER,
    ):
        self._stopping = threading.Event()
        # By default a wait is on the stop event, which stop() ends at once; time.sleep would not.
        self.sleep = sleep or self._stopping.wait
        self.client, self.retries, self.backoff, self.clock = client, retries, backoff, clock
        self.max_retry_after = max_retry_after
        self._last_post: dict[str, float] = {}

    def stop(self) -> None:
        """From now on every post raises `Interrupted`, and a wait in progress ends."""
        self._stopping.set()

    def post_reminder(self, followup: FollowUp, now: datetime.datetime, tz: ZoneInfo, tag: Tag) -> tuple[str, str]:
        text, blocks = followup_messages.reminder_message(followup, now, tz)
        return self.post(followup.channel_id, text, blocks, tag)

    def post_digest(
        self, channel: str, followups: list[FollowUp], now: datetime.datetime, tz: ZoneInfo, tag: Tag
    ) -> str:
        text, blocks = followup_messages.digest_message(followups, now, tz)
        return self.post(channel, text, blocks, tag)[1]

    def tell_reminders_stopped(self, followup: FollowUp, error: str) -> None:
        self.direct_message(followup.created_by, both("reminders_stopped", "\n", **_failure_values(followup, error)))

    def tell_reminder_failed(self, followup: FollowUp, error: str) -> None:
        text = both("reminder_gave_up", "\n", **_failure_values(followup, error))
        for user in sorted({followup.created_by, *followup.owners}):
            self.direct_message(user, text)

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict] | None = None,
        tag: Tag | None = None,
        *,
        thread_ts: str | None = None,
        after_ts: str | None = None,
        unfurl: bool = True,
    ) -> tuple[str, str]:
        """Post a message (in the thread of `thread_ts`, if given); its (channel, ts). A tagged post already
        in the channel (or thread) is not posted again; only messages after `after_ts` are searched for it."""
        self._check_stopping()
        self._pace(channel, tag)
        metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery_id": tag.delivery_id}} if tag else None
        look_first = tag is not None and tag.maybe_posted
        unfurling = {} if unfurl else {"unfurl_links": False, "unfurl_media": False}

        def post_once() -> dict:
            nonlocal look_first
            if tag is not None and look_first and (found := self._find_posted(channel, tag, thread_ts, after_ts)):
                return found
            look_first = tag is not None  # this attempt may reach Slack even if its answer does not come back
            return self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=text[:MESSAGE_TEXT_LIMIT],
                blocks=fit_blocks(blocks),
                metadata=metadata,
                **unfurling,
            )

        try:
            response = self._call(post_once, tag)
        finally:
            # Counted from the answer, which comes after Slack received the post: the next one then
            # reaches Slack at least the interval later, whatever the network's delays.
            self._last_post[channel] = self.clock()
        return response["channel"], response["ts"]

    def _find_posted(self, channel: str, tag: Tag, thread_ts: str | None, after_ts: str | None) -> dict | None:
        """The (channel, ts) answer of the post tagged as `tag` among the recent messages of the channel, or of
        the thread of `thread_ts` (a channel's history leaves replies out)."""
        cursor = None
        for _ in range(HISTORY_PAGES):
            try:
                search = {"channel": channel, "include_all_metadata": True, "limit": HISTORY_PAGE, "cursor": cursor}
                if after_ts:
                    search["oldest"] = after_ts
                if thread_ts:
                    page = self.client.conversations_replies(ts=thread_ts, **search)
                else:
                    page = self.client.conversations_history(**search)
            except SlackApiError as error:
                if error.response.get("error") != "missing_scope":
                    raise
                # An install from before the history scopes: posting again risks a double, never a loss.
                log.warning("cannot read the history of %s (missing_scope): reinstall the app's manifest", channel)
                return None
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == DELIVERY_EVENT and payload.get("delivery_id") == tag.delivery_id:
                    return {"channel": channel, "ts": message["ts"]}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        return None

    def direct_message(self, user: str, text: str, blocks: list[dict] | None = None, tag: Tag | None = None) -> None:
        """Post in the user's DM with the bot (opened first: only its channel id can be searched)."""
        channel = self._call(lambda: self.client.conversations_open(users=user))["channel"]["id"]
        self.post(channel, text, blocks, tag)

    def _pace(self, channel: str, tag: Tag | None) -> None:
        last = self._last_post.get(channel)
        if last is not None and (wait := CHANNEL_INTERVAL - (self.clock() - last)) > 0:
            self._wait(wait, tag)

    def _wait(self, seconds: float, tag: Tag | None) -> None:
        if tag is not None:
            tag.hold(seconds)
        self.sleep(seconds)
        self._check_stopping()

    def _check_stopping(self) -> None:
        if self._stopping.is_set():
            raise Interrupted("not posted: the bot is shutting down")

    def _call(self, request: Callable[[], dict], tag: Tag | None = None) -> dict:
        failures = rate_limited = 0
        while True:
            try:
                if tag is not None:
                    tag.hold(self.client.timeout or CLIENT_TIMEOUT)  # a slow answer must not outlast the claim
                return request()
            except SlackApiError as error:
                status, code = error.response.status_code, error.response.get("error") or ""
                if status == 429:
                    retry_after = float(
                        error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1))
                    )
                    rate_limited += 1
                    if retry_after > self.max_retry_after or rate_limited > MAX_RATE_LIMITED:
                        raise TransientError(f"rate limited (Retry-After {retry_after:.0f} s)") from error
                    self._wait(retry_after, tag)  # a rate limit is not a failure: it uses up no back-off retry
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
            self._wait(self.backoff * 2 ** (failures - 1), tag)


def _failure_values(followup: FollowUp, error: str) -> dict[str, object]:
    return {
        "id": followup.id,
        "title": MRKDWN.text(followup.title),
        "channel": MRKDWN.channel(followup.channel_id),
        "error": error,
    }


def fit_blocks(blocks: list[dict] | None) -> list[dict] | None:
    """The blocks with every section and context text cut to Block Kit's limit."""
    if blocks is None:
        return None
    return [_fit_block(block) for block in blocks]


def _fit_block(block: dict) -> dict:
    fitted = dict(block)
    if isinstance(block.get("text"), dict):
        fitted["text"] = _fit_text(block["text"])
    if block.get("type") == "context":
        fitted["elements"] = [_fit_text(e) if "text" in e else e for e in block.get("elements", [])]
    if block.get("fields"):
        fitted["fields"] = [_fit_text(field) for field in block["fields"]]
    return fitted


def _fit_text(text: dict) -> dict:
    value = text.get("text") or ""
    return {**text, "text": value if len(value) <= TEXT_LIMIT else value[: TEXT_LIMIT - 1] + "…"}
