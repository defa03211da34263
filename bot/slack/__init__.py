"""The Slack app: a thin Bolt layer over the services of bot/services (see docs/slack.md). The only
package that knows Slack: Bolt, the Web API, mrkdwn, mentions and Block Kit."""
