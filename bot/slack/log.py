"""Logging for the running bot: one JSON object per line, and no token, secret or message text written out.

Each request from Slack gets one line (`describe_request`): what kind it is (event type, command,
action, view, shortcut), how long it took to acknowledge, and the outcome. Message text is never
logged, whatever the channel: a private channel's words must not end up in a log, and nothing
cheap tells a private channel from a public one.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

# Slack tokens (xoxb-, xoxp-, xapp-, …) and form fields named token, wherever they appear in a line.
_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|(?<=token=)[^&\s'\"]+")
REDACTED = "[redacted]"
# The attributes every LogRecord has; any other was passed in `extra` and becomes a field of the line.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record (the `extra` fields included, a traceback as "exception"), then
    tokens and the given secrets blanked out."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, ensure_ascii=False, default=str), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for value in secrets:
        text = text.replace(value, REDACTED)
    return _TOKEN.sub(REDACTED, text)


def configure_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every job it runs at INFO: a line per sweep says nothing an operator needs.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Warnings and an exception escaping a thread would print bare text; they become JSON lines too.
    logging.captureWarnings(True)
    threading.excepthook = _log_thread_exception


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    name = args.thread.name if args.thread else "?"
    logging.getLogger("bot").error(
        "uncaught exception in thread %s", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def describe_request(body: dict[str, Any]) -> dict[str, str]:
    """What a request from Slack is, without any of its text: {"kind": "event", "type": "app_mention"}."""
    payload_type = str(body.get("type") or "")
    if body.get("command"):
        return {"kind": "command", "type": str(body["command"])}
    if payload_type == "event_callback":
        event = body.get("event") or {}
        kind = str(event.get("type") or "")
        return {"kind": "event", "type": f"{kind}.{event['subtype']}" if event.get("subtype") else kind}
    if payload_type == "block_actions":
        actions = body.get("actions") or [{}]
        return {"kind": "action", "type": str(actions[0].get("action_id") or "")}
    if payload_type in ("view_submission", "view_closed"):
        return {"kind": payload_type, "type": str((body.get("view") or {}).get("callback_id") or "")}
    if payload_type in ("shortcut", "message_action"):
        return {"kind": "shortcut", "type": str(body.get("callback_id") or "")}
    return {"kind": payload_type or "unknown", "type": ""}
