"""The `/followup` command's arguments, parsed into one dataclass per subcommand (its help text is the
catalogue's `followup_help`).

`add 報告書を送る 担当 @sato 期限 12月1日 リマインド 毎週月曜 9時` is the same as
`add 報告書を送る owner @sato due Dec 1 remind every Monday 9:00`. Pure: no Slack, no database. Owners
are the words that `user_of` (given by the surface) reads as a user: Slack's mentions, for Slack.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.when import When, WhenError, fold_width, parse_duration, parse_when

KEYWORDS = {
    "owner": "owner",
    "owners": "owner",
    "担当": "owner",
    "担当者": "owner",
    "due": "due",
    "期限": "due",
    "remind": "remind",
    "リマインド": "remind",
}
SUBCOMMANDS = {
    "add": "add",
    "追加": "add",
    "list": "list",
    "一覧": "list",
    "done": "done",
    "完了": "done",
    "cancel": "cancel",
    "取消": "cancel",
    "キャンセル": "cancel",
    "snooze": "snooze",
    "延期": "snooze",
    "help": "help",
    "ヘルプ": "help",
    "suggest": "suggest",
    "提案": "suggest",
}
LIST_SCOPES = {
    "": "open",
    "open": "open",
    "mine": "mine",
    "自分": "mine",
    "all": "all",
    "全部": "all",
    "すべて": "all",
    "overdue": "overdue",
    "期限切れ": "overdue",
}
OWNER_SEPARATORS = re.compile(r"[\s,、]+")
UserOf = Callable[[str], str | None]  # the user id a word names, or None


class CommandError(ValueError):
    """A `/followup` text that cannot be carried out: `key` names the catalogue's message saying why
    (bot/data/messages.toml), `values` fill it in."""

    def __init__(self, key: str, **values: str):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Add:
    title: str
    owners: tuple[str, ...]  # user IDs; empty means the person who typed the command
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


def _nobody(_word: str) -> str | None:
    return None


def parse_command(text: str, now: datetime.datetime, tz: ZoneInfo, user_of: UserOf = _nobody) -> Command:
    words = text.strip().split(maxsplit=1)
    if not words:
        return Help()
    name = SUBCOMMANDS.get(fold_width(words[0]))
    rest = words[1].strip() if len(words) > 1 else ""
    if name is None:
        raise CommandError("command_unknown", word=words[0])
    if name == "help":
        return Help()
    if name == "add":
        return _parse_add(rest, now, tz, user_of)
    if name == "list":
        if (scope := LIST_SCOPES.get(fold_width(rest))) is None:
            raise CommandError("command_list_scope")
        return ListFollowups(scope)
    if name == "suggest":
        return Suggest(rest)
    number, _, argument = rest.partition(" ")
    followup_id = _number(number)
    if name == "snooze":
        try:
            return Snooze(followup_id, parse_duration(argument or "1d"))
        except WhenError as error:
            raise CommandError("command_when", error=str(error)) from None
    return Close(followup_id, "done" if name == "done" else "cancelled")


def _number(text: str) -> int:
    digits = fold_width(text).lstrip("#")
    if not digits.isdigit():
        raise CommandError("command_number")
    return int(digits)


def _parse_add(text: str, now: datetime.datetime, tz: ZoneInfo, user_of: UserOf) -> Add:
    """Split at the keywords (owner/担当, due/期限, remind/リマインド): the title comes before the first."""
    parts: dict[str, list[str]] = {"title": []}
    current = "title"
    for token in text.split():
        key = KEYWORDS.get(token.lower().rstrip(":：")) if current != "title" or parts["title"] else None
        if key is not None:
            if key in parts:
                raise CommandError("command_twice", word=token)
            current = key
            parts[key] = []
        else:
            parts[current].append(token)
    title = " ".join(parts["title"]).strip()
    if not title:
        raise CommandError("command_no_title")
    owners: tuple[str, ...] = ()
    if "owner" in parts:
        words = [word for word in OWNER_SEPARATORS.split(" ".join(parts["owner"])) if word]
        users = [user_of(word) for word in words]
        owners = tuple(dict.fromkeys(user for user in users if user))
        if not owners or None in users:
            raise CommandError("command_owners")
    due = _when(parts, "due", now, tz)
    if due is not None and due.recurrence is not None:
        raise CommandError("command_due_repeats")
    return Add(title, owners, due, _when(parts, "remind", now, tz))


def _when(parts: dict[str, list[str]], key: str, now: datetime.datetime, tz: ZoneInfo) -> When | None:
    if key not in parts:
        return None
    try:
        return parse_when(" ".join(parts[key]), now, tz)
    except WhenError as error:
        raise CommandError("command_when", error=str(error)) from None
