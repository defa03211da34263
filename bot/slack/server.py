"""HTTP mode: one port serving POST /slack/events (events, commands, interactivity), GET /healthz (the
process is up) and GET /readyz (it can serve: database reachable, scheduler running, not stopping)."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from waitress import wasyncore
from waitress.server import create_server

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's requests are a few kilobytes
MAX_HEADER_BYTES = 64 * 1024
BACKLOG = 2048  # connections the kernel holds until they are accepted: Slack sends bursts (a busy channel, retries)
CONNECTION_LIMIT = 1000  # open at once; more wait in the backlog
WORKER_THREADS = 8  # requests handled at once: acknowledging is quick, the answers are the listeners' pool's work
IDLE_TIMEOUT = 20  # seconds a connection may stay silent, idle or in the middle of sending its request
CLEANUP_INTERVAL = 2  # seconds between looks for such connections
STOP_DEADLINE = 10.0  # seconds a stop gives the requests already received; systemd and docker wait longer

logger = logging.getLogger("bot.slack.server")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ReadinessCheck = Callable[[], str | None]  # why the bot is not ready, or None when it is


def make_wsgi_app(app: App, readiness_problem: ReadinessCheck) -> WSGIApp:
    """A WSGI application: serve it with `serve_http`, or with any WSGI server."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            if environ.get("PATH_INFO") == HEALTH_PATH:
                return _plain(start_response, "200 OK", "ok")
            if environ.get("PATH_INFO") == READY_PATH:
                problem = readiness_problem()
                if problem is None:
                    return _plain(start_response, "200 OK", "ready")
                return _plain(start_response, "503 Service Unavailable", f"not ready: {problem}")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, "400 Bad Request", "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return _plain(start_response, "413 Content Too Large", "request too large")
        body = environ["wsgi.input"].read(length) if length else b""
        problem = malformation(environ, body)
        if problem:
            return _plain(start_response, "400 Bad Request", problem)
        environ["wsgi.input"] = io.BytesIO(body)  # read again by Bolt
        return slack(environ, start_response)

    return wsgi_app


def malformation(environ: dict[str, Any], body: bytes) -> str | None:
    """What makes a request one that Bolt would fail on with a traceback (a timestamp that is not a number,
    a body that is not what its type says), or None. Checked before the signature: a malformed request is
    refused whoever signed it."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
        return "bad X-Slack-Request-Timestamp"
    content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip() or None
    try:
        parsed = parse_body(body.decode("utf-8"), content_type)  # as Bolt reads it
    except ValueError:  # not UTF-8, or not JSON where JSON was said or is needed
        return "malformed body"
    return None if isinstance(parsed, dict) else "malformed body"


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = (text + "\n").encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


class HttpServer:
    """waitress on one port: a listen backlog that holds a burst of Slack's requests, a bounded pool of
    worker threads (a waiting connection costs a socket, not a thread), idle and half-sent connections
    closed after IDLE_TIMEOUT, and a stop that finishes the requests already received within
    STOP_DEADLINE whatever the clients do."""

    def __init__(self, wsgi_app: WSGIApp, host: str, port: int):
        self._map: dict[int, Any] = {}
        self._server = create_server(
            wsgi_app,
            map=self._map,
            host=host,
            port=port,
            threads=WORKER_THREADS,
            backlog=BACKLOG,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=IDLE_TIMEOUT,
            cleanup_interval=CLEANUP_INTERVAL,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY_BYTES,
            asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()

    @property
    def server_address(self) -> tuple[str, int]:
        return self._server.effective_host, int(self._server.effective_port)

    @property
    def server_port(self) -> int:
        return self.server_address[1]

    def serve_forever(self, poll_interval: float = 0.2) -> None:
        """Serve until shutdown(); every socket is touched in this thread only, as wasyncore requires."""
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=poll_interval, map=self._map, use_poll=True, count=1)
            self._finish(poll_interval)
        finally:
            self._stopped.set()

    def _finish(self, poll_interval: float) -> None:
        """Take no new connection, let the workers answer what was received and the answers go out, until
        STOP_DEADLINE; then close every connection, a half-sent request's too."""
        deadline = time.monotonic() + STOP_DEADLINE
        wasyncore.dispatcher.close(self._server)  # the listening socket only: the trigger still wakes the loop
        while self._busy() and time.monotonic() < deadline:
            wasyncore.loop(timeout=min(poll_interval, 0.05), map=self._map, use_poll=True, count=1)
        self._server.task_dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
        wasyncore.close_all(self._map)

    def _busy(self) -> bool:
        """A request received and not yet answered, or an answer not yet sent."""
        channels = list(self._server.active_channels.values())
        return any(channel.requests or channel.total_outbufs_len for channel in channels)

    def shutdown(self) -> None:
        """Stop serve_forever (running in another thread) and wait for it to finish; at once if it has."""
        if self._stopped.is_set():
            return
        # The loop's own thread sets the flag (a trigger's thunk runs there) and only then closes the trigger:
        # set here, the loop could close it before it is pulled.
        self._server.trigger.pull_trigger(self._stop.set)
        self._stopped.wait()

    def server_close(self) -> None:
        """Close whatever serve_forever did not (it was never run)."""
        if not self._stopped.is_set():
            self._server.task_dispatcher.shutdown(timeout=0)
            wasyncore.close_all(self._map)


def make_http_server(app: App, readiness_problem: ReadinessCheck, host: str, port: int) -> HttpServer:
    """Bound and ready; port 0 picks a free one (see server.server_port). Raises OSError when the
    address cannot be used."""
    return HttpServer(make_wsgi_app(app, readiness_problem), host, port)


def serve_http(server: HttpServer, stopping: threading.Event) -> None:
    """Serve until `stopping` is set, then take no new request and finish those received."""
    thread = threading.Thread(target=server.serve_forever, name="http")
    thread.start()
    host, port = server.server_address
    logger.info(
        "serving Slack requests at http://%s:%d%s (health: %s, readiness: %s)",
        host,
        port,
        EVENTS_PATH,
        HEALTH_PATH,
        READY_PATH,
    )
    stopping.wait()
    logger.info("stopping: taking no new requests, finishing those received")
    server.shutdown()
    server.server_close()
    thread.join()
