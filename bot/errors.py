"""Failures a user can fix, raised anywhere and printed by the one funnel, `bot.cli.main`, as one line."""


class UserError(Exception):
    """str() is the line to print after `error: `: what is wrong and what to do, never a secret."""
