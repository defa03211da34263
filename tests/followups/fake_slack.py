"""A tiny local stand-in for the Slack Web API: records calls and answers as scripted.

`FakeSlack().start()` serves on 127.0.0.1; point `WebClient(base_url=fake.url)` at it. Script answers
per method with `fail(method, *answers)`: each answer is (HTTP status, headers, JSON body) and is used
once, in order, before the normal successful answer.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], dict]

RATE_LIMITED: Answer = (429, {"Retry-After": "2"}, {"ok": False, "error": "ratelimited"})
SERVER_ERROR: Answer = (500, {}, {"ok": False, "error": "internal_error"})
CHANNEL_NOT_FOUND: Answer = (200, {}, {"ok": False, "error": "channel_not_found"})


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.scripted: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._ts = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                method = self.path.rstrip("/").rsplit("/", 1)[-1]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    payload = json.loads(raw or "{}")
                else:
                    payload = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                status, headers, body = fake.answer(method, payload)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> FakeSlack:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, *answers: Answer) -> None:
        with self._lock:
            self.scripted.setdefault(method, []).extend(answers)

    def answer(self, method: str, payload: dict) -> Answer:
        with self._lock:
            self.calls.append((method, payload))
            if self.scripted.get(method):
                return self.scripted[method].pop(0)
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
        if method == "conversations.open":
            return 200, {}, {"ok": True, "channel": {"id": "D" + str(payload.get("users", "")).lstrip("U")}}
        if method in ("chat.postMessage", "chat.update"):
            return 200, {}, {"ok": True, "channel": payload.get("channel"), "ts": payload.get("ts") or ts}
        return 200, {}, {"ok": True}

    def posts(self, method: str = "chat.postMessage") -> list[dict]:
        with self._lock:
            return [payload for name, payload in self.calls if name == method]
