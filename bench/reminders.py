"""Benchmark: 10,000 reminders due in the same minute across 100 channels.

    python bench/reminders.py                  # 10,000 reminders, 100 channels
    python bench/reminders.py --reminders 1000 --channels 10

They are created channel by channel (the order that would starve every channel
but the first if posts were not taken in turn), all due at one time, then
delivered by `run_due` through a local fake Slack Web API (tests/fake_slack.py)
that records every post. Reports the time to drain them, and checks that none
is lost or doubled and that no channel gets two posts within a second (Slack's
guidance). The least possible drain time is (reminders per channel - 1) seconds.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bot.core.when import When  # noqa: E402
from bot.followups.delivery import run_due  # noqa: E402
from bot.services.followups import FollowupService  # noqa: E402
from bot.slack.poster import SlackPoster, make_client  # noqa: E402
from storage.engine import get_engine  # noqa: E402
from tests.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402

TZ = ZoneInfo("Asia/Tokyo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=100)
    args = parser.parse_args()
    due = datetime.datetime.now(TZ).replace(second=0, microsecond=0) + datetime.timedelta(minutes=5)
    slack = FakeSlack()
    with tempfile.TemporaryDirectory(prefix="remarks-reminders-") as tmp:
        engine = get_engine(f"sqlite:///{tmp}/reminders.db")
        started = time.perf_counter()
        per_channel = args.reminders // args.channels
        service = FollowupService(engine, TZ)
        for channel in range(args.channels):
            for number in range(per_channel):
                service.add(
                    title=f"follow-up {channel}-{number}",
                    owners=["U2"],
                    channel_id=f"C{channel:03d}",
                    created_by="U1",
                    remind=When(due),
                )
        created = time.perf_counter() - started

        poster = SlackPoster(make_client(BOT_TOKEN, slack.api_url))
        started = time.perf_counter()
        report = run_due(engine, poster, TZ, due.astimezone(datetime.UTC))
        drained = time.perf_counter() - started
    slack.close()

    posts = slack.recorded("chat.postMessage")
    titles = Counter(post.body["text"] for post in posts)
    by_channel: dict[str, list[float]] = {}
    for post in posts:
        by_channel.setdefault(post.body["channel"], []).append(post.received_at)
    gaps = [b - a for times in by_channel.values() for a, b in zip(times, times[1:])]
    print(f"reminders: {args.reminders:,} in {args.channels} channels, created in {created:.1f} s")
    print(
        f"drained in {drained:.1f} s (least possible: {per_channel - 1} s): posted {report.posted:,}, "
        f"failed {report.failed}, retrying {report.retrying}"
    )
    print(
        f"posts received by Slack: {len(posts):,}; distinct reminders: {len(titles):,}; "
        f"doubled: {sum(1 for n in titles.values() if n > 1)}; lost: {args.reminders - len(titles):,}"
    )
    print(f"shortest gap between two posts in one channel: {min(gaps):.3f} s" if gaps else "one post per channel")


if __name__ == "__main__":
    main()
