"""Two bot processes on one SQLite file post each reminder exactly once; the CLI commands."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

from bot.core.when import Recurrence, When
from tests.conftest import CHILD_PYTHONPATH
from tests.fake_slack import BOT_TOKEN
from tests.followups.conftest import TZ


def bot(args: list[str], db_url: str, slack_url: str, cwd: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_url,
        "BOT_DIGEST": "off",
        "PYTHONPATH": CHILD_PYTHONPATH,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_processes_running_due_reminders_at_once_post_each_once(engine, db_url, slack, add, tmp_path):
    due = datetime.datetime.now(TZ) - datetime.timedelta(minutes=1)
    titles = [f"Task {n}" for n in range(12)]
    for n, title in enumerate(titles):
        recurrence = Recurrence("daily", due.time().replace(second=0, microsecond=0)) if n % 3 == 0 else None
        add(title, When(due, recurrence), channel=f"C{n % 4}")
    processes = [bot(["reminders", "run-due"], db_url, slack.api_url, tmp_path) for _ in range(3)]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    posted = sorted(post.body["text"].split("Reminder: ")[1] for post in slack.recorded("chat.postMessage"))
    assert posted == sorted(titles)
    assert sum(int(out.split()[1]) for out, _ in outputs) == len(titles)  # "reminders: N posted, …"


def test_followups_list_prints_them_for_an_administrator(engine, db_url, slack, add, tmp_path):
    add(
        "Send the survey",
        When(datetime.datetime(2030, 12, 1, 9, 0, tzinfo=TZ)),
        due=When(datetime.datetime(2030, 12, 1, 9, 0, tzinfo=TZ)),
    )
    out, err = bot(["followups", "list"], db_url, slack.api_url, tmp_path).communicate(timeout=60)
    assert "#1 Send the survey — @U2 — due 2030-12-01 (Sun) 09:00 JST" in out, err  # plain text: no Slack markup
