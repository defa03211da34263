"""Listeners grouped by Slack feature, as in Slack's Bolt starter template."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, followups, shortcuts, views


def register_listeners(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    followups.register(app)
