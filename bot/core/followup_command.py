"""The `/followup` command's arguments, parsed into one dataclass per subcommand, and its help text.

`add 報告書を送る 担当 @sato 期限 12月1日 リマインド 毎週月曜 9時` is the same as
`add 報告書を送る owner @sato due Dec 1 remind every Monday 9:00`. Pure: no Slack, no database.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.when import When, WhenError, normalize, parse_duration, parse_when

KEYWORDS = {"owner": "owner", "owners": "owner", "担当": "owner", "担当者": "owner",
            "due": "due", "期限": "due", "remind": "remind", "リマインド": "remind"}
SUBCOMMANDS = {"add": "add", "追加": "add", "list": "list", "一覧": "list", "done": "done", "完了": "done",
               "cancel": "cancel", "取消": "cancel", "キャンセル": "cancel", "snooze": "snooze", "延期": "snooze",
               "help": "help", "ヘルプ": "help", "suggest": "suggest", "提案": "suggest"}
LIST_SCOPES = {"": "open", "open": "open", "mine": "mine", "自分": "mine", "all": "all", "全部": "all", "すべて": "all",
               "overdue": "overdue", "期限切れ": "overdue"}
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class CommandError(ValueError):
    """A `/followup` text that cannot be carried out; the message says why, in both languages."""


@dataclass(frozen=True)
class Add:
    title: str
    owners: tuple[str, ...]  # Slack user IDs; empty means the person who typed the command
    due: When | None
    remind: When | None


@dataclass(frozen=True)
class ListFollowups:
    scope: str  # open, mine, all, overdue


@dataclass(frozen=True)
class Close:
    followup_id: int
    status: str  # done, cancelled


@dataclass(frozen=True)
class Snooze:
    followup_id: int
    delay: datetime.timedelta


@dataclass(frozen=True)
class Suggest:
    meeting: str  # empty: the latest meeting


@dataclass(frozen=True)
class Help:
    pass


Command = Add | ListFollowups | Close | Snooze | Suggest | Help


def parse_command(text: str, now: datetime.datetime, tz: ZoneInfo) -> Command:
    words = text.strip().split(maxsplit=1)
    if not words:
        return Help()
    name = SUBCOMMANDS.get(normalize(words[0]))
    rest = words[1].strip() if len(words) > 1 else ""
    if name is None:
        raise CommandError(f"Unknown subcommand “{words[0]}”: try `/followup help`.\n「{words[0]}」は使えません: `/followup help` をご覧ください。")
    if name == "help":
        return Help()
    if name == "add":
        return _parse_add(rest, now, tz)
    if name == "list":
        if (scope := LIST_SCOPES.get(normalize(rest))) is None:
            raise CommandError("List what? `list`, `list mine`, `list all`, `list overdue`.\n`list 自分`、`list 全部`、`list 期限切れ` が使えます。")
        return ListFollowups(scope)
    if name == "suggest":
        return Suggest(rest)
    number, _, argument = rest.partition(" ")
    followup_id = _number(number)
    if name == "snooze":
        try:
            return Snooze(followup_id, parse_duration(argument or "1d"))
        except WhenError as error:
            raise CommandError(str(error)) from None
    return Close(followup_id, "done" if name == "done" else "cancelled")


def _number(text: str) -> int:
    digits = normalize(text).lstrip("#")
    if not digits.isdigit():
        raise CommandError("Give the follow-up's number, e.g. `done 12` (see `/followup list`).\n番号を指定してください(例: `done 12`)。")
    return int(digits)


def _parse_add(text: str, now: datetime.datetime, tz: ZoneInfo) -> Add:
    """Split at the keywords (owner/担当, due/期限, remind/リマインド): the title comes before the first."""
    parts: dict[str, list[str]] = {"title": []}
    current = "title"
    for token in text.split():
        key = KEYWORDS.get(token.lower().rstrip(":：")) if current != "title" or parts["title"] else None
        if key is not None:
            if key in parts:
                raise CommandError(f"“{token}” is given twice.\n「{token}」が2回指定されています。")
            current = key
            parts[key] = []
        else:
            parts[current].append(token)
    title = " ".join(parts["title"]).strip()
    if not title:
        raise CommandError("What is to be done? e.g. `/followup add Send the survey owner @sato due Dec 1`.\n"
                           "内容を書いてください(例: `/followup add アンケート送付 担当 @sato 期限 12月1日`)。")
    owners: tuple[str, ...] = ()
    if "owner" in parts:
        owner_text = " ".join(parts["owner"])
        owners = tuple(dict.fromkeys(MENTION.findall(owner_text)))
        if not owners or MENTION.sub("", owner_text).strip(" ,、"):
            raise CommandError("Owners are @mentions of people, e.g. `owner @sato @tanaka`.\n担当は @メンション で指定してください。")
    due = _when(parts, "due", now, tz)
    if due is not None and due.recurrence is not None:
        raise CommandError("A due date is one date, not a repetition.\n期限は繰り返しではなく日時で指定してください。")
    return Add(title, owners, due, _when(parts, "remind", now, tz))


def _when(parts: dict[str, list[str]], key: str, now: datetime.datetime, tz: ZoneInfo) -> When | None:
    if key not in parts:
        return None
    try:
        return parse_when(" ".join(parts[key]), now, tz)
    except WhenError as error:
        raise CommandError(str(error)) from None


HELP = """*/followup* — follow-up actions and reminders / フォローアップとリマインダー
• `/followup add <what> [owner @user…] [due <when>] [remind <when | every …>]`
  `/followup add <内容> [担当 @user…] [期限 <日時>] [リマインド <日時 | 毎週…>]`
  e.g. `/followup add Send the survey owner @sato due Dec 1 remind every Monday 9:00`
  例: `/followup add アンケート送付 担当 @sato 期限 12月1日 リマインド 毎週月曜 9時`
• `/followup list [mine | all | overdue]` — open ones (default), yours, all, overdue / 一覧 (自分・全部・期限切れ)
• `/followup done N` · `/followup cancel N` — close follow-up N / 完了・取消
• `/followup snooze N <duration>` — remind again later, e.g. `snooze 3 1d`, `snooze 3 2時間` / 延期
• `/followup suggest [meeting]` — remarks that sound like commitments / 発言からフォローアップ候補
• `/followup help` — this text / このヘルプ
Times / 日時: `2026-12-01 15:00`, `tomorrow 9am`, `in 3 days`, `next Monday`, `Dec 1`, `every Monday 9:00`, `weekdays 8:30`,
`明日 9時`, `明後日`, `3日後`, `来週月曜`, `今週金曜 15時`, `12月1日 15時`, `毎週月曜 9時`, `毎月1日`, `午後3時`.
A date without a time means 09:00 / 時刻がなければ 9:00。 With a due date and no `remind`, the reminder is at the due time. / `リマインド` がなければ期限にリマインドします。"""
