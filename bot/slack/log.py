"""Logging for the running bot: one format, and no token or secret ever written out."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Slack tokens (xoxb-, xoxp-, xapp-, …) and form fields named token, wherever they appear in a line.
_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|(?<=token=)[^&\s'\"]+")
REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, then blanks out tokens and the given secrets."""

    def __init__(self, fmt: str, secrets: Iterable[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for value in secrets:
        text = text.replace(value, REDACTED)
    return _TOKEN.sub(REDACTED, text)


def configure_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
