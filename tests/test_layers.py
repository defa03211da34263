"""The layers hold: Slack only in bot/slack, queries only in storage/, the time only from bot.clock."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"
SLACK = BOT / "slack"
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk", "bot.slack")
# The command line starts the Slack surface (`run`) and posts reminders through it (`reminders run-due`).
# The command line starts the Slack app, posts due reminders and sends an ingested meeting for review.
SLACK_ENTRY_POINTS = {BOT / "cli.py": {"bot.slack.run", "bot.slack.poster", "bot.slack.importing"}}
# Outside storage/, a session, an engine and the database's errors; never a query of one's own.
DATABASE_NAMES = {"sqlmodel": {"Session"}, "sqlalchemy.engine": {"Engine"}, "sqlalchemy.exc": None}


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in the file, lazy ones inside functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_only_bot_slack_imports_slack() -> None:
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path in modules(BOT) + modules(ROOT / "storage")
        if SLACK not in path.parents
        for module, _names in imports(path)
        if module.startswith(SLACK_LIBRARIES) and module not in SLACK_ENTRY_POINTS.get(path, set())
    ]
    assert offenders == []


def test_no_query_is_written_outside_storage() -> None:
    offenders = []
    for path in modules(BOT):
        for module, names in imports(path):
            if module.split(".")[0] not in ("sqlalchemy", "sqlmodel"):
                continue
            allowed = DATABASE_NAMES.get(module, set())
            offenders += [
                (str(path.relative_to(ROOT)), module, name)
                for name in names or [module]
                if allowed is not None and name not in allowed
            ]
    assert offenders == []


def test_no_slack_markup_outside_bot_slack() -> None:
    """A mention (<@U…>) or a channel link (<#C…>) written anywhere else would reach a terminal as markup."""
    offenders = [
        (str(path.relative_to(ROOT)), node.value)
        for path in modules(BOT)
        if SLACK not in path.parents
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ("<@" in node.value or "<#" in node.value)
    ]
    assert offenders == []
    catalogue = (BOT / "data" / "messages.toml").read_text(encoding="utf-8")
    assert "<@" not in catalogue and "<#" not in catalogue and "mrkdwn" not in catalogue


def test_the_time_is_read_only_by_the_clock() -> None:
    """Every decision by time asks the injected bot.clock.Clock: no other module reads the machine's clock."""
    offenders = []
    for path in modules(BOT):
        if path == BOT / "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in ("now", "utcnow", "today") and not _is_clock_call(node.func):
                    offenders.append((str(path.relative_to(ROOT)), node.lineno))
    assert offenders == []


def _is_clock_call(func: ast.expr) -> bool:
    """`clock.now()`, `self.clock.now()`, `service.clock.now()`, `self.database_clock.now()`: an injected clock."""
    return isinstance(func, ast.Attribute) and (
        (isinstance(func.value, ast.Name) and func.value.id.endswith("clock"))
        or (isinstance(func.value, ast.Attribute) and func.value.attr.endswith("clock"))
    )
