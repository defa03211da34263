"""The Slack app: a thin Bolt layer over the answering core (see docs/slack.md)."""
