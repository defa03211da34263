"""The words of a question that the curated glossary lacks, read through a real dictionary.

An English word is looked up by its English glosses (tuition → 学費); a romaji word by the kana it may
stand for (shogakukin → しょうがくきん → 奨学金). A dictionary offers many senses, most of them beside
the point of council minutes ("save" → 救う, 省く, 残す, 取る …): only the terms that occur in the
archive are kept, so the dictionary finds what was said without padding the search.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.core.romaji import katakana_readings, loanword_readings, readings, to_katakana
from bot.core.text import normalize

SYNONYM_GLOSSES = 3  # a Japanese noun's first English glosses, through which its synonyms are found
MAX_ENTRIES = 8  # dictionary entries one word may bring, everyday words and first senses first
FORMS_PER_ENTRY = 2  # 確保 of 確保; 助ける, 援ける of 助ける/援ける/救ける/…
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
MIN_KATAKANA_WORD = 4  # shorter kana, read from a name no dictionary has, would be found inside other words


class Dictionary(Protocol):
    """Japanese headwords (each entry's written forms, most usual first), as storage.jmdict gives them."""

    def by_reading(self, readings: list[str]) -> list[tuple[str, ...]]: ...

    def by_gloss(self, glosses: list[str]) -> list[tuple[str, ...]]: ...

    def by_gloss_head(self, word: str) -> list[tuple[str, ...]]: ...

    def noun_glosses(self, word: str) -> list[str]: ...


@dataclass(frozen=True)
class WordReading:
    """What the dictionary makes of one Latin word of a question: normalised Japanese words (single
    characters too, 誰 of dare), before the archive is asked."""

    english: tuple[str, ...]  # the word as English (tuition → 学費), or a kind of thing it names (herring)
    romaji: tuple[str, ...]  # the word as romaji (shogakukin → 奨学金; dare → 誰)
    kana: tuple[str, ...]  # the kana it may stand for as romaji: しょうがくきん, …
    # Kana words a name unknown to the dictionary may be, written in katakana: Mynavi → まいなび
    katakana: tuple[str, ...] = ()


class Lexicon:
    """A dictionary and the archive it is checked against. `present` tells which normalised terms occur in
    the archive; its answers are kept in `known` (whether each term occurs), which may be shared by the
    lexicons of one archive version."""

    def __init__(
        self, dictionary: Dictionary, present: Callable[[list[str]], set[str]], known: dict[str, bool] | None = None
    ):
        self.dictionary = dictionary
        self._ask_archive = present
        self._present = {} if known is None else known

    def occurring(self, terms: list[str]) -> list[str]:
        """The terms that occur in the archive, in order."""
        new = [t for t in dict.fromkeys(terms) if t not in self._present]
        if new:
            found = self._ask_archive(new)
            self._present |= {t: t in found for t in new}
        return [t for t in terms if self._present[t]]

    def english_phrase(self, phrase: str) -> tuple[str, ...]:
        """The Japanese words of an English phrase the dictionary glosses as a whole (sea urchin → 雲丹)."""
        words = phrase.split()
        plural_free = " ".join(words[:-1] + [singular(words[-1])])
        return _terms(self.dictionary.by_gloss(list(dict.fromkeys([phrase, plural_free]))))

    def synonyms(self, word: str) -> tuple[str, ...]:
        """Japanese words sharing an English gloss of a noun's first sense (漁師 → fisherman → 漁業者)."""
        glosses = self.dictionary.noun_glosses(word)[:SYNONYM_GLOSSES]
        return tuple(t for t in _terms(self.dictionary.by_gloss(glosses)) if t != normalize(word)) if glosses else ()

    def read(self, word: str) -> WordReading:
        """The word looked up as English and as romaji; failing both, as the head of English glosses."""
        forms = _gloss_forms(word)
        english = self.dictionary.by_gloss(forms)
        kana = readings(word)
        romaji = self.dictionary.by_reading(kana + [to_katakana(r) for r in kana]) if kana else []
        katakana: list[str] = []
        if not english and not romaji:
            spelt = katakana_readings(word) if kana else loanword_readings(word)
            katakana = [k for k in spelt if len(k) >= MIN_KATAKANA_WORD]
        if not english and not kana and len(word) >= 4:
            english = self.dictionary.by_gloss_head(singular(word))
        return WordReading(_terms(english), _terms(romaji), tuple(kana), tuple(katakana))


def _terms(entries: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Normalised forms of the first entries. Words written in hiragana alone are left out: they are grammar
    (から for "after", たら) or found inside any sentence; katakana and kanji words are kept."""
    forms = (form for entry in entries[:MAX_ENTRIES] for form in entry[:FORMS_PER_ENTRY])
    return tuple(dict.fromkeys(normalize(form) for form in forms if not _HIRAGANA.fullmatch(form)))


def _gloss_forms(word: str) -> list[str]:
    """The glosses an English word may be listed under: itself and its singular, as written or capitalised
    (Olympics), `to` + its bare verb (saving → to save; bears is a noun, not "to bear"), an adjective's noun."""
    nouns = list(dict.fromkeys([word, singular(word)]))
    verbs = [word] + [
        word[: -len(end)] + tail
        for end in ("ing", "ed")
        if word.endswith(end) and len(word) > len(end) + 2
        for tail in ("e", "")
    ]
    # An adjective is often glossed by its noun: absent → absence, important → importance.
    nouns += [word[:-1] + "ce" for end in ("ent", "ant") if word.endswith(end) and len(word) > 5]
    return [f"to {verb}" for verb in dict.fromkeys(verbs)] + nouns + [noun.capitalize() for noun in nouns]


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
