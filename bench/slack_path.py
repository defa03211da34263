"""Benchmark of the Slack path: a signed `/remarks` request to the HTTP-mode app, until its answer reaches the
response_url, against the time of the answer itself.

    python bench/slack_path.py                   # 200 questions over the real profile's 10k remarks
    python bench/slack_path.py --questions 200 --remarks 100000

The app is wired as `python -m bot run --mode http` wires it (Bolt app, listener threads, reminder scheduler,
WSGI server) and runs in this process against the local fake Slack of the tests (tests/fake_slack.py). Each
question is sent as Slack sends a slash command (form body, signed with the signing secret), one at a time;
the time runs from just before the request is sent to the moment the fake Slack receives the post on the
command's response_url. The same question is then answered directly (`RemarksService.answer`), so the two can
be compared question by question.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import default_shared, write_real_archive  # noqa: E402
from bench.questions import real_questions  # noqa: E402
from bench.run import percentile  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.speakers import default_alias_table  # noqa: E402
from bot.core.topics import default_glossary  # noqa: E402
from bot.ingest import ingest_minutes  # noqa: E402
from bot.services.remarks import RemarksService  # noqa: E402
from bot.slack.app import build_bot  # noqa: E402
from bot.slack.server import EVENTS_PATH, make_http_server  # noqa: E402
from storage.engine import database_url, get_engine  # noqa: E402
from tests.fake_slack import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlack  # noqa: E402


def signed_command(url: str, question: str, response_url: str) -> urllib.request.Request:
    """A /remarks slash command as Slack sends it."""
    form = {
        "command": "/remarks",
        "text": question,
        "user_id": "U1",
        "user_name": "someone",
        "channel_id": "C1",
        "channel_name": "general",
        "team_id": TEAM_ID,
        "token": "verification-token",
        "response_url": response_url,
        "trigger_id": "1.2.3",
        "api_app_id": "A1",
    }
    body = urlencode(form).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return urllib.request.Request(
        url + EVENTS_PATH,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--remarks", type=int, default=10_000, help="size of the real profile's archive")
    parser.add_argument("--shared", type=Path, default=default_shared())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="remarks-slack-bench-") as tmp:
        directory = Path(tmp)
        (directory / "minutes").mkdir()
        archive = write_real_archive(directory / "minutes", args.remarks, args.shared)
        url = f"sqlite:///{directory}/bench.db"
        table = default_alias_table()
        with Session(get_engine(database_url(url, ROOT))) as session:
            for path in archive.paths:
                ingest_minutes(session, path.read_bytes(), path.name, table)
        questions = [q for _, q in real_questions(archive)]
        asked = [questions[i % len(questions)] for i in range(args.questions)]
        slack_ms, answer_ms, ack_ms = measure(url, asked)
    print(
        f"Slack path, HTTP mode, fake Slack on 127.0.0.1; real profile, {archive.remarks:,} remarks; "
        f"{len(asked)} questions one at a time"
    )
    print()
    print("| | p50 (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    differences = [s - a for s, a in zip(slack_ms, answer_ms)]
    for name, values in (
        ("signed /remarks → response_url post", slack_ms),
        ("answer alone (RemarksService.answer)", answer_ms),
        ("difference, question by question", differences),
        ("signed /remarks → acknowledgement", ack_ms),
    ):
        print(f"| {name} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} |")


def measure(url: str, questions: list[str]) -> tuple[list[float], list[float], list[float]]:
    fake = FakeSlack()
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=url,
        bot_digest="off",
    )
    service = RemarksService(settings.sqlalchemy_url, default_alias_table(), default_glossary(), settings.admin_ids)
    bot = build_bot(settings, service)
    bot.start()
    server = make_http_server(bot.app, bot.readiness_problem, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    app_url = f"http://127.0.0.1:{server.server_port}"
    slack_ms, answer_ms, ack_ms = [], [], []
    try:
        service.answer("warm up")
        for number, question in enumerate(questions):
            fake.reset()
            request = signed_command(app_url, question, fake.response_url(f"q{number}"))
            started = time.time()
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200, response.status
            ack_ms.append((time.time() - started) * 1000)
            [post] = fake.wait_for("response_url", timeout=30)
            assert "blocks" in post.body, post.body  # an answer, not an error
            slack_ms.append((post.received_at - started) * 1000)
            t = time.perf_counter()
            service.answer(question)
            answer_ms.append((time.perf_counter() - t) * 1000)
    finally:
        server.shutdown()
        server.server_close()
        bot.stop()
        fake.close()
    return slack_ms, answer_ms, ack_ms


if __name__ == "__main__":
    main()
