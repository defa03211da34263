"""Socket Mode: the app opens a WebSocket to Slack, so it needs no public URL."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def serve_socket_mode(app: App, app_token: str) -> None:
    """Runs until the process is stopped; reconnects by itself when Slack drops the connection."""
    SocketModeHandler(app, app_token).start()
