"""HTTP mode: one port serving POST /slack/events (events, commands, interactivity) and GET /healthz."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack.service import RemarksService

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's requests are a few kilobytes

logger = logging.getLogger("bot.slack.server")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(app: App, service: RemarksService) -> WSGIApp:
    """A WSGI application: serve it with `serve_http`, or with any WSGI server."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            if service.database_works():
                return _plain(start_response, "200 OK", "ok")
            return _plain(start_response, "503 Service Unavailable", "the database cannot be used")
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
    """One thread per request, so a slow request never holds up Slack's next one."""

    daemon_threads = True


class LoggingRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def make_http_server(app: App, service: RemarksService, host: str, port: int) -> WSGIServer:
    """Bound and ready; port 0 picks a free one (see server.server_port)."""
    return make_server(host, port, make_wsgi_app(app, service), ThreadingWSGIServer, LoggingRequestHandler)


def serve_http(app: App, service: RemarksService, host: str, port: int) -> None:
    server = make_http_server(app, service, host, port)
    logger.info("serving Slack requests at http://%s:%d%s (health: %s)", host, server.server_port, EVENTS_PATH, HEALTH_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()
