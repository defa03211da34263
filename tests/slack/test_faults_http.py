"""Faults at the HTTP front of `python -m bot run --mode http`, as a process on 127.0.0.1: a burst of Slack
requests is acknowledged and each answered once, and a client that never finishes its request does not
hold a SIGTERM shutdown; and the server itself (bot.slack.server.HttpServer, around a WSGI app of the
test's): a silent connection is closed, a stop finishes the request in hand, within its deadline."""

from __future__ import annotations

import collections
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.slack import server as http_server
from bot.slack.server import HttpServer
from tests.fake_slack import FakeSlack
from tests.slack.conftest import BotProcess, start_bot

BURST = 200
QUESTION = "奨学金について話したのは誰"
ACK_DEADLINE = 3.0  # seconds: Slack shows the user an error when a command is not acknowledged by then
STOPPED_WITHIN = 15.0  # seconds from SIGTERM to exit; systemd's default is 90 before it kills


@pytest.fixture
def running_bot(tmp_path: Path, fake: FakeSlack, module_db_url: str) -> BotProcess:
    fake.reset()
    bot = start_bot(tmp_path, fake, module_db_url)
    bot.client.wait_ready(bot.process)
    yield bot
    if bot.process.poll() is None:
        bot.process.kill()
        bot.process.wait()


def send_together(bot: BotProcess, count: int) -> list[tuple[int | None, float]]:
    """`count` signed /remarks commands sent at once, each on its own connection: (status or None when the
    connection failed, seconds to the acknowledgement)."""
    barrier = threading.Barrier(count)

    def send(number: int) -> tuple[int | None, float]:
        barrier.wait()
        started = time.monotonic()
        try:
            status: int | None = bot.client.command(QUESTION, response_name=f"burst-{number}").status
        except OSError:  # reset, refused or timed out: the request was lost
            status = None
        return status, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


def test_a_burst_of_200_commands_is_acknowledged_within_3_s_and_each_answered_once(
    running_bot: BotProcess, fake: FakeSlack
) -> None:
    results = send_together(running_bot, BURST)
    lost = [number for number, (status, _) in enumerate(results) if status != 200]
    late = [number for number, (_, seconds) in enumerate(results) if seconds > ACK_DEADLINE]
    assert (len(lost), len(late)) == (0, 0), f"lost {len(lost)}, acknowledged late {len(late)} of {BURST}"
    fake.wait_for("response_url", BURST, timeout=180)
    time.sleep(0.5)  # a second answer to any of them would have come by now
    answers = collections.Counter(call.path for call in fake.recorded("response_url"))
    assert answers == {f"/respond/burst-{number}": 1 for number in range(BURST)}


def test_a_half_open_client_does_not_hold_sigterm_shutdown(running_bot: BotProcess) -> None:
    address = urlparse(running_bot.client.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as half_open:
        # Headers promising a body that never comes, and a connection left open.
        half_open.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"type": '
        )
        assert running_bot.client.get("/healthz").status == 200  # accepted after it: the server has the half-open one
        started = time.monotonic()
        try:
            code = running_bot.stop(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOPPED_WITHIN} s after SIGTERM, held by a half-open connection")
    assert code == 0, running_bot.output()
    assert time.monotonic() - started < STOPPED_WITHIN


@pytest.fixture
def held_app() -> tuple[threading.Event, threading.Event, HttpServer]:
    """An HttpServer whose app takes each request (`taken` is set) and answers once `release` is set."""
    taken, release = threading.Event(), threading.Event()

    def app(environ: dict, start_response) -> list[bytes]:
        taken.set()
        release.wait()
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = HttpServer(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield taken, release, server
    release.set()
    server.shutdown()
    thread.join()


def test_a_silent_connection_is_closed_by_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_server, "IDLE_TIMEOUT", 1)
    monkeypatch.setattr(http_server, "CLEANUP_INTERVAL", 1)
    server = HttpServer(lambda environ, start_response: [], "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as silent:
            silent.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n")  # and nothing more
            assert silent.recv(1) == b""  # closed by the server, long before this socket's own 10 s
    finally:
        server.shutdown()


def test_a_stop_finishes_the_request_in_hand(held_app: tuple[threading.Event, threading.Event, HttpServer]) -> None:
    taken, release, server = held_app
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: bot\r\n\r\n")
        assert taken.wait(5)
        stopping = threading.Thread(target=server.shutdown)
        stopping.start()
        stopping.join(0.5)
        assert stopping.is_alive()  # waiting for the request in hand
        release.set()
        assert client.recv(1024).startswith(b"HTTP/1.1 200 OK")
        stopping.join(5)
        assert not stopping.is_alive()


def test_a_stop_waits_for_a_request_no_longer_than_its_deadline(
    held_app: tuple[threading.Event, threading.Event, HttpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    taken, _, server = held_app
    monkeypatch.setattr(http_server, "STOP_DEADLINE", 1.0)
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: bot\r\n\r\n")
        assert taken.wait(5)
        stopping = threading.Thread(target=server.shutdown)
        stopping.start()
        stopping.join(STOPPED_WITHIN)
        assert not stopping.is_alive()
