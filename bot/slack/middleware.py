"""Global middleware: the services for listeners, each Slack event taken on once however often it arrives, and
answers that survive Slack's transient failures (retried; an event whose answer never got through is given
back, so that Slack's retry of it is answered).

An answer to an event (a mention, a DM) carries the event's tag as message metadata and is looked for in
its thread before a re-post, so that one Slack took before failing is not posted twice. Replies to a
response_url (commands, buttons) cannot be looked up: a private reply, or one replacing the message it
came from, is sent again after a 5xx or a lost answer (seen twice at worst, never lost); a new message
for the whole channel (Share) is not, so that the channel never sees it twice (the user is told something
went wrong and can share again)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.followups.delivery import ClaimLost, Tag, TransientError
from bot.services.followups import FollowupService
from bot.services.remarks import EventClaim, RemarksService
from bot.slack.poster import SlackPoster, make_client

# Message events the bot answers; others (edits, deletions, bot posts) are acknowledged and ignored.
ANSWERED_SUBTYPES = (None, "file_share")
DUPLICATE = "duplicate"  # set in the context of a request or event already taken on, for the request log
CLAIMED_EVENT = "claimed_event"  # the EventClaim of the event this request took on, in its context
TIMESTAMP_HEADER, SIGNATURE_HEADER = "x-slack-request-timestamp", "x-slack-signature"
ANSWER_RETRIES = 3  # after the first try, with back-off (0.5 s, 1 s, 2 s): Slack's 5xx pass quickly
ANSWER_BACKOFF = 0.5  # seconds
# Seconds an answer's call to Slack may take: with its retries it stays within a stop's 30 s (systemd, compose).
ANSWER_TIMEOUT = 10
MAX_ANSWER_RETRY_AFTER = 5  # seconds


class AnswerNotDelivered(RuntimeError):
    """A response_url did not take the answer (after the retries)."""

    def __init__(self, status: int):
        super().__init__(f"response_url answered HTTP {status}")
        self.status = status


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's handler retries only 500 and 503; a 502 or 504 from Slack's edge is as passing."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None) -> bool:
        return response is not None and response.status_code >= 500


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """A 429 is waited out only when Slack asks for a short wait: a listener thread asleep for minutes would
    hold the bot's stop."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        retry_after = {name.lower(): values for name, values in response.headers.items()}.get("retry-after", ["1"])
        return retry_after[0].isdigit() and int(retry_after[0]) <= MAX_ANSWER_RETRY_AFTER


def answer_retry_handlers() -> list[RetryHandler]:
    """How the clients that answer people retry: 5xx with back-off, a connection error (a timeout among them)
    and a 429 (after its Retry-After) once. (Reminders, answers to events and reviews: the poster's policy.)"""
    return [
        ConnectionErrorRetryHandler(max_retry_count=1),
        AnyServerErrorRetryHandler(max_retry_count=ANSWER_RETRIES),
        ShortRateLimitRetryHandler(max_retry_count=1),
    ]


def post_answer(
    client: WebClient,
    context: BoltContext,
    channel: str,
    text: str,
    blocks: list[dict],
    *,
    thread_ts: str | None,
    after_ts: str,
) -> None:
    """Post the answer to the event this request took on, tagged with its id, in `channel` (in the thread of
    `thread_ts`, if given); a post Slack already has (after `after_ts`, the question) is not made again.
    Raises the poster's errors; ClaimLost when another replica took the event over meanwhile."""
    claim: EventClaim | None = context.get(CLAIMED_EVENT)
    service: RemarksService = context["remarks"]
    tag = None
    if claim is not None:

        def hold(seconds: float) -> None:
            if not service.hold_event(claim, seconds):
                raise ClaimLost(f"{claim.event_id}: taken over by another replica")

        tag = Tag(f"answer:{claim.event_id}", maybe_posted=claim.taken_over, hold=hold)
    answering_poster(client).post(channel, text, blocks, tag, thread_ts=thread_ts, after_ts=after_ts, unfurl=False)


def answering_poster(client: WebClient) -> SlackPoster:
    """A poster for what people wait for (answers to events, an import's review) with the token and address of
    `client`: its retries, not the client's, so that a post is looked for before it is made again."""
    answering = make_client(client.token or "", client.base_url, timeout=ANSWER_TIMEOUT)
    return SlackPoster(
        answering, retries=ANSWER_RETRIES, backoff=ANSWER_BACKOFF, max_retry_after=MAX_ANSWER_RETRY_AFTER
    )


class RetryingRespond(Respond):
    """Bolt's respond, retrying through Slack's transient failures (a new message for the whole channel
    only through a 429, which Slack did not take: see the module's note); raises AnswerNotDelivered when the
    answer still did not get through (Bolt's returns the failed response, which nobody reads)."""

    def __call__(self, text: str = "", blocks: list[dict[str, Any]] | None = None, **fields: Any) -> WebhookResponse:
        message = {
            "text": text,
            **({"blocks": blocks} if blocks is not None else {}),
            **{name: value for name, value in fields.items() if value is not None},
        }
        seen_by_channel = message.get("response_type") == "in_channel" and not message.get("replace_original")
        retry_handlers = [ShortRateLimitRetryHandler(max_retry_count=1)] if seen_by_channel else answer_retry_handlers()
        client = WebhookClient(url=self.response_url or "", timeout=ANSWER_TIMEOUT, retry_handlers=retry_handlers)
        response = client.send_dict(message)
        if response.status_code >= 300:
            raise AnswerNotDelivered(response.status_code)
        return response


def is_transient(error: Exception) -> bool:
    """Slack could not be reached or failed on its side: trying again later may work."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or error.response.status_code == 429
    if isinstance(error, AnswerNotDelivered):
        return error.status >= 500 or error.status == 429
    return isinstance(error, TransientError | OSError)


def is_answerable_message(event: dict[str, Any]) -> bool:
    """A person's new message: a mention, or a direct message to the bot."""
    if event.get("bot_id") or event.get("subtype") not in ANSWERED_SUBTYPES:
        return False
    if event.get("type") == "app_mention":
        return True
    return event.get("type") == "message" and event.get("channel_type") == "im"


def message_key(event: dict[str, Any]) -> str | None:
    """The message an answerable event is about: a DM mentioning the bot arrives as two events."""
    if not is_answerable_message(event) or not event.get("channel") or not event.get("ts"):
        return None
    return f"{event['channel']}:{event['ts']}"


class AckThenWaitTurn(Ack):
    """Bolt's ack, after which the listener waits for its turn to answer (`take_turn`)."""

    def __init__(self, take_turn: Callable[[], None]):
        super().__init__()
        self._take_turn = take_turn

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self._take_turn()
        return response


def make_context_provider(
    remarks: RemarksService, followups: FollowupService, take_turn: Callable[[], None]
) -> Callable[..., BoltResponse | None]:
    """Hands the services to every listener as context["remarks"] and context["followup_service"], an ack
    after which it waits for its turn to answer, and a respond that retries."""

    def provide(context: BoltContext, next: Callable[[], BoltResponse | None]) -> BoltResponse | None:
        context["remarks"] = remarks
        context["followup_service"] = followups
        context["ack"] = AckThenWaitTurn(take_turn)
        if context.response_url:
            context["respond"] = RetryingRespond(response_url=context.response_url)
        return next()

    return provide


def make_refuse_replays(service: RemarksService) -> Callable[..., BoltResponse | None]:
    """A signed request seen before (the same timestamp and signature), here or by another replica, is
    answered 200 and not executed again. Runs after Bolt has checked the signature; Socket Mode's requests
    are not signed. Events are left to `make_once_per_event`: their ids already make each be taken once,
    and Slack's retries of one must reach that check."""

    def refuse_replays(
        req: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse | None]
    ) -> BoltResponse | None:
        timestamp, signature = (req.headers.get(name, [""])[0] for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER))
        if timestamp and signature and body.get("type") != "event_callback":
            if not service.first_sight_of_request(int(timestamp), signature):
                context[DUPLICATE] = True
                return BoltResponse(status=200, body="")
        return next()

    return refuse_replays


def make_once_per_event(service: RemarksService) -> Callable[..., BoltResponse | None]:
    def once_per_event(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse | None]
    ) -> BoltResponse | None:
        if body.get("type") == "event_callback" and body.get("event_id"):
            # Claimed before acknowledging, so a retry that arrives while the first is still being answered
            # is dropped too (unless that claim has gone unanswered for CLAIM_LEASE: its replica is gone);
            # answered with 200 so that Slack stops retrying.
            claim = service.claim_event(body["event_id"], message_key(body.get("event") or {}))
            if claim is None:
                context[DUPLICATE] = True
                return BoltResponse(status=200, body="")
            context[CLAIMED_EVENT] = claim
        return next()

    return once_per_event


def handled_once_answered(listener: Callable[..., None]) -> Callable[..., None]:
    """The event listener, marking its event handled once the answer is posted or has failed for good; when
    the answer could not reach Slack (after the retries) the claim is given back instead, so that Slack's
    retry of the event is answered; when another replica took the event over, that one answers. Wrap it in
    `apologising`: an error still goes on to the log and the user."""

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        context: BoltContext = kwargs["context"]
        service: RemarksService = context["remarks"]
        claim: EventClaim | None = context.get(CLAIMED_EVENT)
        try:
            listener(**kwargs)
        except ClaimLost:
            return
        except Exception as error:
            if claim and is_transient(error):
                service.release_event(claim)
            elif claim:
                service.finish_event(claim.event_id)
            raise
        if claim:
            service.finish_event(claim.event_id)

    return wrapper
