"""Reading minutes gives what it gave when tests/data/minutes_digests.json was recorded, for every minutes text
the tests hold (each string of tests/test_minutes*.py and tests/test_documents.py, written out or kept in a
name), the sample, meetings of both benchmark corpora, and every shared minutes file when ../shared/minutes is
here (as it is, flattened onto one line, in UTF-16 and Shift_JIS).

Each input is known by the SHA-256 of its bytes and its result by the SHA-256 of the decoded text, the parsed
minutes, the normalised remarks and the parts of each speaker's label: digests, no text of the shared files.
A change meant to read minutes differently records the digests again, from the repository's root:
`.venv/bin/python tests/test_minutes_same.py --record`."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import hashlib
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "tests" / "data" / "minutes_digests.json"
SHARED = Path(os.environ.get("SHARED_MINUTES", ROOT.parent / "shared" / "minutes"))
FIXTURE_FILES = ("test_minutes.py", "test_minutes_layouts.py", "test_minutes_speakers.py", "test_documents.py")


# Texts at the edges of the shortcuts reading takes: turns inside a line after a full-width space only, a
# reported turn as short as it can be, a tab in a remark, a full-width bracket after 君, a label before a
# full-width space or a full-width bracket, a repeated line ending like a role, a header label written with spaces.
EDGES = (
    "会議録\n○議長(山田太郎君)\u3000開会します。\u3000○委員(佐藤君)\u3000質問です。\u3000議長　どうぞ。\n",
    "会議録\n○議長(山田君) 始めます。\n-説-\n-事務局から説明- 資料の説明です。\n事務局 以上です。\n",
    "会議録\n○議長(山田君) 人材\t確保が課題です。S  N  S\tも使います。\n人材\t確保も課題です。\n",
    "会議録\n○議長（山田君） 始めます。 副議長鳥山和一郎君） 皆様、おはようございます。 2番（岡山勝廣君） はい。\n",
    "会議録\n江口部会長\u3000将来的には人口が減少すると思われますので対策が必要です。\n事務局（中）ただいまから始めます。\n",
    "会議録\n" + "第5回 審議会 事務局長\n○議長(山田君) 始めます。\n" * 3,
    "会議録\n開 催 場 所　議会 協議会室1\n出 席 者\n山田、佐藤\n○議長(山田君) 始めます。\n",
)


def minutes_inputs(directory: Path) -> list[bytes]:
    """The inputs, as bytes (text as UTF-8), in a fixed order, without repeats; the corpora written in
    `directory`."""
    from bench.corpus import write_old_archive, write_real_archive

    texts: list[str | bytes] = list(EDGES)
    for name in FIXTURE_FILES:
        module = importlib.import_module(f"tests.{name.removesuffix('.py')}")
        texts += [value for value in vars(module).values() if isinstance(value, str | bytes) and value]
        for node in ast.walk(ast.parse((ROOT / "tests" / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes) and node.value:
                texts.append(node.value)
            elif isinstance(node, ast.Call) and (text := _text_built(node, module)):
                texts.append(text)
    inputs = [text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass") for text in texts]
    inputs += [path.read_bytes() for path in sorted((ROOT / "samples").glob("*.txt"))]
    (directory / "real").mkdir()
    (directory / "old").mkdir()
    real = write_real_archive(directory / "real", 3000, SHARED.parent if SHARED.is_dir() else None).paths
    inputs += [path.read_bytes() for path in real + write_old_archive(directory / "old", 500)]
    for path in sorted(SHARED.glob("**/*.txt")) if SHARED.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        flat = "  ".join(line.strip() for line in text.splitlines() if line.strip())
        inputs += [text.encode("utf-8"), flat.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]
        inputs.append(text.encode("cp932", errors="replace"))
    return list(dict.fromkeys(inputs))


def _text_built(call: ast.Call, module: object) -> str | None:
    """The text a call of literals builds in a test: "\\n".join([...]), or a helper such as remarks_doc(...)."""
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
    except ValueError:
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr == "join" and isinstance(call.func.value, ast.Constant):
        built = call.func.value.value.join(*args) if len(args) == 1 else None
    elif isinstance(call.func, ast.Name) and call.func.id.endswith("_doc") and not call.keywords:
        built = getattr(module, call.func.id)(*args)
    else:
        return None
    return built if isinstance(built, str) and built else None


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def reading(data: bytes) -> dict[str, object]:
    """What reading one input gives: its text and minutes, or the refusal."""
    from bot.core.documents import document_text
    from bot.core.labels import is_speaker_label, split_label
    from bot.core.minutes import MinutesError, parse_minutes
    from bot.core.text import normalize, normalize_with_map

    try:
        text = document_text(data)
    except MinutesError as err:
        return {"refused": str(err)}
    try:
        minutes = parse_minutes(text)
    except MinutesError as err:
        return {"text": text, "refused": str(err)}
    labels = dict.fromkeys(remark.speaker for remark in minutes.remarks)
    return {
        "text": text,
        "minutes": _plain(minutes),
        "normalized": [normalize(remark.text) for remark in minutes.remarks],
        "with_spaces": [normalize(remark.text, keep_spaces=True) for remark in minutes.remarks],
        "mapped": [normalize_with_map(remark.text) for remark in minutes.remarks[:10]],
        "labels": {label: [is_speaker_label(label), *split_label(label)] for label in labels},
    }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(result: dict[str, object]) -> str:
    return _sha(json.dumps(result, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass"))


def test_every_minutes_input_reads_as_recorded(tmp_path):
    recorded = json.loads(DIGESTS.read_text(encoding="utf-8"))
    compared = changed = 0
    for data in minutes_inputs(tmp_path):
        expected = recorded.get(_sha(data))
        if expected is not None:
            compared += 1
            changed += digest(reading(data)) != expected
    assert changed == 0, f"{changed} of {compared} inputs read otherwise than recorded"
    # The fixtures alone are several hundred inputs: most of them must still be those recorded.
    assert compared >= 400


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    sys.path.append(str(ROOT))  # after PYTHONPATH, which may name another checkout to record from
    with tempfile.TemporaryDirectory() as directory:
        digests = {_sha(data): digest(reading(data)) for data in minutes_inputs(Path(directory))}
    DIGESTS.write_text(json.dumps(digests, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(digests)} digests recorded in {DIGESTS.relative_to(ROOT)}")
