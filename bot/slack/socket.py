"""Socket Mode: the app opens a WebSocket to Slack, so it needs no public URL."""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

logger = logging.getLogger("bot.slack")


def serve_socket_mode(app: App, app_token: str, stopping: threading.Event) -> None:
    """Connect (raises SlackApiError when Slack refuses the app token), and serve until `stopping` is set;
    the client reconnects by itself when Slack drops the connection."""
    handler = SocketModeHandler(app, app_token)
    logger.info("connecting to Slack in Socket Mode")
    handler.connect()
    logger.info("connected to Slack in Socket Mode")
    try:
        stopping.wait()
        logger.info("stopping: disconnecting from Slack, finishing the requests in flight")
    finally:
        handler.close()
