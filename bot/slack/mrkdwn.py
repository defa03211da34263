"""Slack's mrkdwn: text of our own may carry markup; text from people or the minutes must be escaped."""

from __future__ import annotations

from bot.messages import Markup


def escape(text: str) -> str:
    """The three characters Slack asks apps to escape in mrkdwn: <!channel> or <https://x|click> stays plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


# The catalogue's messages written for Slack: people's words escaped, users and channels as mentions.
MRKDWN = Markup(text=escape, user=mention, bold="*{}*".format, channel="<#{}>".format, warning=":warning:")
