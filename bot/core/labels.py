"""Speaker labels of minutes: telling a label (江口部会長, 議長(山田太郎君), 事務局(中), 2番) from other text,
and splitting it into organisation, role and name.

The words come from the `[labels]` table of bot/data/aliases.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import NamedTuple

from bot.core.text import person_name_prefix

MAX_LABEL_LENGTH = 40
_MAX_HEAD = 25  # organisation + name + role, without the bracketed part
_MAX_BRACKETED = 16
# Speech punctuation, table bars and heading marks are in no label (NFKC: ｜ is |, ＜ is <).
_SPEECH_PUNCTUATION = frozenset("。、，,；;:：!?！？「」『』|○◎◯●<>【】〈〉《》[]")
# Among them, those NFKC keeps whatever surrounds them: in a text before NFKC, they are in no label either.
_SPEECH_MARKS = "。、「」"
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_NUMBERED = re.compile(r"\d{1,3}番(?:委員|議員)?")  # councillors by seat: 2番, 12番委員
_SUFFIXED = re.compile(r"(?<=[^\x00-\x7f])[A-Za-z0-9]{1,2}$")
_BRACKETED = re.compile(r"(?P<head>[^()]*?)\s*\((?P<inner>[^()]+)\)")


class LabelParts(NamedTuple):
    organisation: str  # 留萌商工会議所, 天竜区協議会, or the place of a mayor (苫前町); "" when none
    role: str  # 会頭, 議長, 2番; "" when the label names only a person
    name: str  # 山田太郎 (honorific dropped), 元木; "" when none


@dataclass(frozen=True)
class LabelWords:
    roles: tuple[str, ...]
    endings: tuple[str, ...]
    not_roles: tuple[str, ...]
    headings: tuple[str, ...]
    exact: tuple[str, ...]
    honorifics: tuple[str, ...]
    chairs: tuple[str, ...] = ()
    chair_english: tuple[str, ...] = ()
    english: tuple[tuple[str, tuple[str, ...]], ...] = ()  # role → its English names

    def english_of(self, role: str) -> tuple[str, ...]:
        return dict(self.english).get(role, ())

    @cached_property
    def _role_suffixes(self) -> _Suffixes:
        return _Suffixes.of(self.roles)

    @cached_property
    def _ending_suffixes(self) -> _Suffixes:
        return _Suffixes.of(self.endings)

    @cached_property
    def _not_role_suffixes(self) -> _Suffixes:
        return _Suffixes.of(self.not_roles)

    @cached_property
    def _honorifics_longest_first(self) -> tuple[str, ...]:
        return tuple(sorted(self.honorifics, key=len, reverse=True))

    def role_at_end(self, text: str) -> str | None:
        """The longest role word `text` ends with (部会長 in 江口部会長), or None."""
        return self._role_suffixes.longest_at_end(text)

    def ends_like_role(self, text: str) -> bool:
        if self._not_role_suffixes.longest_at_end(text) is not None:
            return False
        return self.role_at_end(text) is not None or self._ending_suffixes.longest_at_end(text) is not None

    def strip_honorific(self, name: str) -> str:
        for honorific in self._honorifics_longest_first:
            if name.endswith(honorific) and len(name) > len(honorific):
                return name[: -len(honorific)]
        return name


class _Suffixes(NamedTuple):
    """Words looked up by the text's ending of each of their lengths, rather than tried one by one."""

    lengths: tuple[int, ...]  # longest first
    words: frozenset[str]

    @classmethod
    def of(cls, words: tuple[str, ...]) -> _Suffixes:
        return cls(tuple(sorted({len(word) for word in words}, reverse=True)), frozenset(words))

    def longest_at_end(self, text: str) -> str | None:
        # A word longer than text is no ending of it: text[-length:] is then text itself, shorter than the word.
        return next((text[-length:] for length in self.lengths if text[-length:] in self.words), None)


def load_label_words(text: str) -> LabelWords:
    data = tomllib.loads(text).get("labels", {})
    lists = (
        tuple(data.get(key, ()))
        for key in ("roles", "endings", "not_roles", "headings", "exact", "honorifics", "chairs", "chair_english")
    )
    english = tuple((role, tuple(names)) for role, names in sorted(data.get("english", {}).items()))
    return LabelWords(*lists, english=english)


@lru_cache(maxsize=1)
def default_label_words() -> LabelWords:
    return load_label_words(resources.files("bot.data").joinpath("aliases.toml").read_text(encoding="utf-8"))


def _compact(label: str) -> str:
    """NFKC without whitespace: the form labels are judged in."""
    return "".join(unicodedata.normalize("NFKC", label).split())


def is_speaker_label(label: str, words: LabelWords | None = None) -> bool:
    """Whether `label` (marks and enclosing brackets already removed) names a speaker:
    a role (委員長, 事務局), a name and role (江口部会長, 東区協議会 金指会長), a role and a bracketed name
    (議長(山田太郎君), 事務局(中)), a seat (2番(佐藤君)) or a name with an honorific (山田君)."""
    if words is None and len(label) <= _MAX_CACHED_LABEL:
        return _is_default_speaker_label(label)
    return _judge_label(label, words or default_label_words())


# Minutes repeat their labels thousands of times, and each line's first word is tried as one; longer text
# (a whole line tried as a label) is rarely met twice.
_MAX_CACHED_LABEL = 2 * MAX_LABEL_LENGTH


@lru_cache(maxsize=1 << 14)
def _is_default_speaker_label(label: str) -> bool:
    return _judge_label(label, default_label_words())


def _judge_label(label: str, words: LabelWords) -> bool:
    if any(mark in label for mark in _SPEECH_MARKS):  # speech, often a whole line: no need to normalise it
        return False
    compact = _compact(label)
    if not compact or len(compact) > MAX_LABEL_LENGTH or any(c in _SPEECH_PUNCTUATION for c in compact):
        return False
    if compact in words.exact or re.sub(r"\d{1,2}$", "", compact) in words.exact:  # Q1, A1
        return True
    if any(word in compact for word in words.headings):
        return False
    bracketed = _BRACKETED.fullmatch(compact)
    head, inner = (bracketed["head"], bracketed["inner"]) if bracketed else (compact, "")
    if "(" in head or ")" in head or len(head) > _MAX_HEAD or len(inner) > _MAX_BRACKETED:
        return False
    head = _SUFFIXED.sub("", head)  # 委員A, 委員1: one of several members
    # Kana belongs to speech, except in a department's name before its role (まちづくり課長).
    kana_allowed = 6 if words.ends_like_role(head) else 3
    if len(_HIRAGANA.findall(head)) > kana_allowed or any(c.isdigit() for c in head) and not _NUMBERED.fullmatch(head):
        return False
    if len(head) < 2:  # 長 alone is a fragment
        return False
    if _NUMBERED.fullmatch(head) or words.ends_like_role(head):
        return True
    # 山田君, 山田議員; or a lost bracket: 副議長鳥山和一郎君 is handled by the caller before this.
    return len(head) <= 6 and head != words.strip_honorific(head) and not inner


def split_label(label: str, words: LabelWords | None = None, is_place=lambda place: False) -> LabelParts:
    """Organisation, role and name of a label, as written (whitespace runs collapsed).

    議長(山田太郎君) → ("", 議長, 山田太郎); 江口部会長 → ("", 部会長, 江口) when 江口 reads as a person's
    name; 東区協議会 金指会長 → (東区協議会, 会長, 金指); 留萌商工会議所 会頭 → (留萌商工会議所, 会頭, "");
    苫前町長 → (苫前町, 町長, ""), the 町 serving both, unless 苫前 reads as a person and `is_place(苫前町)`
    is false (梶市長 → ("", 市長, 梶))."""
    words = words or default_label_words()
    label = " ".join(label.split())
    bracketed = re.fullmatch(r"(?P<head>[^(（]*?)\s*[(（](?P<inner>[^()（）]+)[)）]", label)
    head, inner = (bracketed["head"], bracketed["inner"].strip()) if bracketed else (label, "")
    name = words.strip_honorific(" ".join(inner.split())) if inner else ""
    organisation = ""
    if " " in head:
        organisation, head = head.rsplit(" ", 1)
    municipal = re.fullmatch(r"(.+?[市町村])(副[市町村]長)", head) or re.fullmatch(r"(.+[市町村])長", head)
    if municipal:
        place = municipal.group(1)
        person = len(place) == 2 or person_name_prefix(place[:-1]) == place[:-1]
        if is_place(place) or not person:
            role = municipal.group(2) if municipal.lastindex == 2 else place[-1] + "長"
            return LabelParts(" ".join(filter(None, [organisation, place])), role, name)
        if not name:
            return LabelParts(organisation, place[-1] + "長", place[:-1])
    member = _SUFFIXED.search(unicodedata.normalize("NFKC", head))  # 委員A: member A (NFKC keeps the length)
    if member and not name and words.role_at_end(head[: member.start()]):
        head, name = head[: member.start()], head[member.start() :]
    role = words.role_at_end(head) or ("" if not _NUMBERED.fullmatch(head) and not organisation else head)
    rest = head[: len(head) - len(role)]
    if not role and not name:
        honorless = words.strip_honorific(rest)
        if honorless != rest or person_name_prefix(rest) == rest:  # 山田君, 佐藤
            return LabelParts(organisation, "", honorless)
        return LabelParts(" ".join(filter(None, [organisation, rest])), "", "")
    letter = unicodedata.normalize("NFKC", rest)
    if rest and not name and len(letter) <= 2 and letter.isascii() and letter.isalnum():
        return LabelParts(organisation, role, rest)  # A委員: member A
    if rest and not name:
        person = person_name_prefix(rest)
        name, rest = person, rest[len(person) :]
        if organisation and not person:  # 留萌教育局 教育局長: the word after the space is the role
            role, rest = rest + role, ""
    return LabelParts(" ".join(filter(None, [organisation, rest])), role, name)
