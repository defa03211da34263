"""Listeners grouped by the kind of Slack request, as in Slack's Bolt starter template: commands, events,
actions (buttons), views (modal submissions), shortcuts. Each is a few lines: read the request, call a
service, render the reply (bot.slack.replies, bot.slack.blocks, bot.slack.followup_messages), respond."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
