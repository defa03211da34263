"""Benchmark: answers stay instant as minutes pile up.

    python bench/run.py --quick            # 10k remarks, for development
    python bench/run.py                    # 10k, 100k and 1M remarks
    python bench/run.py --sizes 100000 --database-url postgresql://…

For each size it writes a synthetic archive in the sample's layout (many
meetings and speakers; sentences recombined from the sample's own clauses),
ingests it into a fresh database, and answers a fixed mix of question shapes.
It reports ingest rate, database size, answer latency (p50/p95/p99), process
start-up to first answer, peak memory, and the obvious implementation in the
same run: rapidfuzz `process.extract` with `partial_ratio` over every remark
text held in memory.

Not a test: numbers depend on the machine. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from rapidfuzz import fuzz, process
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answers import answer_question  # noqa: E402
from bot.core.minutes import parse_minutes  # noqa: E402
from bot.core.speakers import default_alias_table  # noqa: E402
from bot.core.text import normalize  # noqa: E402
from bot.core.topics import default_glossary  # noqa: E402
from bot.ingest import ingest_minutes  # noqa: E402
from storage.engine import database_url, get_engine  # noqa: E402
from storage.models import Remark  # noqa: E402

SAMPLE = ROOT / "samples" / "rumoi-2025-10-08.txt"
REMARKS_PER_MEETING = 50
EXTRA_PLACES = ["北見", "網走", "紋別", "稚内", "名寄", "士別", "根室", "釧路", "帯広", "富良野", "深川", "滝川"]

# At least 30 shapes: speaker+topic, topic only, speaker only; English, Japanese, romaji, typos, no match.
QUESTIONS = [
    "what did 苫前町長 say about foreign workers",
    "苫前町長 外国人",
    "what did the Tomamae mayor say about hiring town staff",
    "留萌市長 奨学金",
    "Rumoi mayor regional project manager",
    "増毛町長は人口減少について何と言いましたか",
    "Obira mayor IoT",
    "Haboro mayor digital promotion division",
    "Tomamai mayor foreign workers",
    "Haboru mayor LINE app",
    "the mayor of Enbetsu on cooperation between municipalities",
    "天塩町長 新規就農",
    "chamber of commerce work experience for students",
    "観光連盟 若い人の条件",
    "JA Rumoi comprehensive partnership agreement",
    "商工会連合会 世代交代",
    "construction association member companies decreasing",
    "education bureau small schools",
    "what did 天塩町長 say",
    "remarks of the JA Rumoi head",
    "Rumoi Subprefectural Bureau director",
    "show me everything the construction association said",
    "留萌振興局長の発言",
    "who talked about SNS",
    "誰が奨学金について話した",
    "who mentioned the Specified Skilled / trainee system",
    "除雪について話したのは誰",
    "who talked about snow removal and disaster prevention",
    "who talked about local allocation tax",
    "who talked about population decline",
    "事業承継について発言したのは誰",
    "what did 旭川市長 say",
    "who talked about space rockets",
    "what did the Tomamae mayor say about nuclear power",
    "Sapporo mayor tourism",
    "北見市長 連携",
    # Dates, meetings and several speakers.
    "what did the mayors say about snow removal at the last meeting",
    "前回の会議で苫前町長は何と言った",
    "who talked about foreign workers in 2010",
    "令和5年度の会議で町長たちは人口減少について何と言った",
    "Tomamae and Haboro mayors on digital promotion",
    "where was the last meeting held",
]


# `python -m bot ask --json QUESTION`, printing its peak resident memory (KiB) on standard error at exit.
ANSWERING_PROCESS = """
import atexit, resource, runpy, sys
atexit.register(lambda: print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
sys.argv = ["bot", "ask", "--json", sys.argv[1]]
runpy.run_module("bot", run_name="__main__")
"""


def sample_clauses() -> tuple[list[str], list[str]]:
    """The sample's remark clauses to recombine, and its speaker labels."""
    minutes = parse_minutes(SAMPLE.read_text(encoding="utf-8"))
    clauses = [c for r in minutes.remarks for c in re.split(r"(?<=[、。])", r.text) if len(c) > 4]
    speakers = list(dict.fromkeys(r.speaker for r in minutes.remarks))
    return clauses, speakers


def write_archive(directory: Path, remarks: int, seed: int = 7) -> list[Path]:
    """Meetings in the sample's layout, REMARKS_PER_MEETING remarks each, speakers from a larger pool."""
    rng = random.Random(seed)
    clauses, sample_speakers = sample_clauses()
    pool = sample_speakers + [f"{place}市長" for place in EXTRA_PLACES] + [f"{p}商工会議所 会頭" for p in EXTRA_PLACES]
    paths = []
    for number in range(remarks // REMARKS_PER_MEETING):
        year = 2000 + number % 26
        lines = [f"第{number + 1}回 地域づくり連携会議 開催概要", "", "1 実施日時", "",
                 f"令和{max(year - 2018, 1)}年（{max(year, 2019)}年）{number % 12 + 1}月{number % 28 + 1}日 14:00～16:00",
                 "", "2 場 所", "", "公民館", "", "5 意見交換の主なコメント", ""]
        speakers = rng.sample(pool, 10)
        for i in range(REMARKS_PER_MEETING):
            if i % 5 == 0:
                lines += ["", f"＜{speakers[i // 5]}＞", ""]
            text = "".join(rng.choice(clauses) for _ in range(rng.randint(2, 5))).rstrip("、") + "。"
            lines.append("- " + text.replace("\n", ""))
        path = directory / f"meeting-{number:06d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Row:
    remarks: int
    ingest_rate: float
    db_mb: float
    p50: float
    p95: float
    p99: float
    startup_s: float
    peak_mb: float
    naive_p50: float
    naive_p95: float


def database_size(url: str) -> float:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    engine = get_engine(database_url(url, ROOT))
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() / 2**20


def measure(size: int, url: str, workdir: Path, rounds: int) -> Row:
    archive = workdir / f"archive-{size}"
    archive.mkdir(parents=True, exist_ok=True)
    paths = write_archive(archive, size)
    table = default_alias_table()
    engine = get_engine(database_url(url, ROOT))
    started = time.perf_counter()
    with Session(engine) as session:
        for path in paths:
            ingest_minutes(session, path.read_bytes(), path.name, table)
    ingest_rate = size / (time.perf_counter() - started)
    if engine.dialect.name == "postgresql":
        # What autovacuum does some time after a bulk load; the planner needs these statistics.
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")

    glossary = default_glossary()
    latencies: list[float] = []
    with Session(engine) as session:
        answer_question(session, "warm up", table, glossary)
        for _ in range(rounds):
            for question in QUESTIONS:
                t = time.perf_counter()
                answer_question(session, question, table, glossary)
                latencies.append((time.perf_counter() - t) * 1000)

    # Start-up: a new process, from exec to its first answer printed; it reports its own peak memory.
    env = dict(os.environ, DATABASE_URL=url)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ANSWERING_PROCESS, QUESTIONS[0]], env=env, cwd=ROOT,
                          check=True, capture_output=True, text=True)
    startup = time.perf_counter() - t
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024

    # The obvious implementation: every remark in memory, partial_ratio against each.
    with Session(engine) as session:
        texts = list(session.exec(select(Remark.normalized_text)))
    naive: list[float] = []
    for question in QUESTIONS:
        query = normalize(question)
        t = time.perf_counter()
        process.extract(query, texts, scorer=fuzz.partial_ratio, limit=10)
        naive.append((time.perf_counter() - t) * 1000)
    del texts
    shutil.rmtree(archive)
    return Row(size, ingest_rate, database_size(url), percentile(latencies, 50), percentile(latencies, 95),
               percentile(latencies, 99), startup, peak, percentile(naive, 50), percentile(naive, 95))


def report(rows: list[Row], backend: str) -> str:
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {backend}",
        "",
        "| remarks | ingest (remarks/s) | DB (MB) | p50 (ms) | p95 (ms) | p99 (ms) | start-up (s) | peak RSS of the answering process (MB) | naive p50 (ms) | naive p95 (ms) | speed-up at p50 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.remarks:,} | {r.ingest_rate:,.0f} | {r.db_mb:,.1f} | {r.p50:.2f} | {r.p95:.2f} | {r.p99:.2f} | "
            f"{r.startup_s:.2f} | {r.peak_mb:,.0f} | {r.naive_p50:,.1f} | {r.naive_p95:,.1f} | {r.naive_p50 / r.p50:,.0f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k remarks only")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    parser.add_argument("--database-url", help="a PostgreSQL URL to bench instead of SQLite files (emptied per size)")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else args.sizes
    rows = []
    with tempfile.TemporaryDirectory(prefix="remarks-bench-") as tmp:
        for size in sizes:
            url = args.database_url or f"sqlite:///{tmp}/bench-{size}.db"
            if args.database_url:
                reset_database(url)
            rows.append(measure(size, url, Path(tmp), args.rounds))
            print(report(rows[-1:], ""), flush=True)
    print()
    print(report(rows, "PostgreSQL" if args.database_url else "SQLite"))


def reset_database(url: str) -> None:
    """Empty a PostgreSQL database: the next get_engine migrates it afresh."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    get_engine.cache_clear()


if __name__ == "__main__":
    main()
