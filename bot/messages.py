"""The catalogue of user-facing words (bot/data/messages.toml), keyed by message and language, and the
markup each surface writes them in.

`say(key, language)` is one language's text; `both(key)` is English and Japanese together, for a
message whose reader's language is unknown (a button anyone may click, a list of anyone's titles).
Values put into a message are marked up by the caller with a `Markup`: plain text for a terminal
(`PLAIN`), Slack mrkdwn in bot/slack (`bot.slack.mrkdwn.MRKDWN`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.core.search import Understanding

CATALOGUE = Path(__file__).with_name("data") / "messages.toml"
LANGUAGES = ("en", "ja")
JAPANESE_FIRST = ("ja", "en")  # for the bot's own pages, read first by Japanese-speaking staff


@cache
def catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE.open("rb") as file:
        return tomllib.load(file)


def say(key: str, language: str, **values: object) -> str:
    entry = catalogue()[key]
    return entry.get(language, entry.get("all", "")).format(**values)


def both(key: str, separator: str = " / ", order: tuple[str, ...] = LANGUAGES, **values: object) -> str:
    """The message in English and in Japanese (in `order`), once when it is written for both. A value
    that differs by language is given as a function of the language."""
    entry = catalogue()[key]
    if "all" in entry:
        return say(key, "en", **values)
    texts = [
        say(key, language, **{k: v(language) if callable(v) else v for k, v in values.items()}) for language in order
    ]
    return separator.join(text for text in texts if text)


def by_language() -> dict[str, dict[str, str]]:
    """{language: {key: text}}, the texts written for both under each language."""
    return {
        language: {key: entry.get(language, entry.get("all", "")) for key, entry in catalogue().items()}
        for language in LANGUAGES
    }


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Markup:
    """How a surface writes what goes into a message: people's words (`text`), a user, emphasis, a channel."""

    text: Callable[[str], str] = _same
    user: Callable[[str], str] = "@{}".format
    bold: Callable[[str], str] = _same
    channel: Callable[[str], str] = "#{}".format
    warning: str = "!"  # what precedes a warning


PLAIN = Markup()


def understood_as(understanding: Understanding, language: str, markup: Markup = PLAIN) -> str:
    """`Understood as: speaker 苫前町長 · topics foreign workers / 外国人、外国人材`, or "" when nothing was."""
    parts = []
    if understanding.speaker:
        parts.append(f"{say('speaker', language)} " + "、".join(s.label for s in understanding.speaker.speakers))
    if understanding.topics:
        parts.append(f"{say('topics', language)} " + "; ".join(group.gloss() for group in understanding.topics))
    if understanding.meetings:
        parts.append(
            f"{say('meetings', language)} " + ", ".join(str(m.date or m.title) for m in understanding.meetings)
        )
    if not parts:
        return ""
    return markup.text(f"{say('understood', language)}: " + " · ".join(parts))
