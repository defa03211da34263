"""Faults at the HTTP front of `python -m bot run --mode http`, as a process on 127.0.0.1: a burst of Slack
requests is acknowledged and each answered once, and a client that never finishes its request does not
hold a SIGTERM shutdown."""

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

from tests.fake_slack import FakeSlack
from tests.slack.conftest import BotProcess, load_sample, start_bot

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


def test_a_burst_of_200_commands_is_acknowledged_within_3_s_and_each_answered_once(running_bot: BotProcess,
                                                                                 fake: FakeSlack) -> None:
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
        half_open.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1000\r\n\r\n{\"type\": ")
        assert running_bot.client.get("/healthz").status == 200  # accepted after it: the server has the half-open one
        started = time.monotonic()
        try:
            code = running_bot.stop(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOPPED_WITHIN} s after SIGTERM, held by a half-open connection")
    assert code == 0, running_bot.output()
    assert time.monotonic() - started < STOPPED_WITHIN
