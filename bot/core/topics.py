"""Topics across languages: the bilingual glossary and the expansion of a question's topic into search terms."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

from bot.core.lexicon import Lexicon, WordReading
from bot.core.text import has_japanese, latin_words, normalize, normalize_with_map, tokenize, unknown_words

# Words of English questions that carry no topic.
ENGLISH_STOPWORDS = frozenset(
    "a an the of on in at to for from by with about regarding concerning re and or but not no any all "
    "what which who whom whose when where why how did does do done has have had is are was were be been "
    "say said says tell told talk talked talking speak spoke mention mentioned discuss discussed comment "
    "commented remark remarks comments statement statements show me everything anything something "
    "their his her its they he she it this that these those there than then between among into "
    "some such very more most also just only please "
    "anyone anybody everyone everybody someone somebody anything nothing each every other others "
    "i we you us our your my me him them can could would should will shall may might must let "
    "bring brought raise raised touch touched up out over how many much whether if so as "
    "ever yet still again here now get got give gave want wants wanted think thought know one "
    "after before during since until while because through without within against across around off".split()
)
# Japanese morphemes that frame a question rather than name its topic.
JAPANESE_STOPWORDS = frozenset(
    "する ある いる なる こと もの ため よう 何 誰 どなた 言う 話す 述べる 発言 意見 コメント 内容 について 関する "
    "様 方 など 等 これ それ あれ どれ ここ そこ どこ 思う 考える 為る 居る 有る 成る 全部 全て 見せる".split()
)
_STOPWORD_TERMS = frozenset(map(normalize, JAPANESE_STOPWORDS))
CONTENT_POS = frozenset({"名詞", "形容詞", "動詞", "形状詞"})
_SHORT_KANA = re.compile(r"[ぁ-ゖ]{1,2}")
_KANA_ONLY = re.compile(r"[ぁ-ゖー]+")
SYNONYM_WEIGHT = 0.85  # a concept's other terms count a little less than the words the question used
PART_WEIGHT = 0.5  # a part of a compound (新規 of 新規就農) counts half
DICTIONARY_WEIGHT = 0.5  # a dictionary's translation of an English word: one of its senses, perhaps not this one


@dataclass(frozen=True)
class Concept:
    id: str
    en: tuple[str, ...]
    ja: tuple[str, ...]
    kind: str = "topic"  # "word": general vocabulary, never offered as a topic someone talked about


def stem(word: str) -> str:
    """A light English stemmer: enough that worker/workers and change/changing meet."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: len(word) - len(suffix)] + replacement
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def stem_phrase(text: str) -> str:
    return " ".join(stem(w) for w, _, _ in latin_words(normalize(text)))


class Glossary:
    """Concepts with their English names and Japanese terms, indexed for lookup."""

    def __init__(self, concepts: list[Concept]):
        self.concepts = tuple(concepts)
        self.by_english: dict[str, Concept] = {}
        for concept in concepts:
            for name in concept.en:
                self.by_english.setdefault(stem_phrase(name), concept)
        self.by_japanese: dict[str, Concept] = {}
        for concept in concepts:
            for term in concept.ja:
                self.by_japanese.setdefault(normalize(term), concept)
        self.longest_name = max((len(k.split()) for k in self.by_english), default=1)
        # The terms by their first character, longest first, so a scan finds 外国人労働者 rather than 外国人 inside
        # it; and where any may start.
        self._terms_by_first: dict[str, list[str]] = {}
        for term in sorted(self.by_japanese, key=len, reverse=True):
            self._terms_by_first.setdefault(term[0], []).append(term)
        self._term_starts = re.compile(
            f"[{''.join(map(re.escape, self._terms_by_first))}]" if self.by_japanese else "(?!)"
        )
        self.english_by_size: dict[int, list[str]] = {}
        for name in self.by_english:
            self.english_by_size.setdefault(len(name.split()), []).append(name)

    def japanese_terms_in(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, term) of the Japanese terms in normalised text, from the left, the longest at each place,
        none overlapping. (One alternation of every term in a regular expression is three times slower.)"""
        start = self._term_starts.search(text)
        while start:
            i = start.start()
            term = next((t for t in self._terms_by_first[text[i]] if text.startswith(t, i)), None)
            if term:
                yield i, i + len(term), term
            start = self._term_starts.search(text, i + len(term) if term else i + 1)

    def english(self, phrase: str) -> Concept | None:
        """The concept an English phrase (already stemmed) names, tolerating a typo in longer phrases."""
        if phrase in self.by_english:
            return self.by_english[phrase]
        if len(phrase) < 7:
            return None
        names = self.english_by_size.get(len(phrase.split()), [])
        best = process.extractOne(phrase, names, scorer=fuzz.ratio, score_cutoff=88)
        return self.by_english[best[0]] if best else None


def load_glossary(text: str) -> Glossary:
    data = tomllib.loads(text)
    return Glossary(
        [
            Concept(c["id"], tuple(c.get("en", ())), tuple(c.get("ja", ())), c.get("kind", "topic"))
            for c in data.get("concept", [])
        ]
    )


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    return load_glossary(resources.files("bot.data").joinpath("glossary.toml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TopicGroup:
    """One thing the question asks about, and the normalised terms any of which finds it in a remark."""

    label: str  # the question's words, as typed
    literal: str  # the question's words, normalised
    concept: Concept | None
    terms: dict[str, float]  # term → weight of a match on it
    known: bool = True  # False: neither the glossary, the dictionary nor the archive knows the word
    # Terms that count only as whole words: a dictionary's, which the glossary's care has not gone into.
    whole_words: frozenset[str] = frozenset()

    def gloss(self) -> str:
        """`foreign workers → 外国人, 外国人材` for showing how the question was understood."""
        if self.concept is None:
            return self.label
        english = self.concept.en[0] if self.concept.en else self.label
        japanese = "、".join(self.concept.ja[:4])
        return f"{english} / {japanese}" if japanese else english


def expand_topics(typed: str, glossary: Glossary, lexicon: Lexicon | None = None) -> list[TopicGroup]:
    """The topic groups of the topic part of a question, as typed, in the order the question names them.
    With a lexicon, Latin words the glossary lacks are read as English or romaji (see bot.core.lexicon)."""
    text, positions = normalize_with_map(typed, keep_spaces=True)

    def label_of(start: int, end: int) -> str:
        """The question's own words for a span of the normalised text, to show them as typed."""
        return typed[positions[start] : positions[end - 1] + 1]

    found: list[tuple[float, TopicGroup]] = []
    consumed = [False] * len(text)

    def take(start: int, end: int) -> None:
        consumed[start:end] = [True] * (end - start)

    # English: the longest glossary phrase first, so "work experience" beats "work".
    words = latin_words(text)
    stems = [stem(w) for w, _, _ in words]
    used = [False] * len(words)
    for size in range(min(glossary.longest_name, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            if any(used[i : i + size]):
                continue
            phrase = " ".join(stems[i : i + size])
            if size == 1 and words[i][0] in ENGLISH_STOPWORDS:
                continue
            concept = glossary.english(phrase)
            if concept:
                used[i : i + size] = [True] * size
                start, end = words[i][1], words[i + size - 1][2]
                take(start, end)
                terms = {normalize(t): 1.0 for t in concept.ja} | {normalize(n): 1.0 for n in concept.en}
                found.append((start, TopicGroup(label_of(start, end), text[start:end], concept, terms)))
    for _, start, end in words:
        take(start, end)
    leftover = [w for i, w in enumerate(words) if not used[i] and w[0] not in ENGLISH_STOPWORDS and len(w[0]) >= 2]
    for start, end, terms, known in _latin_groups(text, leftover, lexicon):
        words_only = frozenset(t for t in terms if has_japanese(t))
        found.append((start, TopicGroup(label_of(start, end), text[start:end], None, terms, known, words_only)))

    # Japanese: glossary terms found in the rest of the text.
    rest = "".join(" " if consumed[i] else c for i, c in enumerate(text))
    for start, end, term in glossary.japanese_terms_in(rest):
        take(start, end)
        concept = glossary.by_japanese[term]
        terms = {normalize(t): SYNONYM_WEIGHT for t in concept.ja} | {term: 1.0}
        found.append((start, TopicGroup(label_of(start, end), term, concept, terms)))

    # The rest of the Japanese: runs of content words, each a group of its own. Sudachi reads the words
    # as typed: folded to hiragana, katakana words would fall apart.
    rest = "".join(c if not consumed[i] else " " for i, c in enumerate(text))
    for chunk in re.finditer(r"\S+", rest):
        if has_japanese(chunk.group()):
            for index, run in enumerate(_content_runs(label_of(chunk.start(), chunk.end()))):
                group = _run_group(run, lexicon)
                if group:
                    found.append((chunk.start() + index / 1000, group))
    return [group for _, group in sorted(found, key=lambda item: item[0])]


@dataclass
class _LatinWord:
    """A Latin word (or an English phrase the dictionary has: sea urchin) of a question, as read."""

    literal: str
    start: int
    end: int
    terms: list[str]  # its Japanese terms that the archive has
    known: bool
    weight: float
    phrase: bool = False


def _latin_groups(
    text: str, words: list[tuple[str, int, int]], lexicon: Lexicon | None
) -> list[tuple[int, int, dict[str, float], bool]]:
    """(start, end, terms, known) for the Latin words the glossary lacks. Each is kept as written and, with a
    lexicon, joined by the Japanese terms it stands for that the archive has; words next to each other whose
    terms make a compound the archive has (jinzai kakuho → 人材確保, computer council → 電算協議会) become one
    group. Romaji grammar (wo, shiteiru) and frame words (hatsugen → 発言) are left out."""
    if lexicon is None:
        return [(start, end, {word: 1.0}, True) for word, start, end in words]
    read = _read_latin(text, words, lexicon)
    groups: list[tuple[int, int, dict[str, float], bool]] = []
    i = 0
    while i < len(read):
        first = read[i]
        compounds, parts, end = first.terms, list(first.terms), first.end
        j = i + 1
        while j < len(read) and not (first.phrase or read[j].phrase) and not text[end : read[j].start].strip():
            joined = lexicon.occurring([a + b for a in compounds for b in read[j].terms])
            if not joined:
                break
            compounds, parts, end = joined, parts + read[j].terms, read[j].end
            j += 1
        if j > i + 1:
            groups.append((first.start, end, {c: 1.0 for c in compounds} | {p: PART_WEIGHT for p in parts}, True))
        else:
            terms = {first.literal: 1.0} | {t: first.weight for t in first.terms}
            groups.append((first.start, end, terms, first.known))
        i = j
    return groups


def _read_latin(text: str, words: list[tuple[str, int, int]], lexicon: Lexicon) -> list[_LatinWord]:
    """The words as the dictionary reads them: English phrases of three or two words it glosses whole
    first (sea urchin), then word by word; grammar left out."""
    read: list[_LatinWord] = []
    i = 0
    while i < len(words):
        for size in (3, 2):
            run = words[i : i + size]
            if len(run) == size and all(not text[a[2] : b[1]].strip() for a, b in zip(run, run[1:])):
                phrase = text[run[0][1] : run[-1][2]]
                entries = lexicon.english_phrase(phrase)
                if entries:
                    terms = lexicon.occurring([t for t in entries if len(t) >= 2])
                    read.append(_LatinWord(phrase, run[0][1], run[-1][2], terms, True, DICTIONARY_WEIGHT, True))
                    i += size
                    break
        else:
            word, start, end = words[i]
            i += 1
            reading = lexicon.read(word)
            if _is_grammar(reading):
                continue
            # An English word as English (to dare, not 誰); romaji the dictionary reads as one of its words.
            english, romaji = ([t for t in terms if len(t) >= 2] for terms in (reading.english, reading.romaji))
            terms = lexicon.occurring(english) or lexicon.occurring(romaji) or lexicon.occurring(list(reading.katakana))
            weight = DICTIONARY_WEIGHT if terms and terms[0] in english else 1.0
            known = bool(reading.english or reading.romaji) or bool(lexicon.occurring([word]))
            read.append(_LatinWord(word, start, end, terms, known, weight))
    return read


def _is_grammar(reading: WordReading) -> bool:
    """A romaji word of the question's frame: a frame word (dare → 誰, hatsugen → 発言) or, unknown to the
    dictionary, grammar (wo, shiteiru → を, している)."""
    if any(t in _STOPWORD_TERMS for t in reading.romaji):
        return True
    known = any(len(t) >= 2 for t in reading.english + reading.romaji)
    return bool(reading.kana) and not known and not any(map(_has_content, reading.kana))


def _has_content(kana: str) -> bool:
    """Whether kana read from romaji has a content word: not しているのは (shiteiru no wa) or を (wo)."""
    return any(
        pos in CONTENT_POS and len(surface) >= 2 and not {surface, normalized_form} & JAPANESE_STOPWORDS
        for surface, normalized_form, pos in tokenize(kana)
    )


def _content_runs(typed: str) -> list[list[tuple[str, str]]]:
    """Runs of content words (surface, dictionary form) in Japanese text; particles and grammar split them."""
    runs: list[list[tuple[str, str]]] = [[]]
    for surface, normalized_form, pos in tokenize(typed):
        content = (
            pos in CONTENT_POS
            and normalized_form not in JAPANESE_STOPWORDS
            and surface not in JAPANESE_STOPWORDS
            and not _SHORT_KANA.fullmatch(surface)  # the つい of について, the し of した: grammar, not topic
        )
        if content or (runs[-1] and pos == "接尾辞"):  # a suffix (企業人's 人) belongs to the word before it
            runs[-1].append((surface, normalized_form))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _run_group(run: list[tuple[str, str]], lexicon: Lexicon | None) -> TopicGroup | None:
    """A run of content words (新規 就農) as one group: the whole run at full weight; its words, their
    dictionary forms, and the parts of long compounds (外国人労働者 → 外国人, 労働者) at a lower one.
    With a lexicon, a run the archive lacks brings the synonyms it has (through the dictionary), and one
    with a word Sudachi does not know is not known."""
    label = "".join(surface for surface, _ in run)
    whole = normalize(label)
    if len(whole) < 2:
        return None
    parts = [normalize(part) for surface, normalized_form in run for part in (surface, normalized_form)]
    parts += [normalize(surface) for word, _ in run for surface, _, _ in tokenize(word, "B")]
    weight = PART_WEIGHT if len(run) > 1 or len(set(parts)) > 2 else SYNONYM_WEIGHT
    terms = {whole: 1.0}
    for part in parts:
        if len(part) >= 2:
            terms.setdefault(part, weight)
    if lexicon is None:
        return TopicGroup(label, whole, None, terms)
    in_archive = bool(lexicon.occurring([whole]))
    synonyms: list[str] = []
    if not in_archive:  # said in other words, perhaps: 漁師 for the minutes' 漁業者
        words = dict.fromkeys([label] + [surface for surface, _ in run if len(surface) >= 2])
        absent = [w for w in words if not lexicon.occurring([normalize(w)])]
        # Kanji words only: a folded katakana one (まねー) is found inside longer ones (まねーじゃー).
        found = [t for w in absent for t in lexicon.synonyms(w) if len(t) >= 2 and not _KANA_ONLY.fullmatch(t)]
        synonyms = lexicon.occurring(found)
    for synonym in synonyms:
        terms.setdefault(synonym, DICTIONARY_WEIGHT)
    known = in_archive or bool(synonyms) or not unknown_words(label)
    return TopicGroup(label, whole, None, terms, known, frozenset(synonyms))


def concepts_in(texts: list[str], glossary: Glossary, limit: int = 6) -> list[Concept]:
    """The concepts most present in some normalised texts: "they talked about …". Those of the most
    texts first, then of the most mentions, then in the order the texts name them: the same on every run."""
    remarks: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for text in texts:
        found = [glossary.by_japanese[term] for _, _, term in glossary.japanese_terms_in(text)]
        for concept in found:
            if concept.kind == "topic":
                mentions[concept.id] = mentions.get(concept.id, 0) + 1
        for concept_id in dict.fromkeys(c.id for c in found if c.kind == "topic"):
            remarks[concept_id] = remarks.get(concept_id, 0) + 1
    by_id = {c.id: c for c in glossary.concepts}
    ranked = sorted(remarks, key=lambda i: (-remarks[i], -mentions[i]))  # stable: first named first among equals
    return [by_id[i] for i in ranked[:limit]]


def idf(total: int, matching: int) -> float:
    """How much a group tells: rarer in the remarks searched, weightier."""
    return math.log(1 + (total + 1) / (matching + 1))
