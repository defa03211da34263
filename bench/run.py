"""Benchmark: answers stay instant as minutes pile up.

    python bench/run.py --quick                      # 10k remarks, both profiles, for development
    python bench/run.py                              # 10k, 100k and 1M remarks, both profiles
    python bench/run.py --profile real --sizes 100000
    python bench/run.py --sizes 100000 --database-url postgresql://…
    python bench/run.py --profile real --sizes 100000 --keep /tmp/bench   # ingest once, reuse after
    python bench/run.py --profile real --sizes 1000000 --database-url postgresql://… --reuse   # likewise

For each profile (bench/corpus.py: `real`, an archive that looks like a prefecture's; `old`, the corpus of
the first benchmark, so that figures stay comparable) and size, it writes the archive as minutes files,
ingests them into a fresh database through the bot's ingest path, and asks the profile's questions
(bench/questions.py) several times each. It reports the ingest rate, database size, answer latency
(p50/p95/p99, overall and per kind of question), a new `python -m bot ask` process answering one question
(wall time and peak memory), the obvious implementation in the same run (rapidfuzz `process.extract` with
`partial_ratio` over every remark text held in memory), and where the time of an answer goes, from cProfile.

Not a test: numbers depend on the machine. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import json
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from rapidfuzz import fuzz, process
from sqlmodel import Session, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import default_shared, write_old_archive, write_real_archive  # noqa: E402
from bench.questions import OLD_QUESTIONS, Question, real_questions  # noqa: E402
from bot.answers import Answer, answer_question  # noqa: E402
from bot.core.speakers import AliasTable, default_alias_table  # noqa: E402
from bot.core.text import normalize  # noqa: E402
from bot.core.topics import Glossary, default_glossary  # noqa: E402
from bot.ingest import ingest_files  # noqa: E402
from storage.engine import database_url, get_engine  # noqa: E402
from storage.models import Meeting, Remark, Speaker  # noqa: E402

PROFILES = ("real", "old")

# `python -m bot ask --json QUESTION`, printing at exit, on standard error, its peak resident memory (KiB) and
# the CPU time it used (s). The peak is the kernel's VmHWM, this process's own: getrusage's ru_maxrss would
# be the benchmark's, which the child inherits through the fork and exec that start it.
ANSWERING_PROCESS = """
import atexit, resource, runpy, sys
usage = lambda: resource.getrusage(resource.RUSAGE_SELF)
peak = lambda: next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
atexit.register(lambda: print(peak(), usage().ru_utime + usage().ru_stime, file=sys.stderr))
sys.argv = ["bot", "ask", "--json", sys.argv[1]]
runpy.run_module("bot", run_name="__main__")
"""
ANSWERING_RUNS = 5  # the process's figures are the median of these, after one that compiles the bytecode

# Where the time of an answer goes: the functions timed as each phase, where their callers look them up
# (module, name; "Class.method" for a method). A phase's time is its functions' CPU time but that of the
# phases they call (expand_topics asks the index and the dictionary); the rest is answer_question's own.
PHASES = [
    ("bot.answers", "speaker_directory", "speaker resolution"),  # the cached directory, checked per question
    ("bot.core.search", "resolve_speaker", "speaker resolution"),
    ("bot.answers", "resolve_speaker", "speaker resolution"),  # a speaker given beside the question
    ("bot.answers", "closest_speakers", "speaker resolution"),
    ("bot.answers", "understand", "frame and topics"),  # normalising, dates, the frame, the topics' terms
    ("bot.answers", "meeting_list", "frame and topics"),  # the cached meetings dates are read against
    ("storage.queries", "versions", "speaker resolution"),  # whether the cached speakers and meetings still hold
    ("storage.jmdict", "JMdict.by_reading", "dictionary (JMdict)"),
    ("storage.jmdict", "JMdict.by_gloss", "dictionary (JMdict)"),
    ("storage.jmdict", "JMdict.by_gloss_head", "dictionary (JMdict)"),
    ("storage.jmdict", "JMdict.noun_glosses", "dictionary (JMdict)"),
    ("storage.search_index", "present_terms", "index"),  # which dictionary words the archive has
    ("storage.search_index", "search", "index"),
    ("bot.answers", "rank", "ranking"),
    ("storage.queries", "remarks_to_rank", "fetch"),
    ("storage.queries", "recent_remarks_to_rank", "fetch"),
    ("storage.queries", "scope_extent", "fetch"),
    ("storage.queries", "remarks_by_ids", "fetch"),
    ("storage.queries", "remarks_in_scope", "fetch"),
    ("storage.queries", "meetings_by_ids", "fetch"),
    ("storage.queries", "content_hashes", "fetch"),
    ("bot.answers", "_result", "mark-up"),
    ("bot.answers", "say", "messages"),  # what the user is told when nothing is found
    ("bot.answers", "concepts_in", "messages"),  # what a speaker did talk about
]
OWN_WORK = "answer_question's own work"
# Asked before the timed rounds: what a running bot did long ago, once (Sudachi's dictionary loaded by the
# Japanese one, JMdict opened by the English one), is not part of an answer.
WARM_UP = ("warm up", "予算について")


Timings = list[tuple[str, float]]  # (phase or module, ms per answer), largest first


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Row:
    profile: str
    remarks: int
    meetings: int
    speakers: int
    ingest_rate: float | None  # None: a database kept from an earlier run (--keep), not ingested now
    ingest_cpu_rate: float | None  # remarks per second of CPU time, this process's and its readers'
    db_mb: float
    latencies: dict[str, list[float]]  # per kind of question, in ms
    cpu: list[float]  # the CPU time of each of those answers, in ms: what other processes on the machine disturb least
    ask_s: float
    ask_cpu_s: float
    peak_mb: float
    naive: list[float]
    naive_cpu: list[float]
    kinds: list[str]  # of each question asked, in order
    phases: Timings = field(default_factory=list)  # CPU time
    modules: Timings = field(default_factory=list)  # own time under cProfile
    question_cpu: dict[str, list[float]] = field(default_factory=dict)  # each question's answers' CPU ms
    question_wall: dict[str, list[float]] = field(default_factory=dict)  # and their wall ms
    answers: dict[str, dict] = field(default_factory=dict)  # what each question answered: see answer_summary

    @property
    def all_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


def database_size(url: str) -> float:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    engine = get_engine(database_url(url, ROOT))
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() / 2**20


def write_profile(profile: str, directory: Path, size: int, shared: Path | None) -> tuple[list[Path], list[Question]]:
    if profile == "old":
        return write_old_archive(directory, size), OLD_QUESTIONS
    archive = write_real_archive(directory, size, shared)
    return archive.paths, real_questions(archive)


def measure(
    profile: str, size: int, url: str, workdir: Path, rounds: int, shared: Path | None, ingest: bool = True
) -> Row:
    """`ingest` False: the database at `url` already holds this archive (written again only for its questions)."""
    archive = workdir / f"archive-{profile}-{size}"
    archive.mkdir(parents=True, exist_ok=True)
    paths, questions = write_profile(profile, archive, size, shared)
    table = default_alias_table()
    engine = get_engine(database_url(url, ROOT))
    started, started_cpu = time.perf_counter(), cpu_with_children()
    if ingest:
        with Session(engine) as session:
            for result in ingest_files(session, paths, table):
                if isinstance(result, Exception):
                    raise result
    ingest_seconds, ingest_cpu = time.perf_counter() - started, cpu_with_children() - started_cpu
    if engine.dialect.name == "postgresql":
        # What autovacuum does some time after a bulk load; the planner needs these statistics.
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    with Session(engine) as session:
        remarks = session.exec(select(func.count()).select_from(Remark)).one()
        meetings = session.exec(select(func.count()).select_from(Meeting)).one()
        speakers = session.exec(select(func.count()).select_from(Speaker)).one()

    glossary = default_glossary()
    latencies: dict[str, list[float]] = defaultdict(list)
    cpu: list[float] = []
    question_cpu: dict[str, list[float]] = defaultdict(list)
    question_wall: dict[str, list[float]] = defaultdict(list)
    answers = {}
    with Session(engine) as session:
        for question in WARM_UP:
            answer_question(session, question, table, glossary)
        for _ in range(rounds):
            for kind, question in questions:
                t, c = time.perf_counter(), time.thread_time()
                answer = answer_question(session, question, table, glossary)
                wall_ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
                latencies[kind].append(wall_ms)
                cpu.append(cpu_ms)
                question_wall[question].append(wall_ms)
                question_cpu[question].append(cpu_ms)
                answers[question] = answer_summary(answer)
        phases = time_phases(session, [q for _, q in questions], table, glossary)
        modules = own_time_by_module(session, [q for _, q in questions], table, glossary)

    ask_s, ask_cpu, peak_mb = answering_process(url, questions[0][1], workdir)

    # The obvious implementation: every remark in memory, partial_ratio against each.
    with Session(engine) as session:
        texts = list(session.exec(select(Remark.normalized_text)))
    naive: list[float] = []
    naive_cpu: list[float] = []
    for _, question in questions:
        query = normalize(question)
        t, c = time.perf_counter(), time.thread_time()
        process.extract(query, texts, scorer=fuzz.partial_ratio, limit=10)
        naive.append((time.perf_counter() - t) * 1000)
        naive_cpu.append((time.thread_time() - c) * 1000)
    del texts
    shutil.rmtree(archive)
    return Row(
        profile,
        remarks,
        meetings,
        speakers,
        remarks / ingest_seconds if ingest else None,
        remarks / ingest_cpu if ingest else None,
        database_size(url),
        dict(latencies),
        cpu,
        ask_s,
        ask_cpu,
        peak_mb,
        naive,
        naive_cpu,
        [kind for kind, _ in questions],
        phases,
        modules,
        dict(question_cpu),
        dict(question_wall),
        answers,
    )


def cpu_with_children() -> float:
    """CPU seconds of this process and of its children that ended (the processes ingest_files reads with)."""
    this, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return this.ru_utime + this.ru_stime + children.ru_utime + children.ru_stime


def answer_summary(answer: Answer) -> dict:
    """What an answer shows, to compare runs: the remarks (ids, in order), the meetings described, the message."""
    return {
        "remarks": [r.remark_id for r in answer.results],
        "meetings": [m.id for m in answer.meetings],
        "message": answer.message,
    }


def answering_process(url: str, question: str, workdir: Path) -> tuple[float, float, float]:
    """A new process answering one question, from exec to its answer printed: wall (s), CPU (s), peak memory
    (MB), medians. With its bytecode compiled, as an installed bot has it (pip compiles it), even where
    PYTHONDONTWRITEBYTECODE is set."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env |= {"DATABASE_URL": url, "PYTHONPYCACHEPREFIX": str(workdir / "bytecode")}
    runs = []
    for _ in range(ANSWERING_RUNS + 1):
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", ANSWERING_PROCESS, question],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t
        peak_kib, cpu = done.stderr.strip().splitlines()[-1].split()
        runs.append((wall, float(cpu), int(peak_kib) / 1024))
    return tuple(statistics.median(values) for values in zip(*runs[1:]))


def _module(filename: str) -> str:
    """A profiled function's module: bot.core.search, storage.queries; a library by its top package."""
    path = Path(filename)
    if path.is_relative_to(ROOT) and ".venv" not in path.parts:
        return ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    return "python"


def _extension(function: str) -> str:
    """A C function by its library: "<method 'execute' of 'sqlite3.Cursor' objects>" is sqlite3's."""
    for library in ("sqlite3", "rapidfuzz", "sudachipy", "psycopg"):
        if library in function:
            return f"{library} (C)"
    return "built-in (other)"


class PhaseClock:
    """CPU time by phase: each timed function's time goes to its phase, but for the phases it calls."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self.since = 0.0

    def _switch(self, phase: str | None) -> None:
        now = time.thread_time()
        if self.stack:
            self.totals[self.stack[-1]] += now - self.since
        self.since = now
        if phase is None:
            self.stack.pop()
        else:
            self.stack.append(phase)

    def timed(self, function, phase: str):
        @functools.wraps(function)
        def timed_function(*args, **kwargs):
            self._switch(phase)
            try:
                return function(*args, **kwargs)
            finally:
                self._switch(None)

        return timed_function


def time_phases(session: Session, questions: list[str], table: AliasTable, glossary: Glossary) -> Timings:
    """One round of the questions with the functions of PHASES timed: CPU ms per answer of each phase."""
    clock = PhaseClock()
    patched = []
    for module_name, name, phase in PHASES:
        owner = importlib.import_module(module_name)
        *classes, attribute = name.split(".")
        for class_name in classes:
            owner = getattr(owner, class_name)
        patched.append((owner, attribute, owner.__dict__[attribute]))
        setattr(owner, attribute, clock.timed(getattr(owner, attribute), phase))
    try:
        for question in questions:
            clock.timed(answer_question, OWN_WORK)(session, question, table, glossary)
    finally:
        for owner, attribute, original in reversed(patched):
            setattr(owner, attribute, original)
    return sorted(((p, t * 1000 / len(questions)) for p, t in clock.totals.items()), key=lambda item: -item[1])


def own_time_by_module(session: Session, questions: list[str], table: AliasTable, glossary: Glossary) -> Timings:
    """One round of the questions under cProfile: the own time of each module, ms per answer. cProfile slows
    small functions most, so the shares matter more than the milliseconds."""
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        answer_question(session, question, table, glossary)
    profiler.disable()
    own: dict[str, float] = defaultdict(float)
    for key, (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        own[_module(key[0]) if key[0] != "~" else _extension(key[2])] += tottime
    return sorted(((m, t * 1000 / len(questions)) for m, t in own.items()), key=lambda item: -item[1])


def _ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p):,.2f}"


COLUMNS = [
    "profile",
    "remarks",
    "meetings",
    "speakers",
    "ingest (remarks/s)",
    "per CPU second",
    "DB (MB)",
    "p50 (ms)",
    "p95 (ms)",
    "p99 (ms)",
    "CPU p50 (ms)",
    "CPU p95 (ms)",
    "`ask` process (s)",
    "its CPU (s)",
    "its peak RSS (MB)",
    "naive p50 (ms)",
    "naive p95 (ms)",
    "speed-up at p50",
    "at p95",
    "in CPU time at p50",
]


def slowest(row: Row, count: int) -> list[str]:
    """The `count` questions slowest at p95 of their CPU time, a table of their CPU and wall p50/p95."""
    ranked = sorted(row.question_cpu, key=lambda q: -percentile(row.question_cpu[q], 95))[:count]
    lines = [
        "",
        f"#### Slowest questions, profile `{row.profile}`, {row.remarks:,} remarks (ms)",
        "",
        "| question | CPU p50 | CPU p95 | wall p50 | wall p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in ranked:
        cpu, wall = row.question_cpu[q], row.question_wall[q]
        lines.append(f"| {q} | {_ms(cpu, 50)} | {_ms(cpu, 95)} | {_ms(wall, 50)} | {_ms(wall, 95)} |")
    return lines


def report(rows: list[Row], backend: str, slowest_count: int = 0) -> str:
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {backend}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * (len(COLUMNS) - 1),
    ]
    for r in rows:
        values = r.all_latencies
        p50, p95 = percentile(values, 50), percentile(values, 95)
        naive50, naive95 = percentile(r.naive, 50), percentile(r.naive, 95)
        cells = [
            r.profile,
            f"{r.remarks:,}",
            f"{r.meetings:,}",
            f"{r.speakers:,}",
            f"{r.ingest_rate:,.0f}" if r.ingest_rate else "kept",
            f"{r.ingest_cpu_rate:,.0f}" if r.ingest_cpu_rate else "kept",
            f"{r.db_mb:,.1f}",
            f"{p50:.2f}",
            f"{p95:.2f}",
            _ms(values, 99),
            _ms(r.cpu, 50),
            _ms(r.cpu, 95),
            f"{r.ask_s:.2f}",
            f"{r.ask_cpu_s:.2f}",
            f"{r.peak_mb:,.0f}",
            f"{naive50:,.1f}",
            f"{naive95:,.1f}",
            f"{naive50 / p50:,.0f}x",
            f"{naive95 / p95:,.0f}x",
            f"{percentile(r.naive_cpu, 50) / percentile(r.cpu, 50):,.0f}x",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for profile in dict.fromkeys(r.profile for r in rows):
        mine = [r for r in rows if r.profile == profile]
        lines += [
            "",
            f"#### Per kind of question, profile `{profile}` (wall p50 / p95, ms)",
            "",
            "| kind | questions | " + " | ".join(f"{r.remarks:,}" for r in mine) + " |",
            "|---|---:|" + "---:|" * len(mine),
        ]
        for kind in mine[0].latencies:
            count = sum(1 for k in mine[0].kinds if k == kind)
            cells = " | ".join(f"{_ms(r.latencies[kind], 50)} / {_ms(r.latencies[kind], 95)}" for r in mine)
            lines.append(f"| {kind} | {count} | {cells} |")
        largest = mine[-1]
        total = sum(ms for _, ms in largest.phases)
        lines += [
            "",
            f"#### Where the time goes, profile `{profile}`, {largest.remarks:,} remarks",
            "",
            f"CPU time of one round of the questions, by phase: {total:.2f} ms per answer.",
            "",
            "| phase | ms per answer | share |",
            "|---|---:|---:|",
        ]
        lines += [f"| {phase} | {ms:.2f} | {ms / total:.0%} |" for phase, ms in largest.phases if ms >= 0.005]
        lines += ["", "Own time by module under cProfile (top 10):", "", "| module | ms per answer |", "|---|---:|"]
        lines += [f"| {module} | {ms:.2f} |" for module, ms in largest.modules[:10]]
        if slowest_count:
            lines += slowest(largest, slowest_count)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k remarks only")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--profile", choices=PROFILES, nargs="*", default=list(PROFILES), help="corpus profiles")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    parser.add_argument("--database-url", help="a PostgreSQL URL to bench instead of SQLite files (emptied per size)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: a database already holding remarks (this profile and size, from an earlier run) "
        "is asked as it is, not emptied and ingested again",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="a folder for the SQLite databases, kept after the run; one already there is reused, not ingested again",
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=default_shared(),
        help="the shared folder whose minutes/ the real profile draws from (default: %(default)s)",
    )
    parser.add_argument("--slowest", type=int, default=0, help="list this many slowest questions per profile")
    parser.add_argument(
        "--answers",
        type=Path,
        help="write what every question answered (remark ids in order, meetings, message) to this JSON file",
    )
    args = parser.parse_args()
    sizes = [10_000] if args.quick else args.sizes
    rows = []
    with tempfile.TemporaryDirectory(prefix="remarks-bench-") as tmp:
        databases = args.keep or Path(tmp)
        databases.mkdir(parents=True, exist_ok=True)
        for profile in args.profile:
            for size in sizes:
                database = databases / f"bench-{profile}-{size}.db"
                url = args.database_url or f"sqlite:///{database}"
                if args.database_url:
                    kept = args.reuse and holds_remarks(url)
                    if not kept:
                        reset_database(url)
                else:
                    kept = args.keep is not None and database.exists()
                rows.append(measure(profile, size, url, Path(tmp), args.rounds, args.shared, ingest=not kept))
                print(f"{profile} {size:,}: p50 {statistics.median(rows[-1].all_latencies):.2f} ms", flush=True)
    if args.answers:
        answered = {f"{r.profile} {r.remarks}": r.answers for r in rows}
        args.answers.write_text(json.dumps(answered, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print()
    print(report(rows, "PostgreSQL" if args.database_url else "SQLite (the default)", args.slowest))


def holds_remarks(url: str) -> bool:
    """Whether a PostgreSQL database has a remark table with rows in it."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        if connection.execute("SELECT to_regclass('public.remark')").fetchone()[0] is None:
            return False
        return connection.execute("SELECT EXISTS (SELECT 1 FROM remark)").fetchone()[0]


def reset_database(url: str) -> None:
    """Empty a PostgreSQL database: the next get_engine migrates it afresh."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    get_engine.cache_clear()


if __name__ == "__main__":
    main()
