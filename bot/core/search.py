"""Understanding a question and ranking remarks for it: pure functions over plain data.

parse (frame) → normalise → resolve speaker → expand topics → rank.
The caller fetches the candidate remarks from storage between `understand` and `rank`.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.core.dates import MeetingRef, find_dates, select_meetings
from bot.core.lexicon import Lexicon
from bot.core.question import (
    is_everyone,
    is_small_talk,
    meeting_facts,
    names_remarks,
    read_frame,
    read_order,
    without_everyone,
)
from bot.core.romaji import to_katakana
from bot.core.speakers import AliasTable, SpeakerDirectory, SpeakerMatch, resolve_speaker
from bot.core.text import (
    fold_romaji,
    has_japanese,
    language_of,
    normalize,
    normalize_with_map,
    surfaces_and_pos,
    tokenize,
)
from bot.core.topics import Glossary, TopicGroup, expand_topics, idf

FUZZY_CUTOFF = 85  # partial_ratio for a question's own word that is not found as written
FUZZY_WEIGHT = 0.7
EXTRA_TERM_WEIGHT = 0.1
_HAS_LATIN = re.compile(r"[a-z0-9]")
# Kana words this short are found inside ordinary words (ウニ in ように): they must stand as words. Longer
# ones are matched as written: Sudachi splits folded loanwords (あぷり of まいなびあぷり) badly, and they
# rarely hide in others.
_SHORT_KANA_WORD = re.compile(r"[ぁ-ゖー]{1,2}")
_KANA_WORD = re.compile(r"[ぁ-ゖー]+")
_HIRAGANA_CHAR = re.compile(r"[ぁ-ゖ]")
_AFTER_A_WORD = frozenset({"助詞", "補助記号"})  # what may follow a katakana word written in hiragana-folded text
_WINDOW = 8  # characters after a short kana word read to tell whether it stands alone
_SPEAKER_LIKE_JA = re.compile(
    r"[^\s、。,.!?？！]{1,12}?(?:市長|町長|村長|区長|知事|会頭|会長|組合長|局長|部長|所長|理事長|社長|議長|委員長)"
)
_ROLE_EN = r"(?:mayor|governor|president|chairman|chairperson|director)"
_SPEAKER_LIKE_EN = re.compile(rf"(?:\b[a-z]+\s+)?\b{_ROLE_EN}\b(?:\s+of\s+[a-z]+)?")


@dataclass(frozen=True)
class Understanding:
    """How a question was read."""

    question: str
    language: str  # "en" or "ja": the language to answer in
    speaker: SpeakerMatch | None
    unknown_speaker: str | None  # the words that should name a speaker but name none known
    topics: tuple[TopicGroup, ...]
    meetings: tuple[MeetingRef, ...] | None = None  # the meetings a date names, newest first; None: every meeting
    date_words: str = ""  # the words naming them, as typed
    order: str | None = None  # "newest" or "oldest": remarks listed by meeting
    facts: frozenset[str] = frozenset()  # what it asks about meetings themselves (see question.meeting_facts)
    small_talk: bool = False  # a greeting, thanks, a plea for help, or nothing at all


def understand(
    question: str,
    speakers: SpeakerDirectory,
    table: AliasTable,
    glossary: Glossary,
    meetings: Sequence[MeetingRef] = (),
    lexicon: Lexicon | None = None,
) -> Understanding:
    """Read a question against the known speakers and the archive's `meetings`, oldest first (see
    dates.chronological)."""
    text, positions = normalize_with_map(question, keep_spaces=True)
    if is_small_talk(text):
        return Understanding(question, language_of(text), None, None, (), small_talk=True)
    mentions, date_spans = find_dates(text)
    order, order_spans = read_order(text)
    scope = tuple(select_meetings(mentions, meetings)) if mentions else None
    date_words = " ".join(_typed_spans(question, positions, [(m.start, m.words_end) for m in mentions]))
    facts = meeting_facts(text, bool(mentions))
    if facts:
        return Understanding(question, language_of(text), None, None, (), scope, date_words, order, facts)
    rest = _without(question, positions, date_spans + order_spans)
    u = _understand_remarks(rest, speakers, table, glossary, lexicon)
    language = u.language if rest.strip() else language_of(text)
    if mentions and not (u.speaker or u.unknown_speaker or u.topics or names_remarks(text)):
        facts = frozenset({"meeting"})  # いちばん古い会議, "the last meeting": the meeting itself
    return Understanding(question, language, u.speaker, u.unknown_speaker, u.topics, scope, date_words, order, facts)


def _typed_spans(question: str, positions: list[int], spans: list[tuple[int, int]]) -> list[str]:
    """The question as typed for spans of its normalised text."""
    return [question[positions[start] : positions[end - 1] + 1] for start, end in spans if end > start]


def _without(question: str, positions: list[int], spans: list[tuple[int, int]]) -> str:
    """The question as typed, the words at these spans of its normalised text left out."""
    cut = sorted((positions[start], positions[end - 1] + 1) for start, end in spans if end > start)
    pieces, last = [], 0
    for start, end in cut:
        if start >= last:
            pieces.append(question[last:start])
        last = max(last, end)
    return " ".join(p.strip() for p in [*pieces, question[last:]] if p.strip())


def _understand_remarks(
    question: str, speakers: SpeakerDirectory, table: AliasTable, glossary: Glossary, lexicon: Lexicon | None
) -> Understanding:
    """Who and what a question about remarks names (its dates already taken out)."""
    text, positions = normalize_with_map(question, keep_spaces=True)

    def typed(start: int, end: int) -> str:
        """The question as typed for a span of its normalised text."""
        return question[positions[start] : positions[end - 1] + 1] if end > start else ""

    frame = read_frame(text)
    speaker: SpeakerMatch | None = None
    unknown: str | None = None
    topic = typed(*frame.topic_span)
    outside = text  # the question without the words naming the speaker, to tell its language
    if frame.speaker and is_everyone(frame.speaker):
        outside = text.replace(frame.speaker, " ")
    elif frame.speaker:
        speaker = resolve_speaker(frame.speaker, speakers, table)
        if speaker or frame.explicit:
            unknown = None if speaker else frame.speaker
            outside = text.replace(frame.speaker, " ")
            if speaker:
                # Words of the slot beside the speakers (羽幌町長のオンライン診療についての発言) are topic words,
                # but not another name of the same speaker (the secretariat (Naka)).
                start = frame.speaker_span[0]
                ids = {s.id for s in speaker.speakers}
                again = [(a.start, a.end) for a in speakers.find_spans(frame.speaker) if a.speaker_ids & ids]
                kept, last = [], 0
                for a_start, a_end in sorted([(speaker.start, speaker.end), *again]):
                    kept.append(typed(start + last, start + max(last, a_start)))
                    last = max(last, a_end)
                kept.append(typed(start + last, frame.speaker_span[1]))
                topic = " ".join([*kept, topic])
        else:
            topic = question
    if speaker is None and unknown is None and not frame.explicit:
        speaker = resolve_speaker(text, speakers, table)
        if speaker:
            outside = text[: speaker.start] + " " + text[speaker.end :]
            topic = typed(0, speaker.start) + " " + typed(speaker.end, len(text))
        else:
            unknown = _speaker_like(text)
    language = language_of(outside)
    topics = tuple(expand_topics(without_everyone(topic), glossary, lexicon)) if unknown is None else ()
    return Understanding(question, language, speaker, unknown, topics)


def _speaker_like(text: str) -> str | None:
    """Words that look like a speaker (札幌市長, the Sapporo mayor) in a question naming no known one."""
    match = _SPEAKER_LIKE_JA.search(text) or _SPEAKER_LIKE_EN.search(text)
    return match.group().strip() if match else None


def closest_speakers(name: str, speakers: SpeakerDirectory, limit: int = 3) -> list[str]:
    """Speaker labels nearest to a name that matched none, for a helpful message."""
    key = normalize(name)
    japanese = has_japanese(key)
    choices = speakers.label_by_alias[japanese]
    query = key if japanese else fold_romaji(key)
    ranked = process.extract(query, choices.keys(), scorer=fuzz.WRatio, limit=limit * 4)
    return list(dict.fromkeys(choices[alias] for alias, _, _ in ranked))[:limit]


@dataclass(frozen=True)
class Candidate:
    """A remark as the ranking sees it."""

    remark_id: int
    normalized_text: str
    meeting_date: datetime.date | None
    position: int


@dataclass(frozen=True)
class Hit:
    candidate: Candidate
    score: float
    terms: tuple[str, ...]  # the normalised terms found, to mark in the text


def term_matcher(term: str, whole_word: bool = False) -> Callable[[str], bool]:
    """A test for a normalised term in normalised text. A Latin term must match whole words
    (`ai` is not in `mail`); so must a short kana word, by tokens (イカ is not in いかなければ), and a
    `whole_word` term (合戦 is not in 総合戦略). Other Japanese has no word spaces."""
    may_hold, confirm = _term_tests(term, whole_word)
    if confirm is None:
        return may_hold
    return lambda text: may_hold(text) and confirm(text)


def _term_tests(term: str, whole_word: bool) -> tuple[Callable[[str], bool], Callable[[str], bool] | None]:
    """`term_matcher` in two steps: a cheap test, and the test by tokens that must confirm what it finds
    (None: the cheap test is exact). Segmenting a remark costs a hundred times its cheap test."""
    if _SHORT_KANA_WORD.fullmatch(term):
        part_of_speech = _kana_word_pos(term)
        return lambda text: term in text, lambda text: bool(word_spans(text, term, part_of_speech))
    if whole_word and has_japanese(term) and not _KANA_WORD.fullmatch(term):
        return lambda text: term in text, lambda text: bool(word_spans(text, term))
    if has_japanese(term):
        return lambda text: term in text, None
    word = re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")
    # A substring test first: most remarks lack the term, and it costs a hundredth of the search.
    return lambda text: term in text and word.search(text) is not None, None


def word_spans(text: str, term: str, part_of_speech: str | None = None) -> list[tuple[int, int]]:
    """Where a term stands in normalised text as words of their own: both ends on token boundaries and,
    given a part of speech, the first token of it (the いか of いかの漁獲, not of いかなければ)."""
    tokens = _token_starts(text)
    spans = []
    for match in re.finditer(re.escape(term), text):
        start, end = match.span()
        aligned = start in tokens and (end == len(text) or end in tokens)
        if aligned and (part_of_speech is None or tokens[start][1] == part_of_speech):
            spans.append((start, end))
        elif part_of_speech is not None and start in tokens and tokens[start][0] < end:
            # Sudachi split the word (a folded katakana one?), not read a longer one (しかも) from here.
            if _katakana_word_at(text, start, end, part_of_speech):
                spans.append((start, end))
    return spans


def _katakana_word_at(text: str, start: int, end: int, part_of_speech: str) -> bool:
    """Whether a short kana word, folded from katakana, stands at text[start:end]: normalised text folds
    katakana to hiragana, and Sudachi splits a folded katakana word (就労びざの → び ざ). Read back in
    katakana, it must be a word of its own after no hiragana and before a particle or no hiragana:
    就労ビザの, not ように."""
    if start > 0 and _HIRAGANA_CHAR.match(text[start - 1]):
        return False
    word = to_katakana(text[start:end])
    words = tokenize(word + text[end : end + _WINDOW], "A")
    if words[0][0] != word or words[0][2] != part_of_speech:
        return False
    return len(words) == 1 or words[1][2] in _AFTER_A_WORD or not _HIRAGANA_CHAR.match(words[1][0])


@lru_cache(maxsize=4096)
def _token_starts(text: str) -> dict[int, tuple[int, str]]:
    """Where the shortest words (Sudachi mode A) of normalised text start → (where they end, part of speech)."""
    starts: dict[int, tuple[int, str]] = {}
    position = 0
    for surface, pos in surfaces_and_pos(text, "A"):
        starts[position] = (position + len(surface), pos)
        position += len(surface)
    return starts


@lru_cache(maxsize=1024)
def _kana_word_pos(term: str) -> str:
    """The part of speech of a kana word read as a word of its own, in katakana as such words are written."""
    return tokenize(to_katakana(term))[0][2]


def _group_score(group: TopicGroup, found: list[tuple[float, str]], text: str) -> float:
    """How well a remark answers one topic group, given the (weight, term) of the group found in it.

    The best term found counts, and each further term of the group found adds a little:
    a remark on 技能実習生 and 外国人 answers "foreign workers" better than one on 外国人 alone."""
    if found:
        return max(weight for weight, _ in found) + EXTRA_TERM_WEIGHT * min(len(found) - 1, 3)
    # A word of the question itself, perhaps mistyped or written another way.
    if group.concept is None and len(group.literal) >= 4 and fuzz.partial_ratio(group.literal, text) >= FUZZY_CUTOFF:
        return FUZZY_WEIGHT
    return 0.0


def rank(
    topics: tuple[TopicGroup, ...],
    candidates: list[Candidate],
    total: int,
    frequencies: list[int],
    limit: int | None = None,
) -> list[Hit]:
    """Candidates that answer at least one topic group, best first (the best `limit` of them).

    A remark scores the sum, over the groups it answers, of the group's rarity
    (idf: `frequencies[i]` of the `total` remarks searched answer group i) times how well it answers it.

    Terms that must stand as words are confirmed by segmenting the remark, which costs most: a remark is
    segmented only when it could still be among the best, its score bounded from above until then."""
    whole_words = {term for group in topics for term in group.whole_words}
    texts = [c.normalized_text for c in candidates]
    # Most remarks have no Latin letters or digits: then no other term can match, and testing them would be
    # most of the cost.
    latin = [bool(_HAS_LATIN.search(text)) for text in texts]
    # Most terms of a topic are in none of the candidates: one search of them all tells (no term holds the NUL).
    every_text = "\0".join(texts)
    weights = [idf(total, frequency) for frequency in frequencies]
    # Per candidate, per group: the (weight, term) found in it; and the terms found that are still to confirm.
    found: list[list[list[tuple[float, str]]]] = [[[] for _ in topics] for _ in candidates]
    unconfirmed: dict[int, set[str]] = {}
    confirmations: dict[str, Callable[[str], bool]] = {}
    for g, group in enumerate(topics):
        for term, term_weight in group.terms.items():  # term by term over every remark: a tight loop
            if term not in every_text:
                continue
            may_hold, confirm = _term_tests(term, term in whole_words)
            japanese = has_japanese(term)
            matched = [i for i, text in enumerate(texts) if (japanese or latin[i]) and may_hold(text)]
            for i in matched:
                found[i][g].append((term_weight, term))
            if confirm is not None:
                confirmations[term] = confirm
                for i in matched:
                    unconfirmed.setdefault(i, set()).add(term)

    def score(i: int, per_group: list[list[tuple[float, str]]]) -> float:
        scores = [_group_score(group, terms, texts[i]) for group, terms in zip(topics, per_group)]
        return sum(w * m for w, m in zip(weights, scores))

    def bound(i: int, unsure: set[str]) -> float:
        scores = []
        for group, terms in zip(topics, found[i]):
            value = _group_score(group, terms, texts[i])
            sure = [(w, t) for w, t in terms if t not in unsure]
            if len(sure) < len(terms):
                # Or as if none of them were: the question's own word may then match loosely. Testing that
                # costs a hundredth of segmenting the remark (bounding by its score instead had every remark
                # with a term to confirm segmented before any other was taken).
                value = max(value, _group_score(group, sure, texts[i]))
            scores.append(value)
        return sum(w * m for w, m in zip(weights, scores))

    def key(i: int, score: float) -> tuple[float, int, int, int]:
        return (-round(score, 6), _date_key(candidates[i]), candidates[i].position, i)

    # Best first: a candidate is taken once its score is exact and no other's bound is above it. The bound
    # scores each group as if its unconfirmed terms were all found, or none were.
    heap: list[tuple[tuple[float, int, int, int], float, bool]] = []
    for i in range(len(candidates)):
        unsure = unconfirmed.get(i)
        value = bound(i, unsure) if unsure else score(i, found[i])
        if value > 0:
            heap.append((key(i, value), value, not unsure))
    heapq.heapify(heap)
    hits: list[Hit] = []
    while heap and (limit is None or len(hits) < limit):
        (*_, i), value, exact = heapq.heappop(heap)
        if exact:
            hits.append(Hit(candidates[i], value, tuple(t for terms in found[i] for _, t in terms)))
            continue
        failed = {t for t in unconfirmed.pop(i) if not confirmations[t](texts[i])}
        found[i] = [[(w, t) for w, t in terms if t not in failed] for terms in found[i]]
        value = score(i, found[i])
        if value > 0:
            heapq.heappush(heap, (key(i, value), value, True))
    return hits


def _date_key(candidate: Candidate) -> int:
    """Newer meetings first among equals."""
    return -(candidate.meeting_date.toordinal() if candidate.meeting_date else 0)


def highlight_spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the normalised `terms` stand in the text as written, merged and in order."""
    if not terms:
        return []
    normalized, positions = normalize_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if _SHORT_KANA_WORD.fullmatch(term):
            found = word_spans(normalized, term, _kana_word_pos(term))
        else:
            pattern = re.escape(term) if has_japanese(term) else rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])"
            found = [match.span() for match in re.finditer(pattern, normalized)]
        spans += [(positions[start], positions[end - 1] + 1) for start, end in found]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def topic_terms(topics: tuple[TopicGroup, ...]) -> list[str]:
    """Every search term of the topics, for finding candidates in storage."""
    return list(dict.fromkeys(term for group in topics for term in group.terms))
