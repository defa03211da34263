"""/remarks, its buttons, health, and request verification, over HTTP to the running app."""

from __future__ import annotations

import json
import time

from tests.slack.conftest import FAILING_QUESTION, RunningApp, all_text, buttons, has_bold, section_texts


def test_healthz_says_the_process_is_up_and_readyz_that_it_can_serve(slack: RunningApp) -> None:
    assert (slack.get("/healthz").status, slack.get("/healthz").body.strip()) == (200, "ok")
    assert (slack.get("/readyz").status, slack.get("/readyz").body.strip()) == (200, "ready")


def test_a_question_is_answered_privately_with_bold_matches_and_a_share_button(slack: RunningApp) -> None:
    assert slack.command("what did 苫前町長 say about foreign workers").status == 200
    [reply] = slack.fake.wait_for("response_url")
    body = reply.body
    assert body["response_type"] == "ephemeral"
    texts = section_texts(body["blocks"])
    assert len(texts) == 1 and texts[0].startswith("*苫前町長* · 令和7年度留萌地域づくり連携会議 開催概要 · 2025-10-08")
    assert has_bold(texts[0], "外国人")
    assert "foreign workers / 外国人" in all_text(body["blocks"])
    assert set(buttons(body["blocks"])) == {"remarks_share"}
    assert "苫前町長" in body["text"]


def test_help_and_an_empty_command_show_usage_in_both_languages(slack: RunningApp) -> None:
    slack.command("help", response_name="help")
    slack.command("", response_name="empty")
    replies = slack.fake.wait_for("response_url", 2)
    for reply in replies:
        text = all_text(reply.body["blocks"])
        assert "/remarks 奨学金について話したのは誰" in text and "/remarks who talked about scholarships" in text


def test_speakers_and_meetings_are_listed(slack: RunningApp) -> None:
    slack.command("speakers", response_name="speakers")
    slack.command("meetings", response_name="meetings")
    replies = {r.path: all_text(r.body["blocks"]) for r in slack.fake.wait_for("response_url", 2)}
    assert "苫前町長" in replies["/respond/speakers"]
    assert "2025-10-08 *令和7年度留萌地域づくり連携会議 開催概要*" in replies["/respond/meetings"]


def test_more_pages_through_the_remarks_and_share_posts_the_page_visibly(slack: RunningApp) -> None:
    total = len(slack.service.answer("人材について").results)
    assert total > 15
    slack.command("人材について", response_name="first")
    first = slack.fake.wait_for("response_url")[0].body
    assert len(section_texts(first["blocks"])) == 5
    assert f"{total}件中 1–5件目" in all_text(first["blocks"])
    more = buttons(first["blocks"])["remarks_more"]
    assert len(more["value"]) < 2000

    slack.click(more, "more")
    second = slack.fake.wait_for("response_url", 2)[1].body
    assert second["replace_original"] is True
    assert f"{total}件中 6–10件目" in all_text(second["blocks"])
    assert section_texts(second["blocks"]) != section_texts(first["blocks"])

    slack.click(buttons(second["blocks"])["remarks_share"], "share", user="U777")
    shared = slack.fake.wait_for("response_url", 3)[2].body
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert section_texts(shared["blocks"]) == section_texts(second["blocks"])
    assert "<@U777>" in all_text(shared["blocks"])
    assert "remarks_share" not in buttons(shared["blocks"])

    # Paging a shared message keeps it shared and visible.
    slack.click(buttons(shared["blocks"])["remarks_more"], "shared-more", ephemeral=False)
    third = slack.fake.wait_for("response_url", 4)[3].body
    assert f"{total}件中 11–15件目" in all_text(third["blocks"]) and "<@U777>" in all_text(third["blocks"])


def test_a_button_for_an_unknown_answer_says_it_expired(slack: RunningApp) -> None:
    slack.click({"action_id": "remarks_more", "value": "nosuchkey:1"}, "expired")
    [reply] = slack.fake.wait_for("response_url")
    assert "no longer available" in reply.body["text"]


def test_hostile_question_text_is_escaped(slack: RunningApp) -> None:
    slack.command("<!channel> <!here> <@U123> <https://x.example|click> & 外国人 について")
    [reply] = slack.fake.wait_for("response_url")
    raw = json.dumps(reply.body, ensure_ascii=False)
    for hostile in ("<!channel>", "<!here>", "<@U123>", "<https://x.example|click>"):
        assert hostile not in raw
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://x.example|click&gt; &amp;" in raw


def test_a_question_over_500_characters_is_refused(slack: RunningApp) -> None:
    slack.command("人材" * 251)
    [reply] = slack.fake.wait_for("response_url")
    assert "質問が長すぎます（500文字まで）" in reply.body["text"]
    assert "remarks_share" not in all_text(reply.body["blocks"])


def test_a_failing_listener_apologises_with_an_error_id_and_the_app_keeps_serving(slack: RunningApp, caplog) -> None:
    assert slack.command(FAILING_QUESTION, response_name="fail").status == 200  # still acknowledged
    [apology] = slack.fake.wait_for("response_url")
    assert "Sorry, something went wrong (error id " in apology.body["text"]
    error_id = apology.body["text"].split("error id ")[1].split(")")[0]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(error_id in r.getMessage() and r.exc_info for r in caplog.records):
        time.sleep(0.02)
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)

    slack.command("who talked about scholarships", response_name="after")
    assert len(slack.fake.wait_for("response_url", 2)) == 2


def test_a_bad_signature_is_rejected_and_nothing_is_posted(slack: RunningApp) -> None:
    assert slack.command("人材について", secret="wrongsecret").status == 401
    assert slack.command("人材について", timestamp=int(time.time()) - 6 * 60).status == 401
    time.sleep(0.2)
    assert slack.fake.said() == []
