"""The benchmark's real-profile corpus: minutes the bot reads, that look like a prefecture's archive."""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path

import pytest

from bench.corpus import clause_pool, default_shared, era_year, fiscal_year, minutes_sources, write_real_archive
from bench.questions import DATES, DICTIONARY, MEETING, ROMAJI_TOPIC, SEVERAL, real_questions
from bot.core.documents import document_text
from bot.core.minutes import parse_minutes


@pytest.mark.parametrize(
    ("day", "era", "fiscal"),
    [
        (datetime.date(2019, 4, 30), "平成31年", "令和元年度"),
        (datetime.date(2019, 5, 1), "令和元年", "令和元年度"),
        (datetime.date(2019, 3, 31), "平成31年", "平成30年度"),
        (datetime.date(2026, 2, 10), "令和8年", "令和7年度"),
        (datetime.date(2007, 1, 10), "平成19年", "平成18年度"),
    ],
)
def test_era_and_fiscal_year_follow_the_calendar_of_the_minutes(day: datetime.date, era: str, fiscal: str) -> None:
    assert (era_year(day), fiscal_year(day)) == (era, fiscal)


def test_the_archive_is_read_by_the_bot_and_has_the_speakers_places_and_years_asked_for(tmp_path: Path) -> None:
    archive = write_real_archive(tmp_path, 3_000, None)
    parsed = [parse_minutes(document_text(path.read_bytes())) for path in archive.paths]
    labels = {remark.speaker for minutes in parsed for remark in minutes.remarks}
    assert sum(len(minutes.remarks) for minutes in parsed) == archive.remarks == 3_000
    assert labels == archive.speakers and len(labels) >= 100
    assert len(archive.organisations) >= 30
    assert {"苫前町長", "事務局", "会長"} <= labels
    assert any(label.startswith("委員長(") for label in labels) and any(label[0].isdigit() for label in labels)
    years = {minutes.date.year for minutes in parsed if minutes.date}
    assert min(years) <= 2007 and max(years) >= 2026 and len(years) == 20
    assert [minutes.date for minutes in parsed] == [datetime.date.fromisoformat(p.name[:10]) for p in archive.paths]


def test_the_same_seed_writes_the_same_archive(tmp_path: Path) -> None:
    written = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        written.append([path.read_bytes() for path in write_real_archive(tmp_path / name, 600, None).paths])
    assert written[0] == written[1]


def test_clauses_are_speech_and_come_from_every_source_present() -> None:
    sources = minutes_sources(default_shared())
    clauses = clause_pool(sources)
    only_sample = clause_pool(sources[:1])
    assert clauses and all(clause[-1] in "、。" and "(" not in clause and " " not in clause for clause in clauses)
    if len(sources) == 1:
        pytest.skip("the shared minutes are absent: only the sample's clauses")
    assert len(clauses) > 2 * len(only_sample)


def test_the_question_mix_has_the_new_kinds_and_names_what_the_archive_holds(tmp_path: Path) -> None:
    archive = write_real_archive(tmp_path, 3_000, None)
    questions = real_questions(archive)
    kinds = {kind for kind, _ in questions}
    assert {DATES, SEVERAL, ROMAJI_TOPIC, DICTIONARY, MEETING} <= kinds
    assert len(questions) == len({question for _, question in questions})
    assert any(archive.council_speakers[0] in question for _, question in questions)


@pytest.mark.parametrize("module", ["bench.run", "bench.slack_path", "bench.reminders"])
def test_every_benchmark_imports_what_the_bot_has_now(module: str) -> None:
    # Benchmarks are not run by the suite; this keeps them runnable as the bot's modules move.
    importlib.import_module(module)
