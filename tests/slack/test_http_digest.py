"""Done and Snooze clicked in the weekly digest, through the running app over HTTP: the follow-up is closed or
snoozed as from a reminder, and the digest keeps the other follow-ups and their buttons."""

from __future__ import annotations

import datetime
import re
import time
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.slack.followup_messages import digest_message
from storage.models import FollowUp, ReminderRule
from tests.slack.conftest import RunningApp


def add(slack: RunningApp, title: str, replies: int) -> int:
    slack.command(f"add {title} 担当 <@U2|sato>", name="/followup", response_name="add")
    reply = slack.fake.wait_for("response_url", replies)[replies - 1]
    return int(re.search(r"#(\d+)", reply.body["text"]).group(1))


def click_in(slack: RunningApp, blocks: list[dict], action_id: str, followup_id: int, user: str = "U2"):
    return slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "trigger_id": "1.2.3",
            "container": {
                "type": "message",
                "message_ts": "1700000000.000200",
                "channel_id": "C1",
                "is_ephemeral": False,
            },
            "channel": {"id": "C1"},
            "message": {"ts": "1700000000.000200", "blocks": blocks},
            "response_url": slack.fake.response_url("digest-click"),
            "actions": [
                {
                    "type": "button",
                    "block_id": f"followup-{followup_id}-1",
                    "action_id": action_id,
                    "value": str(followup_id),
                    "action_ts": str(time.time()),
                }
            ],
        }
    )


def test_done_and_snooze_in_the_digest_act_and_update_only_that_line(slack: RunningApp) -> None:
    hall, survey = add(slack, "会場を予約する", 1), add(slack, "アンケートを送る", 2)
    with Session(slack.service.engine) as session:
        rows = [session.get(FollowUp, hall), session.get(FollowUp, survey)]
        _, blocks = digest_message(rows, datetime.datetime.now(datetime.UTC), ZoneInfo("Asia/Tokyo"))

    assert click_in(slack, blocks, "followup_done", hall).status == 200
    [update] = slack.fake.wait_for("chat.update")
    assert update.body["ts"] == "1700000000.000200"
    updated = update.body["blocks"]
    assert "~会場を予約する~" in str(updated) and "アンケートを送る" in str(updated)
    assert [b["elements"][0]["value"] for b in updated if b["type"] == "actions"] == [str(survey)]

    assert click_in(slack, updated, "followup_snooze_1w", survey).status == 200
    second = slack.fake.wait_for("chat.update", 2)[1].body["blocks"]
    assert not [b for b in second if b["type"] == "actions"] and "Snoozed" in str(second)
    with Session(slack.service.engine) as session:
        assert session.get(FollowUp, hall).status == "done"
        assert len(session.exec(select(ReminderRule).where(ReminderRule.followup_id == survey)).all()) == 1
