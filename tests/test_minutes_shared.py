"""Every shared minutes file (../shared/minutes, when present) ingests, and a speaker question of each answers
without crashing; the archive reads as before."""

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.answers import answer_question
from bot.core.speakers import default_alias_table
from bot.core.topics import default_glossary
from bot.ingest import ingest_minutes
from storage import queries
from storage.engine import database_url, get_engine

# ../shared beside the repository (main's checkout); SHARED_MINUTES points elsewhere, e.g. from a worktree.
SHARED = Path(os.environ.get("SHARED_MINUTES", Path(__file__).resolve().parent.parent.parent / "shared" / "minutes"))
FILES = sorted(SHARED.glob("**/*.txt")) if SHARED.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/minutes is not here")


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_shared_file_ingests_and_a_speaker_question_answers(path, tmp_path):
    table = default_alias_table()
    with Session(get_engine(database_url(f"sqlite:///{tmp_path / 'shared.db'}", Path(".")))) as session:
        result = ingest_minutes(session, path.read_bytes(), path.name, table)
        assert result.speakers >= 1 and result.remarks >= result.speakers
        again = ingest_minutes(session, path.read_bytes(), path.name, table)
        assert again.status == "unchanged"
        first = queries.all_speakers(session)[0]
        for question in (f"{first.label}の発言", f"what did {first.label} say", "| の発言", "委員長は何と言った"):
            answer = answer_question(session, question, table, default_glossary())
            assert answer.to_json(0.0)["question"] == question


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_shared_file_flattened_onto_one_line_has_the_same_speakers_and_words(path):
    """As a PDF or web page flattened onto one line gives it: turns are found at their labels all the same."""
    from bot.core.minutes import parse_minutes

    text = path.read_text(encoding="utf-8")
    flat = "  ".join(line.strip() for line in text.splitlines() if line.strip())
    lines, flattened = parse_minutes(text).remarks, parse_minutes(flat).remarks
    assert {r.speaker for r in flattened} == {r.speaker for r in lines}
    assert "".join("".join(r.text.split()) for r in flattened) == "".join("".join(r.text.split()) for r in lines)
