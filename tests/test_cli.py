"""The command line as scripts use it: real processes, a real SQLite file, the stable JSON contract."""

import io
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE


def run(args, db_url, stdin=None, python_options=()):
    env = dict(os.environ, DATABASE_URL=db_url)
    return subprocess.run(
        [sys.executable, *python_options, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    done = run(["ingest", str(SAMPLE)], url)
    assert done.returncode == 0, done.stderr
    assert "added" in done.stdout and "17 speakers, 49 remarks" in done.stdout
    return url


def test_ask_json_answers_one_line_per_question_in_order(loaded):
    questions = ["what did 苫前町長 say about foreign workers", "who talked about space rockets", "", "留萌市長の発言"]
    done = run(["ask", "--json"], loaded, stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == [q for q in questions if q]
    first = answers[0]
    assert set(first) >= {"question", "speaker", "topics", "results", "message", "elapsed_ms"}
    assert first["speaker"]["label"] == "苫前町長"
    assert first["topics"][0]["concept"] == "foreign_workers"
    result = first["results"][0]
    assert set(result) >= {"speaker", "text", "meeting", "score", "remark_id"}
    assert result["meeting"] == {"title": "令和7年度留萌地域づくり連携会議 開催概要", "date": "2025-10-08"}
    assert isinstance(result["remark_id"], int) and result["score"] > 0
    assert answers[1]["results"] == [] and answers[1]["speaker"] is None and answers[1]["message"]
    assert isinstance(first["elapsed_ms"], float)


# Packages a process answering a question does not load (on a database at the newest revision): each would
# add to its start-up, most of its time. Migrations (alembic), Slack, the minutes' parsers (PDF, Word), the
# reminders' scheduler; SudachiPy too, for a question it need not segment.
NOT_LOADED_TO_ANSWER = (
    "alembic",
    "slack_sdk",
    "slack_bolt",
    "bot.slack",
    "pdfminer",
    "docx",
    "bot.ingest",
    "apscheduler",
)


def loaded_by_ask(question: str, db_url: str) -> set[str]:
    """The packages and first-level modules (bot.slack) `python -m bot ask --json QUESTION` imports."""
    done = run(["ask", "--json", question], db_url, python_options=["-X", "importtime"])
    assert done.returncode == 0 and "results" in json.loads(done.stdout.splitlines()[-1])
    modules = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {".".join(name.split(".")[:depth]) for name in modules for depth in (1, 2)}


def test_ask_loads_only_what_answering_needs(loaded):
    loaded_modules = loaded_by_ask("what did 苫前町長 say about foreign workers", loaded)
    assert {"bot.answers", "sqlalchemy", "rapidfuzz"} <= loaded_modules
    assert loaded_modules.isdisjoint({*NOT_LOADED_TO_ANSWER, "sudachipy"})
    segmenting = loaded_by_ask("修学旅行について話したのは誰", loaded)  # a word outside the glossary
    assert "sudachipy" in segmenting and segmenting.isdisjoint(NOT_LOADED_TO_ANSWER)


def test_ask_prints_a_readable_answer_in_the_questions_language(loaded):
    english = run(["ask", "what did the Tomamae mayor say about foreign workers"], loaded).stdout
    assert "Understood as: speaker 苫前町長" in english and "外国人材" in english
    assert "**" not in english and "\033[" not in english  # no markup when the output is not a terminal
    japanese = run(["ask", "奨学金について話したのは誰"], loaded).stdout
    assert "解釈:" in japanese and "3件の発言" in japanese


def test_ask_with_an_empty_question_says_what_it_can_do(loaded):
    done = run(["ask", ""], loaded)
    assert done.returncode == 0 and "留萌地域づくり連携会議" in done.stdout and "2025-10-08" in done.stdout


def test_ask_into_a_closed_pipe_ends_quietly(loaded):
    # `ask … | head -1`: the reader leaves after the first line.
    env = dict(os.environ, DATABASE_URL=loaded)
    shell = f"{sys.executable} -m bot ask 'who talked about scholarships' | head -1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.stdout == "Question: who talked about scholarships\n"
    assert done.stderr == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_ask_prompts_on_a_terminal_and_marks_matches_in_bold(loaded, cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", Terminal("who talked about scholarships\n\n"))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    status, out, _ = cli(["ask"], loaded)
    assert status == 0 and "? " in out and "Question: who talked about scholarships" in out
    assert "\033[1m奨学金" in out and "**" not in out


def test_ask_options_bound_the_answer(loaded):
    def answer(*args):
        done = run(["ask", "--json", *args], loaded)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    narrowed = answer("--speaker", "Tomamae", "foreign workers")
    assert {r["speaker"] for r in narrowed["results"]} == {"苫前町長"}
    assert answer("--meeting", "1", "--since", "2025-10-01", "--until", "2025-10-31", "奨学金")["results"]
    outside = answer("--since", "2026-01-01", "奨学金")
    assert outside["results"] == [] and "2025-10-08" in outside["message"]
    refused = run(["ask", "--since", "yesterday", "奨学金"], loaded)
    assert refused.returncode == 2 and "YYYY-MM-DD" in refused.stderr


def test_meetings_show_prints_one_meeting(loaded):
    shown = run(["meetings", "show", "1"], loaded).stdout
    assert "2025-10-08" in shown and "14:00–16:00" in shown and "羽幌町立中央公民館" in shown
    assert "設置規約改定" in shown and "経済産業局" in shown
    facts = json.loads(run(["meetings", "show", "1", "--json"], loaded).stdout)
    assert facts["place"].startswith("羽幌町立中央公民館") and facts["start_time"] == "14:00" and facts["remarks"] == 49
    missing = run(["meetings", "show", "99"], loaded)
    assert missing.returncode == 1 and missing.stderr.startswith("error: no meeting 99")


def test_meetings_json(loaded):
    done = run(["meetings", "--json"], loaded)
    assert json.loads(done.stdout) == {
        "meetings": [
            {
                "id": 1,
                "title": "令和7年度留萌地域づくり連携会議 開催概要",
                "date": "2025-10-08",
                "speakers": 17,
                "remarks": 49,
            }
        ]
    }


def test_speakers_lists_aliases(loaded):
    out = run(["speakers"], loaded).stdout
    assert "苫前町長: 苫前町, 苫前, とままえ" in out
    listed = json.loads(run(["speakers", "--json"], loaded).stdout)["speakers"]
    assert len(listed) == 17 and "tomamae" in listed[3]["aliases"]


def test_bad_files_fail_with_one_line_naming_the_file_and_write_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    empty, binary, missing = tmp_path / "empty.txt", tmp_path / "scan.pdf", tmp_path / "missing.txt"
    empty.write_bytes(b"")
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02\x03" * 20)
    done = run(["ingest", str(empty), str(binary), str(missing)], url)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in done.stderr
    assert lines[0].startswith(f"error: {empty}:") and "empty" in lines[0]
    assert lines[1].startswith(f"error: {binary}:") and "PDF is damaged" in lines[1]
    assert lines[2].startswith(f"error: {missing}:")
    assert json.loads(run(["meetings", "--json"], url).stdout) == {"meetings": []}


def test_a_database_that_cannot_be_reached_is_one_clear_line():
    done = run(["meetings"], "postgresql://nobody@127.0.0.1:1/none")
    assert done.returncode == 2
    assert done.stderr.startswith("error: the database cannot be used") and "Traceback" not in done.stderr


def test_an_unexpected_failure_is_one_line_not_a_traceback(tmp_path):
    # A directory where the database file should be: sqlite cannot open it.
    (tmp_path / "db").mkdir()
    done = run(["meetings"], f"sqlite:///{tmp_path / 'db'}")
    assert done.returncode in (1, 2) and done.stderr.startswith("error:") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
