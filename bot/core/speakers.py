"""Speakers by any name: the curated alias table, aliases of a speaker, and finding speakers in a question."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, replace
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
class SpeakerGroup:
    """Words naming several speakers at once (the mayors, 首長): those whose role is one of `roles` or
    whose label contains one of `kinds` (協会). All normalised."""

    names: tuple[str, ...]
    roles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def members(self, speakers: list[KnownSpeaker]) -> list[KnownSpeaker]:
        return [
            s
            for s in speakers
            if normalize(s.role) in self.roles or any(kind in normalize(s.label) for kind in self.kinds)
        ]


@dataclass(frozen=True)
class AliasTable:
    entities: tuple[Entity, ...]
    roles: tuple[Role, ...]
    groups: tuple[SpeakerGroup, ...] = ()

    def entity_of(self, organisation: str) -> Entity | None:
        return self._entities_by_name.get(normalize(organisation))

    @cached_property
    def _entities_by_name(self) -> dict[str, Entity]:
        # The first entity listing a name wins, as in the file.
        return {normalize(name): entity for entity in reversed(self.entities) for name in entity.ja}

    @cached_property
    def group_words(self) -> tuple[re.Pattern[str], dict[str, SpeakerGroup]]:
        """One pattern for every group word, longest first (町長たち before 町長), and the group of each."""
        by_name = {name: group for group in reversed(self.groups) for name in group.names}
        names = sorted(by_name, key=len, reverse=True)
        alternatives = [re.escape(n) if has_japanese(n) else rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])" for n in names]
        return re.compile("|".join(alternatives) or r"(?!)"), by_name

    @cached_property
    def role_suffixes(self) -> list[str]:
        """Japanese role words, longest first, for reading 苫前町長 and 苫前町町長 alike."""
        return sorted({normalize(j) for r in self.roles for j in r.ja} | {"長"}, key=len, reverse=True)

    @cached_property
    def role_words(self) -> set[str]:
        return {w for r in self.roles for name in r.en for w, _, _ in latin_words(normalize(name))}

    @cached_property
    def role_names(self) -> frozenset[str]:
        """Every role's names, Japanese and English, normalised (町長, mayor, deputy mayor)."""
        return frozenset(normalize(name) for r in self.roles for name in (*r.ja, *r.en))

    @cached_property
    def _role_names(self) -> list[tuple[list[tuple[int, set[str]]], list[tuple[int, str]], set[str]]]:
        """Each role's English names (word count, words), Japanese ones (length as written, normalised) and
        its Japanese labels, normalised once."""
        return [
            (
                [(len(n.split()), {w for w, _, _ in latin_words(normalize(n))}) for n in role.en],
                [(len(j), normalize(j)) for j in role.ja],
                {normalize(j) for j in role.ja},
            )
            for role in self.roles
        ]

    def roles_named(self, text: str) -> set[str]:
        """The Japanese role labels that normalised `text` names, most specific first wins:
        "deputy mayor" names 副町長 and not 町長."""
        words = {w for w, _, _ in latin_words(text)}
        best, named = 0, set()
        for english, japanese, role_labels in self._role_names:
            lengths = [size for size, name_words in english if name_words <= words]
            lengths += [size for size, name in japanese if name in text]
            if lengths and max(lengths) > best:
                best, named = max(lengths), set()
            if lengths and max(lengths) == best:
                named |= role_labels
        return named


def load_alias_table(text: str) -> AliasTable:
    data = tomllib.loads(text)
    entities = tuple(
        Entity(tuple(e["ja"]), tuple(e.get("kana", ())), tuple(e.get("latin", ()))) for e in data.get("entity", [])
    )
    roles = tuple(Role(tuple(r["ja"]), tuple(r.get("en", ()))) for r in data.get("role", []))
    groups = tuple(
        SpeakerGroup(
            tuple(normalize(n, keep_spaces=True) for n in [*g.get("ja", ()), *g.get("en", ())]),
            tuple(map(normalize, g.get("roles", ()))),
            tuple(map(normalize, g.get("kinds", ()))),
        )
        for g in data.get("group", [])
    )
    return AliasTable(entities, roles, groups)


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
    # Its romaji, word by word, as people type it: 建設協会 → kensetsu kyokai, 留萌建設協会 → rumoi kensetsu kyokai.
    # Not a municipality's: 町 is まち or ちょう by place, and the alias table spells those.
    romanised = surfaces if not organisation.endswith(MUNICIPAL_SUFFIXES) else []
    for start in range(len(romanised)):
        if len("".join(romanised[start:])) >= 3 and len(romanised) - start >= 2:
            names.append(" ".join(romaji(reading(surface)) for surface in romanised[start:]))
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
    """Typos tolerated in a Latin alias: none in short names, one letter in 5–8 (two edits in a 7-letter
    name score 80: kensetsu is not enbetsu), more beyond."""
    if len(alias) < 5:
        return 100
    return 80 if len(alias) <= 6 else 85


class SpeakerDirectory:
    """The known speakers with their aliases prepared for finding them in questions.

    Built once per set of speakers: folding thousands of aliases per question would cost more than answering it."""

    def __init__(self, speakers: list[KnownSpeaker]):
        self.speakers = speakers
        self.by_id = {s.id: s for s in speakers}
        self._members: dict[SpeakerGroup, tuple[KnownSpeaker, ...]] = {}
        self.japanese: dict[str, set[int]] = {}
        latin: dict[str, set[int]] = {}
        for speaker in speakers:
            for alias in speaker.aliases:
                if has_japanese(alias):
                    self.japanese.setdefault(alias, set()).add(speaker.id)
                elif folded := fold_romaji(alias):  # an alias of symbols only ("|") folds to nothing, matching anywhere
                    latin.setdefault(folded, set()).add(speaker.id)
        # Japanese aliases by their first character, with their place in `japanese`: a question is read once
        # instead of once per alias.
        self._japanese_by_first: dict[str, list[tuple[int, str, frozenset[int]]]] = {}
        for order, (alias, ids) in enumerate(self.japanese.items()):
            self._japanese_by_first.setdefault(alias[0], []).append((order, alias, frozenset(ids)))
        # Latin aliases by word count: a question's windows of n words are compared with n-word aliases.
        self.latin: dict[int, dict[str, set[int]]] = {}
        for alias, ids in latin.items():
            self.latin.setdefault(len(alias.split()), {})[alias] = ids
        self._latin_choices = {size: list(aliases) for size, aliases in self.latin.items()}

    @cached_property
    def label_by_alias(self) -> dict[bool, dict[str, str]]:
        """Japanese aliases (True) and Latin ones, folded, with their speaker's label, the last speaker listing
        one winning: what a name that matched nobody is compared with (a name is not near one of the other
        script)."""
        by_script: dict[bool, dict[str, str]] = {True: {}, False: {}}
        for speaker in self.speakers:
            for alias in speaker.aliases:
                japanese = has_japanese(alias)
                by_script[japanese][alias if japanese else fold_romaji(alias)] = speaker.label
        return by_script

    def members(self, group: SpeakerGroup) -> tuple[KnownSpeaker, ...]:
        """The speakers of a group, found once per directory (normalising every label per question costs more)."""
        if group not in self._members:
            self._members[group] = tuple(group.members(self.speakers))
        return self._members[group]

    def find_spans(self, question: str) -> list[SpeakerSpan]:
        """All places in the normalised `question` that name a known speaker, best first, not overlapping."""
        hits = [
            (order, start, alias, ids)
            for start, char in enumerate(question)
            for order, alias, ids in self._japanese_by_first.get(char, ())
            if question.startswith(alias, start)
        ]
        hits.sort(key=lambda hit: hit[:2])  # alias by alias, as they are listed: the stable sort below keeps it
        found = [SpeakerSpan(start, start + len(alias), ids, alias, 100) for _, start, alias, ids in hits]
        words = latin_words(question)
        folded = [fold_romaji(w) for w, _, _ in words]
        for size, aliases in self.latin.items():
            for i in range(len(words) - size + 1):
                window = " ".join(folded[i : i + size])
                for alias, score, _ in process.extract(
                    window, self._latin_choices[size], scorer=fuzz.ratio, score_cutoff=80, limit=None
                ):
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
    for suffix in table.role_suffixes:
        for prefix in ("", "の", *MUNICIPAL_SUFFIXES):
            if rest.startswith(prefix + suffix):
                taken = prefix + suffix
                return start, end + gap + len(taken), taken
    fillers = table.role_words | {"the", "of", "s", "town", "city", "village", "no"}
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


# What may stand between the speakers of one list: "X and Y", "XとY", "X, Y", "X・Y".
_LIST_GAP = re.compile(r"(?:[\s,、・&/]|\b(?:and|or|as\s+well\s+as|plus|the)\b|と|や|および|及び|ならびに)*")
# Words that may stand before a group word ("the mayors", 各町長); any other word makes it that word's
# role (Sapporo mayor, 札幌市長: nobody known) or, after a speaker, a qualifier (Obira and Haboro mayors).
_GROUP_LEAD_EN = frozenset("the all every each other both any of our local and or".split())
_GROUP_LEAD_JA = "各全両"
_OF_SOMEONE = re.compile(r"\s+of\s+(?:the\s+)?(?!(?:region|council|meeting)\b|all\b|them\b)")
_OF = re.compile(r"\s*(?:\bof\s+(?:the\s+)?)?")  # between a group word and the speakers it qualifies
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")


@dataclass(frozen=True)
class _Named:
    start: int
    end: int
    speakers: tuple[KnownSpeaker, ...]
    alias: str
    group: bool


def resolve_speaker(text: str, directory: SpeakerDirectory, table: AliasTable) -> SpeakerMatch | None:
    """The speakers named first in normalised `text`: one speaker (narrowed by the role named beside it),
    a group (the mayors, 町長たち) or a list of them ("X and Y", "XとY"); None when it names none."""
    named = _speakers_named(text, directory, table)
    if not named:
        return None
    chain = [named[0]]
    for item in named[1:]:
        gap = text[chain[-1].end : item.start]
        leading = len(chain) == 1 and chain[0].group and not item.group and _OF.fullmatch(gap)
        if not (_LIST_GAP.fullmatch(gap) or leading):
            break
        chain.append(item)
    start, end = chain[0].start, chain[-1].end
    # A group word right before "of" a list or right after it says which of each place's speakers:
    # "the mayors of Tomamae and Enbetsu", "Obira and Haboro mayors".
    qualifier = None
    if len(chain) > 1 and chain[0].group and _OF.fullmatch(text[chain[0].end : chain[1].start]):
        qualifier, chain = chain[0], chain[1:]
    elif len(chain) > 1 and chain[-1].group and not text[chain[-2].end : chain[-1].start].strip():
        qualifier, chain = chain[-1], chain[:-1]
    if qualifier:
        chain = [
            replace(n, speakers=tuple(s for s in n.speakers if s in qualifier.speakers) or n.speakers) for n in chain
        ]
    speakers = tuple(dict.fromkeys(s for n in chain for s in n.speakers))
    return SpeakerMatch(speakers, start, end, " / ".join(n.alias for n in chain))


def _speakers_named(text: str, directory: SpeakerDirectory, table: AliasTable) -> list[_Named]:
    """Every speaker and group named in `text`, in order, not overlapping."""
    named: list[_Named] = []
    # Speakers known by their role alone (a council's 町長, "mayor") are all that role's, as a group word: beside
    # another speaker the role says which of theirs ("Tomamae mayor", "the mayor of Enbetsu"); after an unknown
    # place, it is that place's (旭川市長, "Sapporo mayor": nobody known). The table's group words come first.
    by_role: list[_Named] = []
    for span in directory.find_spans(text):
        if span.alias in table.role_names:
            speakers = tuple(directory.by_id[i] for i in sorted(span.speaker_ids))
            by_role.append(_Named(span.start, span.end, speakers, span.alias, True))
            continue
        start, end, role_text = extend_with_role(text, span, table)
        speakers = [directory.by_id[i] for i in sorted(span.speaker_ids)]
        roles = table.roles_named(role_text) if role_text else set()
        if roles and len(speakers) > 1:
            speakers = [s for s in speakers if normalize(s.role) in roles] or speakers
        named.append(_Named(start, end, tuple(speakers), span.alias, False))
    pattern, by_name = table.group_words
    groups = [
        _Named(m.start(), m.end(), directory.members(by_name[m.group()]), m.group(), True)
        for m in pattern.finditer(text)
    ] + by_role
    groups.sort(key=lambda g: (-(g.end - g.start), g.start))
    for group in groups:
        if not group.speakers:
            continue
        if all(group.end <= n.start or group.start >= n.end for n in named) and _stands_as_group(text, group, named):
            named.append(group)
    return sorted(named, key=lambda n: n.start)


def _stands_as_group(text: str, group: _Named, named: list[_Named]) -> bool:
    """A group word names its group unless another word bound to it makes it someone's role."""
    before = text[: group.start]
    if any(n.end == len(before.rstrip()) and not n.group for n in named):
        return True  # a qualifier of the speakers before it
    if has_japanese(group.alias):
        previous = before[-1:]
        return not _KANJI.fullmatch(previous) or previous in _GROUP_LEAD_JA
    of = _OF_SOMEONE.match(text, group.end)
    if of and not any(group.end <= n.start <= of.end() and not n.group for n in named):
        return False  # the mayor of Sapporo: a role of somebody unknown
    words = latin_words(before)
    return not words or words[-1][2] < len(before.rstrip()) or words[-1][0] in _GROUP_LEAD_EN
