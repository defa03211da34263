"""Minutes files read for an import, before any database read: decoded, parsed, their speakers' labels split,
their remarks normalised and tokenised. Several files are read by other processes, one per core, while the
importing one writes; this module imports no database code, so that they start quickly."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePath

from bot.core.documents import document_text
from bot.core.labels import LabelParts
from bot.core.minutes import MinutesError, ParsedMinutes, parse_minutes
from bot.core.speakers import AliasTable, split_label
from bot.core.text import normalize
from storage.search_tokens import remark_tokens

# A council meeting has tens of speakers; a file naming thousands is not minutes, and each new speaker costs
# a few milliseconds of alias derivation while the database is written.
MAX_SPEAKERS_PER_MEETING = 500


def read_minutes_file(data: bytes, source_name: str) -> tuple[str, ParsedMinutes]:
    """The text and the parsed minutes of a file (text, PDF or .docx); a file without a title is named after
    itself. Writes nothing: `ingest --dry-run` shows this."""
    text = document_text(data)
    minutes = parse_minutes(text)
    speakers = len({remark.speaker for remark in minutes.remarks})
    if speakers > MAX_SPEAKERS_PER_MEETING:
        raise MinutesError(
            f"{speakers} different speakers in one meeting, more than minutes have "
            f"({MAX_SPEAKERS_PER_MEETING} at most): is this a list of names rather than minutes of one meeting?"
        )
    if not minutes.title:
        minutes = dataclasses.replace(minutes, title=PurePath(source_name).stem or source_name)
    return text, minutes


def speakers_of(minutes: ParsedMinutes, table: AliasTable) -> dict[str, LabelParts]:
    """Each speaker label of the minutes, in order of first remark, with its organisation, role and name."""
    return {label: split_label(label, table) for label in dict.fromkeys(r.speaker for r in minutes.remarks)}


POOL_MIN_FILES = 8  # fewer files are read here: starting the processes that read them would cost more
# Files a reading process is given at once: each hand-over wakes a thread of this process, which then
# contends with the writing for the interpreter.
FILES_PER_TASK = 8
TASKS_AHEAD = 4  # tasks given out ahead of the files being stored: the readers kept busy, few files in memory


@dataclass(frozen=True)
class ReadMinutes:
    """A minutes file read for storing, before any database read: what another process can do."""

    minutes: ParsedMinutes
    content_hash: str
    labels: dict[str, LabelParts]  # see speakers_of
    remarks: list[dict]  # StagedRemark rows


def read_for_storing(data: bytes, source_name: str, table: AliasTable) -> ReadMinutes:
    """Read, parse and normalise a minutes file and tokenise its remarks. Raises MinutesError."""
    text, minutes = read_minutes_file(data, source_name)
    remarks = []
    for position, remark in enumerate(minutes.remarks, start=1):
        normalized = normalize(remark.text)
        remarks.append(
            {
                "position": position,
                "speaker_label": remark.speaker,
                "text": remark.text,
                "normalized_text": normalized,
                "tokens": remark_tokens(normalized),
            }
        )
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ReadMinutes(minutes, content_hash, speakers_of(minutes, table), remarks)


def _read_file(path: Path, table: AliasTable) -> ReadMinutes | MinutesError | OSError:
    try:
        return read_for_storing(path.read_bytes(), path.name, table)
    except (MinutesError, OSError) as error:
        return error


def read_files(paths: Sequence[Path], table: AliasTable) -> Iterator[ReadMinutes | MinutesError | OSError]:
    """Each file read, in order: here, or with many files by a pool of processes, one per core, reading ahead.
    They read no database: each file's speakers and previous version are looked up when it is stored."""
    if len(paths) < POOL_MIN_FILES:
        yield from (_read_file(path, table) for path in paths)
        return
    # Spawned, not forked: a forked process would share this one's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(os.cpu_count(), context, initializer=_start_reader, initargs=(table,)) as pool:
        queued = iter(paths)
        tasks = iter(lambda: tuple(islice(queued, FILES_PER_TASK)), ())
        reads = deque(pool.submit(_read_in_reader, task) for task in islice(tasks, TASKS_AHEAD))
        while reads:
            read = reads.popleft().result()
            reads.extend(pool.submit(_read_in_reader, task) for task in islice(tasks, 1))
            yield from read


_reader_table: AliasTable | None = None  # in a reading process: the alias table labels are split with


def _start_reader(table: AliasTable) -> None:
    global _reader_table
    _reader_table = table


def _read_in_reader(paths: tuple[Path, ...]) -> list[ReadMinutes | MinutesError | OSError]:
    assert _reader_table is not None, "started by _start_reader"
    return [_read_file(path, _reader_table) for path in paths]
