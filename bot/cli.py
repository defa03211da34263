"""The command line: `python -m bot ingest|ask|meetings|speakers|run|db|export|import-dump|…`.
A thin shell over the library."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.answers import Answer, AskFilters
from bot.clock import SYSTEM_CLOCK
from bot.config import SettingsError, get_settings
from bot.core.speakers import AliasTable, default_alias_table
from bot.core.topics import default_glossary
from bot.errors import UserError
from bot.messages import PLAIN, say, understood_as
from bot.services.remarks import RemarksService
from storage.dump import DumpError, export_dump, import_dump
from storage.engine import database_revision, get_engine, upgrade_database
from storage.migrate import SchemaError, Status, head

if TYPE_CHECKING:
    from bot.core.minutes import ParsedMinutes

BOLD_START, BOLD_END = "\033[1m", "\033[0m"  # matched words, on a terminal only
CLI_USER = "cli"  # who the command line acts as: creator of the follow-ups it adds, closer of those it closes


# The minutes' parsers and the follow-ups' wording load only for the commands that use them: `ask` is
# started once per question, and its start-up is most of its time.
def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.core.minutes import MinutesError
    from bot.minutes_files import read_minutes_file

    failures = 0
    service = remarks_service()
    if args.dry_run:
        for name in args.files:
            path = Path(name)
            try:
                print(format_dry_run(name, read_minutes_file(path.read_bytes(), path.name)[1], service.table))
            except (MinutesError, OSError) as error:
                print(ingest_error(name, error), file=sys.stderr)
                failures += 1
        return 1 if failures else 0
    results = service.ingest_files([Path(name) for name in args.files])
    for name, result in zip(args.files, results, strict=True):
        if isinstance(result, MinutesError | OSError):
            print(ingest_error(name, result), file=sys.stderr)
            failures += 1
            continue
        print(
            f"{result.status}: {name}: {result.title} ({result.date or 'no date'}), "
            f"{result.speakers} speakers, {result.remarks} remarks"
        )
        if result.date is None:
            print(f"note: {name}: no meeting date found in the file; the meeting is stored without one")
        if result.status != "unchanged" and get_settings().bot_secretariat_channel:
            send_review_to_secretariat(result.meeting_id)
    return 1 if failures else 0


def ingest_error(name: str, error: Exception) -> str:
    if isinstance(error, OSError):
        return f"error: {name}: cannot read the file ({error.strerror or error})"
    return f"error: {name}: {error}"


def send_review_to_secretariat(meeting_id: int) -> None:
    """Minutes loaded from the command line are reviewed in the secretariat's channel, as an upload in Slack is."""
    from bot.slack.importing import send_review  # Slack's libraries load only to post
    from bot.slack.poster import make_client

    settings = get_settings()
    settings.check_slack()
    client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    channel = settings.bot_secretariat_channel
    if send_review(client, followup_service(), meeting_id, CLI_USER, [channel]):
        print(f"note: the follow-ups found, if any, were sent for review to {channel}")
    else:
        print(f"note: the review could not be sent to {channel}; import the file in Slack to send it", file=sys.stderr)


def format_dry_run(name: str, minutes: ParsedMinutes, table: AliasTable) -> str:
    """What ingesting would store, and every line after the header it would leave out, with the reason."""
    from bot.minutes_files import speakers_of

    time = "–".join(t.strftime("%H:%M") for t in (minutes.start_time, minutes.end_time) if t)
    lines = [
        f"{name}: would store (dry run, nothing written)",
        f"meeting: {minutes.title}",
        f"  date: {minutes.date.isoformat() if minutes.date else 'none found'}" + (f" {time}" if time else ""),
        f"  place: {minutes.place or '-'}",
        f"  attendees: {len(minutes.attendees)}, agenda items: {len(minutes.agenda)}",
    ]
    counts = Counter(remark.speaker for remark in minutes.remarks)
    speakers = speakers_of(minutes, table)
    lines.append(f"speakers: {len(speakers)}, remarks: {len(minutes.remarks)}")
    for label, (organisation, role, person) in speakers.items():
        parts = ", ".join(
            f"{key} {value}"
            for key, value in (("role", role), ("name", person), ("organisation", organisation))
            if value
        )
        lines.append(f"  {label}  ({parts or 'no role or name'}): {counts[label]} remark(s)")
    lines.append(f"dropped lines: {len(minutes.dropped)}")
    lines += [f"  line {d.line}: {d.reason}: {d.text[:80]}" for d in minutes.dropped]
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    filters = AskFilters(args.meeting, args.since, args.until, args.speaker)
    service = remarks_service()
    bold = (BOLD_START, BOLD_END) if sys.stdout.isatty() and not args.json else ("", "")
    for question in _questions(args):
        started = time.perf_counter()
        answer = service.answer(question, filters)
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
    u, language = answer.understanding, answer.language
    lines = [f"{say('question', language)}: {u.question}"]
    if understood := understood_as(u, language, PLAIN):
        lines.append(understood)
    if answer.message:
        lines.append(answer.message)
    if answer.results:
        lines.append(say("cli_remark_count", language, count=len(answer.results)))
    for number, result in enumerate(answer.results, start=1):
        date = result.meeting_date.isoformat() if result.meeting_date else say("no_date", language)
        lines.append(f"{number}. {result.speaker} — {result.meeting_title} ({date})")
        lines.append("   " + mark(result.text, result.highlights, mark_start, mark_end))
    return "\n".join(lines) + "\n"


def mark(text: str, spans: list[tuple[int, int]], start: str, end: str) -> str:
    pieces, last = [], 0
    for a, b in spans:
        pieces += [text[last:a], start, text[a:b], end]
        last = b
    return "".join(pieces) + text[last:]


def remarks_service() -> RemarksService:
    settings = get_settings()
    return RemarksService(
        settings.sqlalchemy_url, default_alias_table(), default_glossary(), settings.admin_ids, SYSTEM_CLOCK
    )


def cmd_meetings(args: argparse.Namespace) -> int:
    meetings = [
        {
            "id": m.id,
            "title": m.title,
            "date": m.date.isoformat() if m.date else None,
            "speakers": m.speakers,
            "remarks": m.remarks,
        }
        for m in remarks_service().meetings()
    ]
    if args.json:
        print(json.dumps({"meetings": meetings}, ensure_ascii=False))
    elif not meetings:
        print("No meetings yet: load minutes with `python -m bot ingest FILE`.")
    for m in meetings if not args.json else []:
        print(
            f"{m['id']:>4}  {m['date'] or 'no date':<10}  {m['title']}  "
            f"({m['speakers']} speakers, {m['remarks']} remarks)"
        )
    return 0


def cmd_meetings_show(args: argparse.Namespace) -> int:
    shown = remarks_service().meeting(args.id)
    if shown is None:
        print(f"error: no meeting {args.id}; `python -m bot meetings` lists them.", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(shown, ensure_ascii=False))
        return 0
    times = "–".join(t for t in (shown["start_time"], shown["end_time"]) if t)
    print(f"{shown['id']}  {shown['date'] or 'no date'}  {times}  {shown['title']}".replace("    ", "  "))
    print(f"place: {shown['place'] or '—'}")
    print("agenda:" + "".join(f"\n  {item}" for item in shown["agenda"]) if shown["agenda"] else "agenda: —")
    print("attendees: " + ("、".join(shown["attendees"]) or "—"))
    print(f"{shown['speakers']} speakers, {shown['remarks']} remarks")
    return 0


def cmd_speakers(args: argparse.Namespace) -> int:
    service = remarks_service()
    if args.refresh:
        service.refresh_aliases()
    speakers = [
        {
            "id": s.id,
            "label": s.label,
            "organisation": s.organisation,
            "role": s.role,
            "aliases": list(s.stored_aliases),
        }
        for s in service.speakers()
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
    return run_bot(settings, args.mode, args.host, args.port, SYSTEM_CLOCK)


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


def followup_service():
    from bot.services.followups import FollowupService

    settings = get_settings()
    # Whoever runs the command line holds the database itself: it may change any follow-up.
    admins = settings.admin_ids | {CLI_USER}
    return FollowupService(get_engine(settings.sqlalchemy_url), settings.timezone, SYSTEM_CLOCK, admins)


def cmd_reminders_run_due(_args: argparse.Namespace) -> int:
    """Post what is due and exit: for deployments that schedule with cron, not the in-process scheduler."""
    from bot.slack.poster import make_poster  # Slack's libraries load only to post

    settings = get_settings()
    settings.check_slack()
    service, poster, digest = followup_service(), make_poster(settings), settings.digest
    report = service.run_due(poster)
    digests = service.run_digest(poster, digest) if digest else None
    print(
        f"reminders: {report.posted} posted, {report.retrying} to retry, {report.failed} failed"
        + (f"; digests: {digests.posted} posted, {digests.failed} failed" if digests else "")
    )
    return 1 if report.failed or (digests and digests.failed) else 0


def cmd_followups_suggest(args: argparse.Namespace) -> int:
    service = followup_service()
    found = service.proposed_in_all() if args.all else service.proposed(args.meeting)
    if found is None:
        print(
            f"error: no meeting {args.meeting or 'yet'}. See them with `python -m bot meetings`, then e.g. "
            f"`python -m bot followups suggest 1` / 会議がありません。",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps({"suggestions": [s.to_json() for s in found]}, ensure_ascii=False))
        return 0
    if not found:
        print("No follow-ups found in the minutes. / 議事録にフォローアップ候補はありません。")
    meeting_id = None
    for s in found:
        if s.meeting_id != meeting_id:
            meeting_id = s.meeting_id
            count = sum(1 for other in found if other.meeting_id == meeting_id)
            print(f"{s.meeting_title} ({s.meeting_date or 'no date'}): {count} follow-up(s) / 件")
        due = f"due {s.due.isoformat()}" if s.due else "no due date"
        print(f"  [{s.kind}] {s.speaker} → {s.owner}, {due}" + (f" ({s.due_words})" if s.due_words else ""))
        print(f"      {s.sentence}  (remark {s.remark_id})")
    return 0


def cmd_followups_add(args: argparse.Namespace) -> int:
    from bot.core.when import WhenError, parse_when
    from bot.services.followups import TITLE_LIMIT

    service = followup_service()
    title = " ".join(args.title).strip()
    if not title:
        print(
            'error: a follow-up needs a title, e.g. `python -m bot followups add "アンケート送付" --due 12月1日`',
            file=sys.stderr,
        )
        return 1
    try:
        due = parse_when(args.due, service.clock.now(), service.tz) if args.due else None
    except WhenError as error:
        print(
            f"error: --due {args.due}: {error.reason_en} e.g. --due 2026-12-01, --due 12月1日 / {error.reason_ja}",
            file=sys.stderr,
        )
        return 1
    if len(title) > TITLE_LIMIT:
        print(
            f"error: a follow-up's title takes at most {TITLE_LIMIT} characters (this one has {len(title)})",
            file=sys.stderr,
        )
        return 1
    added = service.add(
        title=title, owners=args.owner or [], channel_id=args.channel or "", created_by=CLI_USER, due=due
    )
    print("added: " + terminal_line(added.followup, service))
    if not args.channel:
        print("note: no --channel, so its reminders cannot be posted in Slack.")
    return 0


def cmd_followups_close(args: argparse.Namespace) -> int:
    service = followup_service()
    outcome = service.close(args.id, args.status, CLI_USER)
    if outcome.followup is None:
        print(
            f"error: there is no follow-up #{args.id}. See them with `python -m bot followups list all`.",
            file=sys.stderr,
        )
        return 1
    if not outcome.change:
        print(f"#{args.id} is already {outcome.followup.status}; nothing changed.")
        return 0
    print(f"{args.status}: " + terminal_line(outcome.followup, service))
    return 0


def terminal_line(followup, service, problem=None) -> str:
    """A follow-up on one line of plain text, with the channel it reminds in."""
    from bot.followups.text import summary_line

    return f"{summary_line(followup, service.clock.now(), service.tz, PLAIN, problem)}  [{followup.channel_id or '-'}]"


def cmd_followups_list(args: argparse.Namespace) -> int:
    service = followup_service()
    rows = service.find(args.scope)
    if args.json:
        print(json.dumps({"followups": [followup_json(row) for row in rows]}, ensure_ascii=False))
        return 0
    if not rows:
        print(say("cli_no_followups" if args.scope != "open" else "cli_no_open_followups", "en"))
    for row in rows:
        print(terminal_line(row.followup, service, row.problem))
    return 0


def followup_json(row) -> dict:
    followup, problem = row.followup, row.problem
    return {
        "id": followup.id,
        "title": followup.title,
        "status": followup.status,
        "owners": followup.owners,
        "channel": followup.channel_id,
        "due_at": followup.due_at.isoformat() if followup.due_at else None,
        "created_by": followup.created_by,
        "reminder_problem": f"{problem.state}: {problem.last_error}" if problem else None,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Who said what in the council's minutes.")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="load minutes files (text in any Japanese encoding, PDF, .docx)")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--dry-run", action="store_true", help="show what would be stored, and every dropped line")
    ingest.set_defaults(run=cmd_ingest)
    ask = commands.add_parser("ask", help="answer a question; with no question, one per line from standard input")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument("--meeting", type=int, metavar="ID", help="only this meeting's remarks (ids: `meetings`)")
    ask.add_argument("--since", type=_iso_date, metavar="DATE", help="only meetings on or after DATE (YYYY-MM-DD)")
    ask.add_argument("--until", type=_iso_date, metavar="DATE", help="only meetings on or before DATE (YYYY-MM-DD)")
    ask.add_argument("--speaker", metavar="NAME", help="only these speakers' remarks (苫前町長, Tomamae, the mayors)")
    ask.set_defaults(run=cmd_ask)
    for name, run, help_text in (
        ("meetings", cmd_meetings, "list meetings"),
        ("speakers", cmd_speakers, "list speakers and aliases"),
    ):
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
    run_bot.add_argument(
        "--mode", choices=["socket", "http"], help="default: socket if SLACK_APP_TOKEN is set, else http"
    )
    run_bot.add_argument("--host", default="127.0.0.1", help="HTTP mode: the address to listen on (default 127.0.0.1)")
    run_bot.add_argument("--port", type=int, default=3000, help="HTTP mode: the port (default 3000)")
    run_bot.set_defaults(run=cmd_run)
    reminders = commands.add_parser("reminders", help="follow-up reminders").add_subparsers(
        dest="action", required=True
    )
    reminders.add_parser(
        "run-due", help="post the reminders and digests that are due, then exit (for cron)"
    ).set_defaults(run=cmd_reminders_run_due)
    database = commands.add_parser("db", help="the database's schema").add_subparsers(dest="action", required=True)
    database.add_parser(
        "upgrade", help="migrate the database to this version's schema (back it up first)"
    ).set_defaults(run=cmd_db_upgrade)
    database.add_parser(
        "current", help="print the database's schema revision (exit status 1 unless the newest)"
    ).set_defaults(run=cmd_db_current)
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
    suggest = followups.add_parser("suggest", help="the actions found in a meeting's minutes (default: the latest)")
    which = suggest.add_mutually_exclusive_group()
    which.add_argument("meeting", nargs="?", type=int, metavar="MEETING_ID", help="a meeting's id (see `meetings`)")
    which.add_argument("--all", action="store_true", help="every meeting")
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(run=cmd_followups_suggest)
    add = followups.add_parser("add", help="track a follow-up")
    add.add_argument("title", nargs="+")
    add.add_argument("--owner", action="append", help="a Slack member ID (U…); repeat for several")
    add.add_argument("--due", help="when it is due: 2026-12-01, 12月1日, next Friday 9:00")
    add.add_argument("--channel", help="the Slack channel (C…) its reminders are posted in")
    add.set_defaults(run=cmd_followups_add)
    for name, status in (("done", "done"), ("cancel", "cancelled")):
        close = followups.add_parser(name, help=f"mark a follow-up {status}")
        close.add_argument("id", type=int, metavar="ID")
        close.set_defaults(run=cmd_followups_close, status=status)
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
    except (UserError, SchemaError) as error:
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
        print(
            f"error: unexpected {type(error).__name__}: {error}. Please report it with the command you ran.",
            file=sys.stderr,
        )
        return 1
