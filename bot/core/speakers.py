"""Speakers by any name: the curated alias table, aliases of a speaker, and finding speakers in a question."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

from bot.core import labels
from bot.core.labels import LabelParts
from bot.core.romaji import romaji
from bot.core.text import (
    fold_romaji,
    has_japanese,
    latin_words,
    leading_place,
    normalize,
    person_name_family,
    reading,
    tokenize,
)

MUNICIPAL_SUFFIXES = ("市", "町", "村")
PLACE_SUFFIXES = ("都", "道", "府", "県", "市", "区", "町", "村")


@dataclass(frozen=True)
class Entity:
    """A municipality or organisation and the names people give it."""

    ja: tuple[str, ...]
    kana: tuple[str, ...] = ()
    latin: tuple[str, ...] = ()


@dataclass(frozen=True)
class Role:
    ja: tuple[str, ...]
    en: tuple[str, ...]


@dataclass(frozen=True)
class AliasTable:
    entities: tuple[Entity, ...]
    roles: tuple[Role, ...]

    def entity_of(self, organisation: str) -> Entity | None:
        return self._entities_by_name.get(normalize(organisation))

    @cached_property
    def _entities_by_name(self) -> dict[str, Entity]:
        # The first entity listing a name wins, as in the file.
        return {normalize(name): entity for entity in reversed(self.entities) for name in entity.ja}

    def role_suffixes(self) -> list[str]:
        """Japanese role words, longest first, for reading 苫前町長 and 苫前町町長 alike."""
        return sorted({normalize(j) for r in self.roles for j in r.ja} | {"長"}, key=len, reverse=True)

    def role_words(self) -> set[str]:
        return {w for r in self.roles for name in r.en for w, _, _ in latin_words(normalize(name))}

    def roles_named(self, text: str) -> set[str]:
        """The Japanese role labels that normalised `text` names, most specific first wins:
        "deputy mayor" names 副町長 and not 町長."""
        words = {w for w, _, _ in latin_words(text)}
        best, named = 0, set()
        for role in self.roles:
            lengths = [len(n.split()) for n in role.en if {w for w, _, _ in latin_words(normalize(n))} <= words]
            lengths += [len(j) for j in role.ja if normalize(j) in text]
            if lengths and max(lengths) > best:
                best, named = max(lengths), set()
            if lengths and max(lengths) == best:
                named |= {normalize(j) for j in role.ja}
        return named


def load_alias_table(text: str) -> AliasTable:
    data = tomllib.loads(text)
    entities = tuple(
        Entity(tuple(e["ja"]), tuple(e.get("kana", ())), tuple(e.get("latin", ()))) for e in data.get("entity", [])
    )
    roles = tuple(Role(tuple(r["ja"]), tuple(r.get("en", ()))) for r in data.get("role", []))
    return AliasTable(entities, roles)


@lru_cache(maxsize=1)
def default_alias_table() -> AliasTable:
    return load_alias_table(resources.files("bot.data").joinpath("aliases.toml").read_text(encoding="utf-8"))


def split_label(label: str, table: AliasTable | None = None) -> LabelParts:
    """Organisation, role and name of a speaker label: 苫前町長 → (苫前町, 町長, ""); 留萌商工会議所 会頭 →
    (留萌商工会議所, 会頭, ""); 委員長(伊藤成一) → ("", 委員長, 伊藤成一); 江口部会長 → ("", 部会長, 江口)."""
    table = table or default_alias_table()
    return labels.split_label(label, is_place=lambda place: table.entity_of(place) is not None)


def speaker_aliases(
    label: str, organisation: str, table: AliasTable, *, role: str = "", name: str = "", sole_chair: bool = False
) -> list[str]:
    """Every normalised name of a speaker: its label (with and without brackets), its organisation and its parts,
    the curated names of the organisation; its role, name, family name, family name + role, their romaji; the
    English names of a role that is not an organisation's, and "the chair" when `sole_chair` (no other speaker of
    the meeting chairs)."""
    words = labels.default_label_words()
    bare = re.sub(r"[()（）\[\]【】]", "", label)
    names = [label, label.replace(" ", ""), bare, words.strip_honorific(bare), organisation]
    if organisation.endswith(MUNICIPAL_SUFFIXES) and len(organisation) >= 3:
        names.append(organisation[:-1])
    # The organisation without its leading place: 留萌観光連盟 → 観光連盟.
    surfaces = [surface for surface, _, _ in tokenize(organisation, "A")] if organisation else []
    for start in range(1, len(surfaces)):
        suffix = "".join(surfaces[start:])
        if len(suffix) >= 3:
            names.append(suffix)
    entity = table.entity_of(organisation) if organisation else None
    if entity:
        names += [*entity.ja, *entity.kana, *entity.latin]
    elif place := leading_place(organisation):  # 天竜区協議会 → tenryu
        place = place[:-1] if place.endswith(PLACE_SUFFIXES) and len(place) > 2 else place
        names.append(romaji(reading(place)))
    names += _person_names(role, name, words)
    if role and not entity:
        names.append(role)
        names += words.english_of(role)
        seat = re.fullmatch(r"(\d+)番", role)
        if seat:
            names += [f"councillor no {seat[1]}", f"councillor number {seat[1]}", f"member no {seat[1]}"]
        if sole_chair and role in words.chairs:
            names += words.chair_english
    # One character (a, 中) would be found in every question.
    return list(dict.fromkeys(key for key in (normalize(n).strip(" ・-") for n in names) if len(key) > 1))


def _person_names(role: str, name: str, words: labels.LabelWords) -> list[str]:
    """元木会長 (a name with a role inside brackets) → 元木, 元木会長; 石井俊夫 → 石井俊夫, 石井, 石井議長, ishii."""
    if not name:
        return []
    if unicodedata.normalize("NFKC", name).isascii():  # 委員A, 12番委員: the letter names no one alone
        return [role + name, name + role] if role else []
    inner_role = words.role_at_end(name)
    person = name[: -len(inner_role)] if inner_role and len(inner_role) < len(name) else name
    family = person.split()[0] if " " in person else (person_name_family(person) or person)
    names = [name, person, person.replace(" ", ""), family]
    for title in filter(None, (role, inner_role)):
        names += [family + title, person.replace(" ", "") + title, title + person.replace(" ", "")]
    names += [romaji(reading(part)) for part in sorted({family, person.replace(" ", "")})]
    # A one-character name (事務局(中), 委員A) would be found inside every question: only its romaji and titles remain.
    return [n for n in names if len(n) > 1]


@dataclass(frozen=True)
class KnownSpeaker:
    id: int
    label: str
    role: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SpeakerSpan:
    """Where a question names speakers: the span in the normalised question and whom it names."""

    start: int
    end: int
    speaker_ids: frozenset[int]
    alias: str
    score: float


@dataclass(frozen=True)
class SpeakerMatch:
    """The speakers a question names, and where (in the normalised question, role words included)."""

    speakers: tuple[KnownSpeaker, ...]
    start: int
    end: int
    alias: str


def _latin_cutoff(alias: str) -> float:
    """Typos tolerated in a Latin alias: none in short names, about one letter in 5–8, more beyond."""
    if len(alias) < 5:
        return 100
    return 80 if len(alias) <= 8 else 85


class SpeakerDirectory:
    """The known speakers with their aliases prepared for finding them in questions.

    Built once per set of speakers: folding thousands of aliases per question would cost more than answering it."""

    def __init__(self, speakers: list[KnownSpeaker]):
        self.speakers = speakers
        self.by_id = {s.id: s for s in speakers}
        self.japanese: dict[str, set[int]] = {}
        latin: dict[str, set[int]] = {}
        for speaker in speakers:
            for alias in speaker.aliases:
                if has_japanese(alias):
                    self.japanese.setdefault(alias, set()).add(speaker.id)
                elif fold_romaji(alias):  # an alias of symbols only ("|") folds to nothing and would match anywhere
                    latin.setdefault(fold_romaji(alias), set()).add(speaker.id)
        # Latin aliases by word count: a question's windows of n words are compared with n-word aliases.
        self.latin: dict[int, dict[str, set[int]]] = {}
        for alias, ids in latin.items():
            self.latin.setdefault(len(alias.split()), {})[alias] = ids

    def find_spans(self, question: str) -> list[SpeakerSpan]:
        """All places in the normalised `question` that name a known speaker, best first, not overlapping."""
        found: list[SpeakerSpan] = []
        for alias, ids in self.japanese.items():
            start = question.find(alias)
            while start >= 0:
                found.append(SpeakerSpan(start, start + len(alias), frozenset(ids), alias, 100))
                start = question.find(alias, start + 1)
        words = latin_words(question)
        folded = [fold_romaji(w) for w, _, _ in words]
        for size, aliases in self.latin.items():
            for i in range(len(words) - size + 1):
                window = " ".join(folded[i : i + size])
                for alias, score, _ in process.extract(window, list(aliases), scorer=fuzz.ratio, score_cutoff=80, limit=None):
                    if score >= _latin_cutoff(alias):
                        span = SpeakerSpan(words[i][1], words[i + size - 1][2], frozenset(aliases[alias]), alias, score)
                        found.append(span)
        found.sort(key=lambda s: (-len(s.alias), -s.score, s.start))
        chosen: list[SpeakerSpan] = []
        for span in found:
            if all(span.end <= c.start or span.start >= c.end for c in chosen):
                chosen.append(span)
        return sorted(chosen, key=lambda s: s.start)


def extend_with_role(question: str, span: SpeakerSpan, table: AliasTable) -> tuple[int, int, str]:
    """Widen a speaker span over the role words around it (the mayor of Tomamae, 苫前町町長).

    Returns the new span and the role text it took in."""
    start, end = span.start, span.end
    rest = question[end:].lstrip()
    gap = len(question) - end - len(rest)
    for suffix in table.role_suffixes():
        for prefix in ("", *MUNICIPAL_SUFFIXES):
            if rest.startswith(prefix + suffix):
                taken = prefix + suffix
                return start, end + gap + len(taken), taken
    fillers = table.role_words() | {"the", "of", "s", "town", "city", "village"}
    words = latin_words(question)
    taken: list[str] = []
    for word, word_start, word_end in (w for w in words if w[1] >= end):
        if word not in fillers or question[end:word_start].strip(" '’"):
            break
        taken.append(word)
        end = word_end
    for word, word_start, word_end in (w for w in reversed(words) if w[2] <= start):
        if word not in fillers or question[word_end:start].strip(" '’"):
            break
        taken.insert(0, word)
        start = word_start
    return start, end, " ".join(taken)


def resolve_speaker(text: str, directory: SpeakerDirectory, table: AliasTable) -> SpeakerMatch | None:
    """The first speaker named in normalised `text`, narrowed by the role named beside it."""
    spans = directory.find_spans(text)
    if not spans:
        return None
    span = spans[0]
    start, end, role_text = extend_with_role(text, span, table)
    named = [directory.by_id[i] for i in sorted(span.speaker_ids)]
    roles = table.roles_named(role_text) if role_text else set()
    if roles and len(named) > 1:
        named = [s for s in named if normalize(s.role) in roles] or named
    return SpeakerMatch(tuple(named), start, end, span.alias)
