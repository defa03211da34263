"""The command line: `python -m bot ingest|ask|meetings|speakers|run|db|export|import-dump|…`. A thin shell over the library."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.answers import Answer, AskFilters, answer_question, meeting_json
from bot.config import SettingsError, get_settings
from bot.core.minutes import MinutesError
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes, refresh_aliases
from storage import queries
from storage.dump import DumpError, export_dump, import_dump
from storage.engine import database_revision, get_engine, upgrade_database
from storage.migrate import SchemaError, Status, head

BOLD_START, BOLD_END = "\033[1m", "\033[0m"  # matched words, on a terminal only


def open_session() -> Session:
    return Session(get_engine(get_settings().sqlalchemy_url))


def cmd_ingest(args: argparse.Namespace) -> int:
    failures = 0
    table = default_alias_table()
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as error:
            print(f"error: {name}: cannot read the file ({error.strerror or error})", file=sys.stderr)
            failures += 1
            continue
        try:
            with open_session() as session:
                result = ingest_minutes(session, data, path.name, table)
        except MinutesError as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            failures += 1
            continue
        print(f"{result.status}: {name}: {result.title} ({result.date or 'no date'}), "
              f"{result.speakers} speakers, {result.remarks} remarks")
    return 1 if failures else 0


def cmd_ask(args: argparse.Namespace) -> int:
    filters = AskFilters(args.meeting, args.since, args.until, args.speaker)
    table, glossary = default_alias_table(), default_glossary()
    bold = (BOLD_START, BOLD_END) if sys.stdout.isatty() and not args.json else ("", "")
    with open_session() as session:
        for question in _questions(args):
            started = time.perf_counter()
            answer = answer_question(session, question, table, glossary, filters)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if args.json:
                print(json.dumps(answer.to_json(elapsed_ms), ensure_ascii=False), flush=True)
            else:
                print(format_answer(answer, *bold), flush=True)
    return 0


def _questions(args: argparse.Namespace) -> Iterator[str]:
    """The question given, or one per line from standard input (empty lines skipped); a prompt on a terminal."""
    if args.question:
        yield " ".join(args.question)
        return
    if not sys.stdin.isatty():
        yield from (line.rstrip("\n") for line in sys.stdin if line.strip())
        return
    print("Ask about the minutes (empty line or Ctrl-D to stop). 議事録について質問してください。")
    while True:
        try:
            question = input("? ")
        except EOFError:
            print()
            return
        if not question.strip():
            return
        yield question


def format_answer(answer: Answer, mark_start: str = "", mark_end: str = "") -> str:
    """A readable answer in the question's language, matched words between the marks (bold on a terminal)."""
    u, ja = answer.understanding, answer.language == "ja"
    lines = [("質問: " if ja else "Question: ") + u.question]
    understood = []
    if u.speaker:
        understood.append(("発言者 " if ja else "speaker ") + "、".join(s.label for s in u.speaker.speakers))
    if u.topics:
        understood.append(("話題 " if ja else "topics ") + "; ".join(g.gloss() for g in u.topics))
    if u.meetings:
        understood.append(("会議 " if ja else "meetings ") + ", ".join(_meeting_date(m.date, ja) for m in u.meetings))
    if understood:
        lines.append(("解釈: " if ja else "Understood as: ") + " · ".join(understood))
    if answer.message:
        lines.append(answer.message)
    if answer.results:
        lines.append(f"{len(answer.results)}件の発言:" if ja else f"{len(answer.results)} remark(s):")
    for number, result in enumerate(answer.results, start=1):
        lines.append(f"{number}. {result.speaker} — {result.meeting_title} ({_meeting_date(result.meeting_date, ja)})")
        lines.append("   " + mark(result.text, result.highlights, mark_start, mark_end))
    return "\n".join(lines) + "\n"


def _meeting_date(date: datetime.date | None, ja: bool) -> str:
    return date.isoformat() if date else ("日付なし" if ja else "no date")


def mark(text: str, spans: list[tuple[int, int]], start: str, end: str) -> str:
    pieces, last = [], 0
    for a, b in spans:
        pieces += [text[last:a], start, text[a:b], end]
        last = b
    return "".join(pieces) + text[last:]


def cmd_meetings(args: argparse.Namespace) -> int:
    with open_session() as session:
        rows = queries.meetings_with_counts(session)
        meetings = [
            {"id": m.id, "title": m.title, "date": m.date.isoformat() if m.date else None, "speakers": s, "remarks": r}
            for m, s, r in rows
        ]
    if args.json:
        print(json.dumps({"meetings": meetings}, ensure_ascii=False))
    elif not meetings:
        print("No meetings yet: load minutes with `python -m bot ingest FILE`.")
    for m in meetings if not args.json else []:
        print(f"{m['id']:>4}  {m['date'] or 'no date':<10}  {m['title']}  ({m['speakers']} speakers, {m['remarks']} remarks)")
    return 0


def cmd_meetings_show(args: argparse.Namespace) -> int:
    with open_session() as session:
        found = [(m, s, r) for m, s, r in queries.meetings_with_counts(session) if m.id == args.id]
        if not found:
            print(f"error: no meeting {args.id}; `python -m bot meetings` lists them.", file=sys.stderr)
            return 1
        meeting, speakers, remarks = found[0]
        shown = {**meeting_json(meeting), "speakers": speakers, "remarks": remarks}
    if args.json:
        print(json.dumps(shown, ensure_ascii=False))
        return 0
    times = "–".join(t for t in (shown["start_time"], shown["end_time"]) if t)
    print(f"{shown['id']}  {shown['date'] or 'no date'}  {times}  {shown['title']}".replace("    ", "  "))
    print(f"place: {shown['place'] or '—'}")
    print("agenda:" + "".join(f"\n  {item}" for item in shown["agenda"]) if shown["agenda"] else "agenda: —")
    print("attendees: " + ("、".join(shown["attendees"]) or "—"))
    print(f"{speakers} speakers, {remarks} remarks")
    return 0


def cmd_speakers(args: argparse.Namespace) -> int:
    with open_session() as session:
        if args.refresh:
            with session.begin():
                refresh_aliases(session, default_alias_table(), list(queries.all_speakers(session)))
        aliases = queries.aliases_by_speaker(session)
        speakers = [
            {"id": s.id, "label": s.label, "organisation": s.organisation, "role": s.role, "aliases": aliases.get(s.id, [])}
            for s in queries.all_speakers(session)
        ]
    if args.json:
        print(json.dumps({"speakers": speakers}, ensure_ascii=False))
    elif not speakers:
        print("No speakers yet: load minutes with `python -m bot ingest FILE`.")
    for s in speakers if not args.json else []:
        print(f"{s['label']}: {', '.join(a for a in s['aliases'] if a != s['label'])}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.slack.run import run_bot  # Slack's libraries load only for the bot itself

    settings = get_settings()
    get_engine(settings.sqlalchemy_url)  # an empty database is migrated, one at another revision refused, before Slack
    return run_bot(settings, args.mode, args.host, args.port)


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    before, after = upgrade_database(get_settings().sqlalchemy_url)
    if before == after:
        print(f"database: already at the newest revision, {after}")
    else:
        print(f"database: upgraded from {f'revision {before}' if before else 'no revision'} to {after}")
    return 0


def cmd_db_current(_args: argparse.Namespace) -> int:
    """The database's revision; exit status 0 only when it is this version's newest (for scripts)."""
    state, revision = database_revision(get_settings().sqlalchemy_url)
    print(f"database: revision {revision or 'none'} ({state.value}; this version's newest is {head()})")
    return 0 if state is Status.CURRENT else 1


def cmd_export(args: argparse.Namespace) -> int:
    counts = export_dump(get_engine(get_settings().sqlalchemy_url), Path(args.file))
    print(f"exported: {args.file}: {row_counts(counts)}")
    return 0


def cmd_import_dump(args: argparse.Namespace) -> int:
    counts = import_dump(get_engine(get_settings().sqlalchemy_url), Path(args.file))
    print(f"imported: {args.file}: {row_counts(counts)}")
    return 0


def row_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{rows} {table}" for table, rows in counts.items())


def cmd_reminders_run_due(_args: argparse.Namespace) -> int:
    """Post what is due and exit: for deployments that schedule with cron, not the in-process scheduler."""
    from bot.followups.delivery import run_digest, run_due
    from bot.followups.setup import SetupError, digest_schedule, make_poster

    settings = get_settings()
    try:
        poster, digest = make_poster(settings), digest_schedule(settings)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = get_engine(settings.sqlalchemy_url)
    report = run_due(engine, poster, settings.timezone)
    digests = run_digest(engine, poster, settings.timezone, digest) if digest else None
    print(f"reminders: {report.posted} posted, {report.retrying} to retry, {report.failed} failed"
          + (f"; digests: {digests.posted} posted, {digests.failed} failed" if digests else ""))
    return 1 if report.failed or (digests and digests.failed) else 0


def cmd_followups_list(args: argparse.Namespace) -> int:
    import datetime

    from bot.followups.messages import summary_line
    from bot.followups.service import list_followups

    settings = get_settings()
    now = datetime.datetime.now(datetime.UTC)
    with open_session() as session:
        rows = list_followups(session, args.scope, None, now)
        if args.json:
            print(json.dumps({"followups": [followup_json(row.followup, row.problem) for row in rows]}, ensure_ascii=False))
            return 0
        if not rows:
            print("No follow-ups." if args.scope != "open" else "No open follow-ups.")
        for row in rows:
            print(f"{summary_line(row.followup, now, settings.timezone, row.problem)}  [{row.followup.channel_id}]")
    return 0


def followup_json(followup, problem) -> dict:
    return {
        "id": followup.id, "title": followup.title, "status": followup.status, "owners": followup.owners,
        "channel": followup.channel_id, "due_at": followup.due_at.isoformat() if followup.due_at else None,
        "created_by": followup.created_by, "reminder_problem": f"{problem.state}: {problem.last_error}" if problem else None,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Who said what in the council's minutes.")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="load minutes files (UTF-8 or Shift_JIS text)")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.set_defaults(run=cmd_ingest)
    ask = commands.add_parser("ask", help="answer a question; with no question, one per line from standard input")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument("--meeting", type=int, metavar="ID", help="only this meeting's remarks (ids: `meetings`)")
    ask.add_argument("--since", type=_iso_date, metavar="DATE", help="only meetings on or after DATE (YYYY-MM-DD)")
    ask.add_argument("--until", type=_iso_date, metavar="DATE", help="only meetings on or before DATE (YYYY-MM-DD)")
    ask.add_argument("--speaker", metavar="NAME", help="only these speakers' remarks (苫前町長, Tomamae, the mayors)")
    ask.set_defaults(run=cmd_ask)
    for name, run, help_text in (("meetings", cmd_meetings, "list meetings"), ("speakers", cmd_speakers, "list speakers and aliases")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--json", action="store_true")
        command.set_defaults(run=run)
        if name == "speakers":
            command.add_argument("--refresh", action="store_true", help="re-derive aliases after editing aliases.toml")
        else:
            show = command.add_subparsers(dest="action").add_parser(
                "show", help="one meeting: date, time, place, agenda, attendees"
            )
            show.add_argument("id", type=int, metavar="ID")
            show.add_argument("--json", action="store_true")
            show.set_defaults(run=cmd_meetings_show)
    run_bot = commands.add_parser("run", help="run the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    run_bot.add_argument("--mode", choices=["socket", "http"], help="default: socket if SLACK_APP_TOKEN is set, else http")
    run_bot.add_argument("--host", default="127.0.0.1", help="HTTP mode: the address to listen on (default 127.0.0.1)")
    run_bot.add_argument("--port", type=int, default=3000, help="HTTP mode: the port (default 3000)")
    run_bot.set_defaults(run=cmd_run)
    reminders = commands.add_parser("reminders", help="follow-up reminders").add_subparsers(dest="action", required=True)
    reminders.add_parser("run-due", help="post the reminders and digests that are due, then exit (for cron)").set_defaults(
        run=cmd_reminders_run_due
    )
    database = commands.add_parser("db", help="the database's schema").add_subparsers(dest="action", required=True)
    database.add_parser("upgrade", help="migrate the database to this version's schema (back it up first)").set_defaults(
        run=cmd_db_upgrade
    )
    database.add_parser("current", help="print the database's schema revision (exit status 1 unless the newest)").set_defaults(
        run=cmd_db_current
    )
    export = commands.add_parser("export", help="write the whole database to one JSON file")
    export.add_argument("file", metavar="FILE")
    export.set_defaults(run=cmd_export)
    restore = commands.add_parser("import-dump", help="load a file written by export into an empty database")
    restore.add_argument("file", metavar="FILE")
    restore.set_defaults(run=cmd_import_dump)
    followups = commands.add_parser("followups", help="follow-up actions").add_subparsers(dest="action", required=True)
    listing = followups.add_parser("list", help="print follow-ups (default: open ones)")
    listing.add_argument("scope", nargs="?", default="open", choices=["open", "overdue", "all"])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_followups_list)
    return parser


def _iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD, e.g. 2025-10-08)") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except SettingsError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DumpError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"error: the database cannot be used ({reason}). Check DATABASE_URL.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`ask … | head -1`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: still one line for the user, never a traceback
        print(f"error: unexpected {type(error).__name__}: {error}. Please report it with the command you ran.", file=sys.stderr)
        return 1
