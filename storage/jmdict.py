"""JMdict, the Japanese–English dictionary, and JMnedict, its dictionary of names, as the jamdict-data
package ships them: one SQLite file, read only.

Used to read the words the curated glossary lacks: Japanese headwords by their reading (the kana of
a romaji word) or by an English gloss. Each lookup is a few indexed queries; the file is opened once.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from functools import lru_cache

GLOSS_HEAD_LIMIT = 40  # glosses read when a word is only the head of longer ones ("Pacific herring")


@dataclass(frozen=True)
class _Entry:
    forms: tuple[str, ...]  # kanji forms, else kana forms, most usual first
    common: bool  # marked as frequent (news1, ichi1, …) in JMdict
    sense: int  # which of the entry's senses matched, 0 the first


# An entry's written forms (kanji, else kana, in the dictionary's order) and whether it is an everyday word.
_HEADWORD = """
e.idseq,
coalesce((SELECT group_concat(text, char(31)) FROM (SELECT text FROM Kanji WHERE idseq = e.idseq ORDER BY ID)),
         (SELECT group_concat(text, char(31)) FROM (SELECT text FROM Kana WHERE idseq = e.idseq ORDER BY ID))),
EXISTS (SELECT 1 FROM Kanji k JOIN KJP ON KJP.kid = k.ID WHERE k.idseq = e.idseq)
OR EXISTS (SELECT 1 FROM Kana k JOIN KNP ON KNP.kid = k.ID WHERE k.idseq = e.idseq)
"""
_BY_READING = f"SELECT {_HEADWORD}, 0 FROM Entry e WHERE e.idseq IN (SELECT idseq FROM Kana WHERE text IN ({{marks}}))"
_NAMES_BY_READING = """
SELECT group_concat(text, char(31)) FROM (SELECT idseq, text FROM NEKanji
WHERE idseq IN (SELECT idseq FROM NEKana WHERE text IN ({marks})) ORDER BY idseq, ID) GROUP BY idseq ORDER BY idseq
"""
# The English glosses of the first sense, a common noun's, of the entries written or read as a word.
_NOUN_GLOSSES = """
SELECT g.text FROM SenseGloss g
WHERE +g.lang = 'eng' AND g.sid IN (SELECT min(ID) FROM Sense WHERE idseq IN
      (SELECT idseq FROM Kanji WHERE text = :word UNION SELECT idseq FROM Kana WHERE text = :word) GROUP BY idseq)
  AND EXISTS (SELECT 1 FROM pos WHERE pos.sid = g.sid AND pos.text = 'noun (common) (futsuumeishi)')
ORDER BY g.sid, g.rowid
"""
# The gloss, the entry, and which of the entry's senses it glosses. `+g.lang`: find glosses by the index of
# their text, not every English gloss by the language's.
_BY_GLOSS = f"""
SELECT g.text, {_HEADWORD}, (SELECT count(*) FROM Sense earlier WHERE earlier.idseq = e.idseq AND earlier.ID < s.ID)
FROM SenseGloss g JOIN Sense s ON s.ID = g.sid JOIN Entry e ON e.idseq = s.idseq
WHERE +g.lang = 'eng' AND {{where}}
"""


class JMdict:
    def __init__(self, path: str):
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, shared by the Slack bot's threads

    def _rows(self, sql: str, values: list[str] | dict[str, str]) -> list[tuple]:
        with self._lock:
            if self._connection is None:
                uri = f"file:{self.path}?mode=ro&immutable=1"
                self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            return self._connection.execute(sql, values).fetchall()

    def by_reading(self, readings: list[str]) -> list[tuple[str, ...]]:
        """The written forms of entries read as any of the kana (hiragana or katakana), everyday words first,
        then names of places and people (JMnedict: てうり → 天売)."""
        if not readings:
            return []
        marks = ",".join("?" * len(readings))
        words = _ordered(self._rows(_BY_READING.format(marks=marks), readings))
        names = self._rows(_NAMES_BY_READING.format(marks=marks), readings)
        return words + [tuple(forms.split("\x1f")) for (forms,) in names]

    def by_gloss(self, glosses: list[str]) -> list[tuple[str, ...]]:
        """The written forms of entries with one of the English glosses exactly, or with a qualifier in
        brackets ("bear (any mammal of family Ursidae)" for bear)."""
        if not glosses:
            return []
        qualified = " OR ".join(["(g.text >= ? AND g.text < ?)"] * len(glosses))  # indexed, unlike LIKE
        where = f"(g.text IN ({','.join('?' * len(glosses))}) OR {qualified})"
        values = glosses + [bound for gloss in glosses for bound in (f"{gloss} (", f"{gloss} )")]
        return _ordered([row[1:] for row in self._rows(_BY_GLOSS.format(where=where), values)])

    def noun_glosses(self, word: str) -> list[str]:
        """The English of a Japanese noun's first sense (漁師 → fisherman); none for other words (儲かる)."""
        return list(dict.fromkeys(text for (text,) in self._rows(_NOUN_GLOSSES, {"word": word})))

    @lru_cache(maxsize=256)  # noqa: B019 - one JMdict lives as long as the process
    def by_gloss_head(self, word: str) -> list[tuple[str, ...]]:
        """The written forms of entries glossed as a kind of the word ("Pacific herring (Clupea pallasii)" for
        herring). Reads every gloss, so only for a word with no gloss of its own."""
        sql = _BY_GLOSS.format(where=f"(g.text LIKE ? OR g.text LIKE ?) LIMIT {GLOSS_HEAD_LIMIT}")
        rows = self._rows(sql, [f"% {word}", f"% {word} (%"])
        # One word before the head at most: "river herring", not "dish of fermented herring".
        return _ordered([row[1:] for row in rows if len(row[0].split(" (")[0].split()) <= 2])


def _ordered(rows: list[tuple]) -> list[tuple[str, ...]]:
    """The written forms of each entry found, everyday words and first senses first."""
    best: dict[int, _Entry] = {}
    for idseq, forms, common, sense in rows:
        entry = _Entry(tuple(forms.split("\x1f")), bool(common), sense)
        if idseq not in best or entry.sense < best[idseq].sense:
            best[idseq] = entry
    return [e.forms for e in sorted(best.values(), key=lambda e: (not e.common, e.sense, e.forms))]


@lru_cache(maxsize=1)
def default_jmdict() -> JMdict:
    """The dictionary of the installed jamdict-data package (imported late: only questions need it)."""
    from jamdict_data import JAMDICT_DB_PATH

    return JMdict(JAMDICT_DB_PATH)
