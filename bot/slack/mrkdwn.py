"""Slack's mrkdwn: text of our own may carry markup; text from people or the minutes must be escaped."""

from __future__ import annotations


def escape(text: str) -> str:
    """The three characters Slack asks apps to escape in mrkdwn: <!channel> or <https://x|click> stays plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
