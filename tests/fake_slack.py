"""A local stand-in for Slack, shared by every test: its Web API, response_url, file downloads and a
Socket Mode server.

`FakeSlack()` serves on 127.0.0.1 at once; point the app (SLACK_API_URL, or `WebClient(base_url=…)`) at
`api_url`. Every call is recorded, in order, as a `Call`; `wait_for` polls with a timeout because the app
answers asynchronously after acknowledging. `script(method, *answers)` makes the next calls of a method
(or of "response_url") answer as scripted, once each and in order, before the normal answers resume: a
429 with Retry-After, a 500, an `{"ok": false}` error, or a normal answer sent late (`slow`); a 500 given
after the post was made (`POSTED_THEN_500`), as when Slack fails after taking a message.
A message posted is in its channel's history (`conversations.history`, replies left out) and its thread's
(`conversations.replies`), with its metadata when asked for `include_all_metadata` and only after `oldest`
when given, from the moment the post arrives, even when its answer is late or never read.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from websockets.sync.server import ServerConnection, serve

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
SIGNING_SECRET = "fakesigningsecret"
TEAM_ID = "T0TEST"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
# What the app says to people: every one of these calls is a message, an update or a view.
SAYING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "views.open", "views.publish")


@dataclass(frozen=True)
class Call:
    method: str  # a Web API method, "response_url" or "download"
    body: dict[str, Any]
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: `body` None means the normal answer, after `delay` seconds."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    posts: bool = False  # a chat.postMessage is posted, then answered with `body` all the same


def rate_limited(retry_after: int = 2) -> Scripted:
    return Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


SERVER_ERROR = Scripted(500, {"ok": False, "error": "internal_error"})
POSTED_THEN_500 = Scripted(500, {"ok": False, "error": "internal_error"}, posts=True)
CHANNEL_NOT_FOUND = Scripted(200, {"ok": False, "error": "channel_not_found"})
INVALID_BLOCKS = Scripted(200, {"ok": False, "error": "invalid_blocks"})
BLOCK_TEXT_LIMIT = 3000  # what Slack takes in a section's or a context element's text


def _too_long(body: dict[str, Any]) -> bool:
    """Whether Slack would refuse the message's blocks: a section or context text over its limit."""
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    texts = [b["text"].get("text", "") for b in blocks if isinstance(b.get("text"), dict)]
    texts += [e.get("text", "") for b in blocks if b.get("type") == "context" for e in b.get("elements", [])]
    return any(len(text) > BLOCK_TEXT_LIMIT for text in texts)


def slow(seconds: float) -> Scripted:
    return Scripted(delay=seconds)


class FakeSlack:
    """The Web API at `api_url`, response URLs from `response_url(name)`, files at /files/<id>."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.socket_url = ""
        self._scripted: dict[str, list[Scripted]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel → its messages, oldest first
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.api_url = self.base_url + "/api/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/respond/{name}"

    def add_file(self, file_id: str, name: str, data: bytes) -> dict[str, Any]:
        """A file as an event carries it."""
        self.files[file_id] = (name, data)
        return {"id": file_id, "name": name}

    def script(self, method: str, *answers: Scripted) -> None:
        with self._lock:
            self._scripted.setdefault(method, []).extend(answers)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._scripted.clear()
            self.history.clear()

    def recorded(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if method is None or c.method == method]

    def said(self) -> list[Call]:
        """Everything the app said to people: messages, updates, response_url posts, views."""
        with self._lock:
            return [c for c in self.calls if c.method in SAYING]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.recorded(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) of {method} within {timeout}s, got {self.recorded()}")

    # -- serving ------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if request.headers.get_content_type() == "application/json":
            body = json.loads(raw or b"{}")
        else:
            body = dict(parse_qsl(raw.decode()))
        body.update(parse_qsl(url.query))
        headers = {k.lower(): v for k, v in request.headers.items()}
        if url.path.startswith("/files/"):
            return self._download(request, url.path.removeprefix("/files/"), headers)
        method = "response_url" if url.path.startswith("/respond/") else url.path.removeprefix("/api/")
        with self._lock:
            self.calls.append(Call(method, body, url.path, headers))
            scripted = self._scripted[method].pop(0) if self._scripted.get(method) else Scripted()
            if method in ("chat.postMessage", "chat.update") and scripted.body is None and _too_long(body):
                scripted = INVALID_BLOCKS
            if method == "chat.postMessage" and (scripted.body is None or scripted.posts):
                body["ts"] = f"1700000000.{next(self._ts):06d}"
                message = {"type": "message", "text": body.get("text"), "ts": body["ts"]}
                for name in ("metadata", "thread_ts"):
                    if body.get(name):
                        message[name] = body[name]
                self.history.setdefault(str(body.get("channel")), []).append(message)
        time.sleep(scripted.delay)
        if scripted.body is not None:
            return self._send(
                request, scripted.status, json.dumps(scripted.body).encode(), "application/json", scripted.headers
            )
        if method == "response_url":
            return self._send(request, 200, b"ok", "text/plain")
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if headers.get("authorization") != f"Bearer {expected}":
            return self._json(request, {"ok": False, "error": "invalid_auth"})
        self._json(request, self._answer(method, body))

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://rumoi.example/",
                "team": "Rumoi",
                "user": "remarks",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in ("conversations.history", "conversations.replies"):
            return self._messages(method, body)
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {"text": body.get("text"), "ts": ts},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V1", **body.get("view", {})}}
        if method == "conversations.open":
            # The DM of U123 is D123: tests can tell whose DM a message went to.
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).removeprefix("U")}}
        if method == "files.info":
            file_id = body.get("file", "")
            if file_id not in self.files:
                return {"ok": False, "error": "file_not_found"}
            name, data = self.files[file_id]
            return {
                "ok": True,
                "file": {
                    "id": file_id,
                    "name": name,
                    "size": len(data),
                    "url_private_download": f"{self.base_url}/files/{file_id}",
                },
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}

    def _messages(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """A channel's messages newest first, replies left out; or a thread's, its first message first."""
        with_metadata = body.get("include_all_metadata") in ("1", "true", "True", True)
        oldest = float(body.get("oldest") or 0)
        posted = self.history.get(str(body.get("channel")), [])
        if method == "conversations.history":
            found = [m for m in reversed(posted) if m.get("thread_ts", m["ts"]) == m["ts"]]
        else:
            found = [m for m in posted if body.get("ts") in (m["ts"], m.get("thread_ts"))]
        messages = [
            {k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in found if float(m["ts"]) > oldest
        ]
        return {"ok": True, "messages": messages[: int(body.get("limit") or 100)], "has_more": False}

    def _download(self, request: BaseHTTPRequestHandler, file_id: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.calls.append(Call("download", {"file": file_id}, request.path, headers))
        if headers.get("authorization") != f"Bearer {BOT_TOKEN}" or file_id not in self.files:
            # What Slack does too: a sign-in page instead of the file.
            return self._send(request, 200, b"<html>sign in</html>", "text/html")
        self._send(request, 200, self.files[file_id][1], "application/octet-stream")

    def _json(self, request: BaseHTTPRequestHandler, payload: dict[str, Any]) -> None:
        self._send(request, 200, json.dumps(payload).encode(), "application/json")

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)


class FakeSocketMode:
    """A Socket Mode endpoint: greets each connection with "hello", sends queued envelopes,
    and records the acknowledgements (and anything else) the app sends back."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connections = 0
        self._lock = threading.Lock()
        self.server = serve(self._serve, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()

    def send(self, envelope: dict[str, Any]) -> None:
        self.outbox.put(envelope)

    def wait_for_ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
            time.sleep(0.02)
        raise AssertionError(f"no acknowledgement of {envelope_id} within {timeout}s; got {self.received}")

    def wait_connected(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.connections:
            time.sleep(0.05)
        assert self.connections, f"the app did not connect within {timeout}s"

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}))
        with self._lock:
            self.connections += 1
        while True:
            try:
                connection.send(json.dumps(self.outbox.get_nowait()))
            except queue.Empty:
                pass
            try:
                message = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            with self._lock:
                self.received.append(json.loads(message))
