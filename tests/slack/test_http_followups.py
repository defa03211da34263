"""Follow-ups through the running app over HTTP: "Track as follow-up" on a remark and its modal, /followup
with the Done button of a reminder, and the Home tab's list with its Done and Snooze buttons."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session

from storage.models import FollowUp
from tests.slack.conftest import RunningApp, accessories, all_text, buttons, submission

QUESTION = "what did 苫前町長 say about foreign workers"


def followup(running: RunningApp, followup_id: int) -> FollowUp:
    with Session(running.service.engine) as session:
        found = session.get(FollowUp, followup_id)
        assert found is not None
        return found


def test_track_on_a_remark_opens_a_modal_prefilled_from_it_and_submitting_adds_the_followup(slack: RunningApp) -> None:
    slack.command(QUESTION, response_name="answer")
    [answer] = slack.fake.wait_for("response_url")
    [track] = accessories(answer.body["blocks"])
    remark_id = slack.service.answer(QUESTION).results[0].remark_id
    assert (track["action_id"], track["value"], track["text"]["text"]) == (
        "followup_track",
        str(remark_id),
        "Track as follow-up",
    )

    assert slack.click(track, "track").status == 200
    [opened] = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    assert opened.body["trigger_id"] == "1.2.3" and view["callback_id"] == "followup_modal"
    assert json.loads(view["private_metadata"]) == {"remark_id": remark_id}
    fields = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert "外国人" in fields["title"]["initial_value"] and not fields["title"]["initial_value"].startswith("苫前町長")
    assert fields["owners"]["initial_users"] == ["U1"] and fields["channel"]["initial_conversation"] == "C1"

    refused = slack.interaction(submission(view, "外国人材の受入れを調べる", "someday"))
    assert refused.status == 200 and "remind" in json.loads(refused.body)["errors"]

    assert slack.interaction(submission(view, "外国人材の受入れを調べる", "2030-12-01 09:00")).status == 200
    [added] = slack.fake.wait_for("chat.postMessage")
    assert added.body["channel"] == "U1"
    assert "を登録しました。2030年12月1日(日) 9:00 にリマインドします" in added.body["text"]
    followup_id = int(re.search(r"#(\d+)", added.body["text"]).group(1))
    tracked = followup(slack, followup_id)
    assert tracked.remark_id == remark_id and tracked.channel_id == "C1" and tracked.owners == ["U1"]
    assert tracked.source_remark.startswith("苫前町長: ") and "2025-10-08" in tracked.source_meeting


def test_followup_add_then_done_on_the_reminder_then_a_stale_click(slack: RunningApp) -> None:
    slack.command("add 報告書を送る 担当 <@U2|sato> リマインド 2030-12-01 09:00", name="/followup", response_name="add")
    [reply] = slack.fake.wait_for("response_url")
    assert "2030年12月1日(日) 9:00 にリマインドします" in reply.body["text"]
    followup_id = int(re.search(r"#(\d+)", reply.body["text"]).group(1))
    assert followup(slack, followup_id).owners == ["U2"]

    done = {"action_id": "followup_done", "value": str(followup_id)}
    slack.click(done, "done-1", ephemeral=False, user="U2", message_ts="1700000000.000100")
    [update] = slack.fake.wait_for("chat.update")
    assert update.body["ts"] == "1700000000.000100" and "Done" in update.body["text"]
    assert followup(slack, followup_id).status == "done"

    slack.click(done, "done-2", ephemeral=False, user="U3", message_ts="1700000000.000100")
    stale = slack.fake.wait_for("response_url", 2)[1]
    assert "already done by <@U2>" in stale.body["text"] and stale.body["replace_original"] is False


def test_a_title_is_stored_as_typed_and_shown_escaped(slack: RunningApp) -> None:
    slack.command("add Check &lt;!channel&gt; &amp; co owner <@U4>", name="/followup", response_name="add")
    followup_id = int(re.search(r"#(\d+)", slack.fake.wait_for("response_url")[0].body["text"]).group(1))
    assert followup(slack, followup_id).title == "Check <!channel> & co"
    slack.command("list mine", user="U4", name="/followup", response_name="list")
    listed = slack.fake.wait_for("response_url", 2)[1].body["text"]
    assert "Check &lt;!channel&gt; &amp; co" in listed and "<!channel>" not in listed


def home_opened(slack: RunningApp, user: str, event_id: str) -> dict[str, Any]:
    slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}, event_id)
    publishes = [c for c in slack.fake.wait_for("views.publish") if c.body["user_id"] == user]
    return publishes[-1].body["view"]


def test_the_home_tab_lists_my_open_followups_and_its_buttons_act_and_redraw_it(slack: RunningApp) -> None:
    slack.command("add Send the survey owner <@U5> due 2030-12-01", name="/followup", response_name="mine")
    slack.command("add Not mine owner <@U6>", name="/followup", response_name="theirs")
    slack.fake.wait_for("response_url", 2)

    view = home_opened(slack, "U5", "EvHome5")
    text = all_text(view["blocks"])
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "Send the survey" in text and "due 2030-12-01 (Sun) 09:00 JST" in text and "Not mine" not in text
    assert "令和7年度留萌地域づくり連携会議" in text  # the recent meetings
    actions = buttons(view["blocks"])
    assert set(actions) == {"followup_done", "followup_snooze_1d", "followup_snooze_1w"}

    slack.click_home(actions["followup_snooze_1w"], user="U5")
    snoozed = slack.fake.wait_for("views.publish", 2)[1].body
    assert snoozed["user_id"] == "U5" and "Snoozed by <@U5>" in all_text(snoozed["view"]["blocks"])

    slack.click_home(actions["followup_done"], user="U5")
    redrawn = slack.fake.wait_for("views.publish", 3)[2].body["view"]
    text = all_text(redrawn["blocks"])
    assert "Done: #" in text and "No open follow-ups" in text and not buttons(redrawn["blocks"])
    assert slack.fake.recorded("response_url")[2:] == []  # a Home tab has no response_url: nothing else was said
