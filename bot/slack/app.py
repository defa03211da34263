"""The app factory: a Bolt app over the Web API at SLACK_API_URL, with its middleware and listeners, and the
running bot around it (the app, the threads its listeners finish their work in, the reminder scheduler)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.config import Settings
from bot.followups.scheduler import ReminderScheduler
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack.listeners import register_listeners
from bot.slack.log import describe_request
from bot.slack.middleware import (
    ANSWER_TIMEOUT,
    DUPLICATE,
    answer_retry_handlers,
    make_context_provider,
    make_once_per_event,
    make_refuse_replays,
)
from bot.slack.poster import make_poster

logger = logging.getLogger("bot.slack")
request_logger = logging.getLogger("bot.slack.requests")
# Listeners run in this many threads, so that a burst's acknowledgements never wait behind answers; after
# acknowledging, this many answer at once: they share one interpreter's CPU with the acknowledgements
# (more would slow those, not speed answers up) and the database's connections.
LISTENER_THREADS = 256
ANSWERING_AT_ONCE = 4


def api_base_url(url: str) -> str:
    """slack_sdk appends method names to the base URL, which must end with a slash."""
    return url if url.endswith("/") else url + "/"


def secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


class LoggingApp(App):
    """Bolt's App, writing one log line per request it dispatches, over HTTP and Socket Mode alike. The
    line is written around dispatch because Bolt's global middleware cannot wrap a listener."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        response = super().dispatch(req)
        request_logger.info(
            "request",
            extra={
                **describe_request(req.body),
                "status": response.status,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                "outcome": request_outcome(response.status, bool(req.context.get(DUPLICATE))),
            },
        )
        return response


def request_outcome(status: int, duplicate: bool) -> str:
    if duplicate:
        return "duplicate"  # a request or event already taken on, here or by another replica
    if status < 300:
        return "ok"
    return {401: "rejected", 404: "unhandled"}.get(status, "error")


class ListenerPool(ThreadPoolExecutor):
    """The threads Bolt runs listeners in. A listener acknowledges Slack first thing, then waits for one of
    `answering` turns to answer (take_turn), given back when it returns. Bolt acknowledges an event itself,
    in the thread that received it, just before handing the listener here: that listener waits for its turn
    as it starts."""

    def __init__(self, threads: int, answering: int):
        super().__init__(max_workers=threads, thread_name_prefix="listener")
        self._turns = threading.BoundedSemaphore(answering)
        self._thread = threading.local()  # in_listener, has_turn; acknowledged (in a receiving thread)

    def take_turn(self) -> None:
        """Called when a request is acknowledged."""
        if getattr(self._thread, "in_listener", False):
            self._wait_for_turn()
        else:
            self._thread.acknowledged = True

    def _wait_for_turn(self) -> None:
        if not self._thread.has_turn:
            self._turns.acquire()
            self._thread.has_turn = True

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        acknowledged, self._thread.acknowledged = getattr(self._thread, "acknowledged", False), False

        def run_in_turn() -> Any:
            self._thread.in_listener, self._thread.has_turn = True, False
            try:
                if acknowledged:
                    self._wait_for_turn()
                return fn(*args, **kwargs)
            finally:
                if self._thread.has_turn:
                    self._turns.release()
                self._thread.in_listener = self._thread.has_turn = False

        return super().submit(run_in_turn)


def create_app(
    settings: Settings, service: RemarksService, followups: FollowupService, listener_pool: ListenerPool
) -> App:
    """Calls auth.test once (Bolt checks the token): raises BoltError when Slack refuses it, OSError when
    SLACK_API_URL cannot be reached."""
    token = secret(settings.slack_bot_token)
    app = LoggingApp(
        client=WebClient(
            token=token,
            base_url=api_base_url(settings.slack_api_url),
            logger=logger,
            timeout=ANSWER_TIMEOUT,
            retry_handlers=answer_retry_handlers(),
        ),
        # Empty in Socket Mode, where requests come over the app's own WebSocket and are not signed.
        signing_secret=secret(settings.slack_signing_secret) or "",
        # Acknowledge first, then answer: the 3-second deadline never depends on the database.
        process_before_response=False,
        listener_executor=listener_pool,
        logger=logger,
    )
    app.use(make_context_provider(service, followups, listener_pool.take_turn))
    app.use(make_refuse_replays(service))
    app.use(make_once_per_event(service))
    register_listeners(app)
    return app


@dataclass
class Bot:
    """What `python -m bot run` runs: the Bolt app, the pool its listeners answer in after acknowledging,
    and this process's reminder scheduler. `stopping` is set when the bot is asked to stop."""

    app: App
    service: RemarksService
    scheduler: ReminderScheduler
    listener_pool: ListenerPool
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.scheduler.start()

    def readiness_problem(self) -> str | None:
        """Why requests should not be sent here now (for /readyz), or None when the bot is ready."""
        if self.stopping.is_set():
            return "shutting down"
        if not self.scheduler.running:
            return "the reminder scheduler is not running"
        if not self.service.database_works():
            return "the database cannot be reached"
        return None

    def stop(self) -> None:
        """Once no request comes in any more: let the listeners finish what they acknowledged, then stop
        the scheduler, which gives back the reminders it claimed and has not posted."""
        self.stopping.set()
        self.listener_pool.shutdown(wait=True)
        self.scheduler.shutdown()


def build_bot(settings: Settings, service: RemarksService) -> Bot:
    """The bot over the remarks service's database, on its clock; raises what create_app raises."""
    followups = FollowupService(service.engine, settings.timezone, service.clock, settings.admin_ids)
    scheduler = ReminderScheduler(followups, make_poster(settings), settings.digest)
    listener_pool = ListenerPool(LISTENER_THREADS, ANSWERING_AT_ONCE)
    return Bot(create_app(settings, service, followups, listener_pool), service, scheduler, listener_pool)
