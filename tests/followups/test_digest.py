"""The weekly digest: open follow-ups by owner, overdue first, each with the Done / Snooze buttons of a reminder;
a click in it updates only that follow-up's line."""

from __future__ import annotations

import datetime

from bot.clock import FixedClock
from bot.core.when import Recurrence, When
from bot.followups.delivery import run_digest
from bot.services.followups import FollowupService
from bot.slack.followup_messages import DIGEST_BUTTONS, digest_message, message_after_click
from storage.models import FollowUp
from tests.followups.conftest import TZ, jst

NOW = jst(2026, 11, 30, 9, 0)


def followup(followup_id: int, title: str, owners: list[str], due: datetime.datetime | None = None) -> FollowUp:
    return FollowUp(id=followup_id, title=title, owners=owners, channel_id="C1", created_by="U1", due_at=due)


def texts(blocks: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def test_owners_with_overdue_follow_ups_come_first_and_overdue_ones_first_in_each():
    rows = [
        followup(1, "Book the hall", ["U1"]),
        followup(2, "Not due", ["U2"]),
        followup(3, "Late", ["U2"], due=jst(2026, 11, 20, 9, 0)),
        followup(4, "Shared", ["U1", "U2"]),
    ]
    text, blocks = digest_message(rows, NOW, TZ)
    assert text == "Open follow-ups / 未完了のフォローアップ (4)"
    body = texts(blocks)
    assert body.index("<@U2>") < body.index("Late") < body.index("Not due") < body.index("*<@U1>*") < body.index("Book")
    assert body.count("Shared") == 2  # under each of its owners
    assert "(overdue)" in body
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 5 and len({b["block_id"] for b in blocks if "block_id" in b}) == len(blocks)
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        "followup_done",
        "followup_snooze_1d",
        "followup_snooze_1w",
    ]
    assert actions[0]["elements"][0]["value"] == "3"


def test_a_long_digest_keeps_within_slacks_block_limit():
    rows = [followup(n, f"Task {n}", ["U1"]) for n in range(1, 61)]
    _, blocks = digest_message(rows, NOW, TZ)
    assert len(blocks) <= 50 and sum(b["type"] == "actions" for b in blocks) == DIGEST_BUTTONS
    assert "Task 60" in texts(blocks)


def test_done_in_the_digest_strikes_that_line_and_keeps_the_others():
    rows = [followup(1, "Book the hall", ["U1"]), followup(12, "Send the survey", ["U1"])]
    _, blocks = digest_message(rows, NOW, TZ)
    rows[0].status = "done"
    text, after = message_after_click(rows[0], "Done: #1 Book the hall (by <@U1>)", blocks)
    assert text == "Book the hall: Done: #1 Book the hall (by <@U1>)"
    assert "~Book the hall~" in texts(after) and "*<@U1>*" in texts(after)
    assert [b["elements"][0]["value"] for b in after if b["type"] == "actions"] == ["12"]


def test_a_click_on_a_reminder_still_replaces_it():
    done = followup(5, "Book the hall", ["U1"])
    done.status = "done"
    _, blocks = message_after_click(done, "Done", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}])
    assert blocks[0]["text"]["text"] == "~Book the hall~\nDone"


def test_the_digest_posted_has_the_buttons_and_done_from_it_closes_the_follow_up(engine, poster, slack, add):
    first, _ = add("Late", due=When(jst(2026, 11, 20, 9, 0)), owners=("U2",))
    add("Not due", owners=("U2",))
    monday = Recurrence("weekly", datetime.time(9), (0,))
    assert run_digest(engine, poster, TZ, monday, jst(2026, 11, 30, 9, 0, 10)).posted == 1
    [posted] = slack.recorded("chat.postMessage")
    done = next(b for b in posted.body["blocks"] if b["type"] == "actions")["elements"][0]
    assert done["value"] == str(first)
    assert FollowupService(engine, TZ, FixedClock(NOW)).close(int(done["value"]), "done", "U2").changed
