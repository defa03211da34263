"""HTTP mode: one port serving POST /slack/events (events, commands, interactivity), GET /healthz (the
process is up) and GET /readyz (it can serve: database reachable, scheduler running, not stopping)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's requests are a few kilobytes

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
        return slack(environ, start_response)

    return wsgi_app


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = (text + "\n").encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow request never holds up Slack's next one. The threads are
    waited for on server_close(): a request in flight when the bot stops is answered."""

    daemon_threads = False
    block_on_close = True


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # The Slack app logs each request itself (without its text); health probes need no line.
        logger.debug("%s " + format, self.address_string(), *args)


def make_http_server(app: App, readiness_problem: ReadinessCheck, host: str, port: int) -> WSGIServer:
    """Bound and ready; port 0 picks a free one (see server.server_port). Raises OSError when the
    address cannot be used."""
    return make_server(host, port, make_wsgi_app(app, readiness_problem), ThreadingWSGIServer, QuietRequestHandler)


def serve_http(server: WSGIServer, stopping: threading.Event) -> None:
    """Serve until `stopping` is set, then take no new request and wait for those in flight."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http")
    thread.start()
    host, port = server.server_address[:2]
    logger.info(
        "serving Slack requests at http://%s:%d%s (health: %s, readiness: %s)",
        host,
        port,
        EVENTS_PATH,
        HEALTH_PATH,
        READY_PATH,
    )
    stopping.wait()
    logger.info("stopping: taking no new requests, finishing those in flight")
    server.shutdown()
    server.server_close()
    thread.join()
