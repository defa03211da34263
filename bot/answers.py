"""Answering a question from storage: the one function every surface (CLI, Slack) calls."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlmodel import Session

from bot import messages
from bot.core.dates import MeetingRef, chronological
from bot.core.lexicon import Lexicon
from bot.core.search import (
    Candidate,
    Understanding,
    closest_speakers,
    highlight_spans,
    rank,
    understand,
)
from bot.core.speakers import AliasTable, KnownSpeaker, SpeakerDirectory, resolve_speaker
from bot.core.text import normalize
from bot.core.topics import Concept, Glossary, concepts_in
from storage import queries, search_index
from storage.jmdict import default_jmdict
from storage.models import Meeting
from storage.queries import MeetingFacts, Scope

MAX_QUESTION_LENGTH = 500
MAX_RESULTS = 20  # ranked remarks for a topic; each is marked up, which costs more than ranking it
MAX_SPEAKER_REMARKS = 100  # a speaker's (or a meeting's) remarks in order, for a question naming no topic
MAX_MEETINGS_LISTED = 10  # meetings described in one answer
MAX_CANDIDATES = 200  # re-ranked with rapidfuzz; found by the index, those answering every topic first
LOOSE_SCAN = 500  # a speaker's latest remarks compared loosely when nothing matches as written
TOPIC_HINT_SCAN = 20  # remarks read to say what a speaker did talk about
FREQUENCY_CAP = 1000  # counting a term's remarks beyond this changes its weight little
EXAMPLES = {
    "en": [
        "what did 苫前町長 say about foreign workers",
        "who talked about scholarships",
        "remarks by the Rumoi mayor",
    ],
    "ja": ["苫前町長は外国人材について何と言った", "奨学金について話したのは誰", "留萌市長の発言"],
}


@dataclass(frozen=True)
class Result:
    remark_id: int
    speaker: str
    text: str
    meeting_title: str
    meeting_date: datetime.date | None
    score: float
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class AskFilters:
    """Bounds given beside the question (`ask --meeting --since --until --speaker`, a Slack page):
    they narrow what the question itself names. `newest_remark_id`: only remarks stored by then,
    so that later pages of an answer stay the same when new minutes arrive."""

    meeting_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    speaker: str | None = None
    newest_remark_id: int | None = None


@dataclass(frozen=True)
class Answer:
    understanding: Understanding
    results: list[Result]
    message: str
    meetings: list[MeetingFacts] = field(default_factory=list)  # the meetings the answer describes

    @property
    def language(self) -> str:
        return self.understanding.language

    def to_json(self, elapsed_ms: float) -> dict:
        """The stable JSON contract of `ask --json`."""
        u = self.understanding
        speaker = None
        if u.speaker:
            speaker = {
                "label": u.speaker.speakers[0].label,
                "labels": [s.label for s in u.speaker.speakers],
                "ids": [s.id for s in u.speaker.speakers],
                "matched": u.speaker.alias,
            }
        return {
            "question": u.question,
            "language": u.language,
            "speaker": speaker,
            "topics": [
                {
                    "text": g.label,
                    "concept": g.concept.id if g.concept else None,
                    "gloss": g.gloss(),
                    "terms": list(g.terms),
                }
                for g in u.topics
            ],
            "results": [
                {
                    "speaker": r.speaker,
                    "text": r.text,
                    "meeting": {
                        "title": r.meeting_title,
                        "date": r.meeting_date.isoformat() if r.meeting_date else None,
                    },
                    "score": round(r.score, 3),
                    "remark_id": r.remark_id,
                    "highlights": [list(span) for span in r.highlights],
                }
                for r in self.results
            ],
            "meetings": [meeting_json(m) for m in self.meetings],
            "message": self.message,
            "elapsed_ms": round(elapsed_ms, 2),
        }


def meeting_json(meeting: MeetingFacts | Meeting) -> dict:
    def clock(t: datetime.time | None) -> str | None:
        return t.strftime("%H:%M") if t else None

    return {
        "id": meeting.id,
        "title": meeting.title,
        "date": meeting.date.isoformat() if meeting.date else None,
        "start_time": clock(meeting.start_time),
        "end_time": clock(meeting.end_time),
        "place": meeting.place,
        "agenda": list(meeting.agenda),
        "attendees": list(meeting.attendees),
    }


T = TypeVar("T")


def _kept(cache: dict[str, tuple[Hashable, T]], session: Session, version: Hashable, read: Callable[[], T]) -> T:
    """What `read` makes of the session's database, kept per database and read again when `version` changes."""
    url = str(session.get_bind().url)
    cached = cache.get(url)
    if cached is None or cached[0] != version:
        cached = cache[url] = (version, read())
    return cached[1]


_directories: dict[str, tuple[Hashable, SpeakerDirectory]] = {}


def speaker_directory(session: Session, version: tuple[int, int]) -> SpeakerDirectory:
    """The known speakers, prepared once and prepared again only when speakers or aliases change (`version`:
    the aliases' of queries.versions)."""

    def read() -> SpeakerDirectory:
        aliases = queries.aliases_by_speaker(session)
        speakers = queries.all_speakers(session)
        return SpeakerDirectory([KnownSpeaker(s.id, s.label, s.role, tuple(aliases.get(s.id, ()))) for s in speakers])

    return _kept(_directories, session, version, read)


_meeting_lists: dict[str, tuple[Hashable, list[MeetingRef]]] = {}


def meeting_list(session: Session, version: tuple[int, int]) -> list[MeetingRef]:
    """The archive's meetings as questions name them, oldest first (see chronological), read again only when
    meetings are added or removed (`version`: the meetings' of queries.versions; a meeting is known by its title
    and date, so re-ingesting one changes neither)."""
    return _kept(
        _meeting_lists, session, version, lambda: chronological([MeetingRef(*r) for r in queries.meeting_refs(session)])
    )


_described: dict[str, tuple[int, dict[int, MeetingFacts]]] = {}


def described_meetings(session: Session, ids: list[int], version: int) -> list[MeetingFacts]:
    """The facts of these meetings, in order, kept while the archive is unchanged (`version`: the archive's of
    queries.versions) and then read again only for those whose minutes changed: a date can name thousands of
    meetings, whose facts cost ten times more to read than their content hashes."""
    url = str(session.get_bind().url)
    seen, known = _described.get(url, (None, {}))
    if seen != version:
        hashes = queries.content_hashes(session, list(known))
        known = {i: facts for i, facts in known.items() if hashes.get(i) == facts.content_hash}
        _described[url] = (version, known)
    known.update(
        (meeting.id, meeting) for meeting in queries.meetings_by_ids(session, [i for i in ids if i not in known])
    )
    return [known[i] for i in ids if i in known]


_presence: dict[str, tuple[Hashable, dict[str, bool]]] = {}
MAX_TERMS_KNOWN = 100_000  # terms whose presence in the archive is kept, per database


def term_presence(session: Session, version: int) -> dict[str, bool]:
    """Whether each term looked up so far occurs in the archive, kept until the archive changes (`version`: the
    archive's of queries.versions): the dictionary's readings of a romaji word are dozens of look-ups, the same
    ones for every question using the word."""
    known = _kept(_presence, session, version, dict)
    if len(known) >= MAX_TERMS_KNOWN:
        known.clear()
    return known


def answer_question(
    session: Session, question: str, table: AliasTable, glossary: Glossary, filters: AskFilters = AskFilters()
) -> Answer:
    versions = queries.versions(session)
    speakers = speaker_directory(session, versions.aliases)
    meetings = meeting_list(session, versions.meetings)
    if len(question) > MAX_QUESTION_LENGTH:
        u = understand(question[:MAX_QUESTION_LENGTH], SpeakerDirectory([]), table, glossary)
        return Answer(u, [], say("too_long", u.language, limit=str(MAX_QUESTION_LENGTH)))
    present = term_presence(session, versions.archive)
    lexicon = Lexicon(default_jmdict(), lambda terms: search_index.present_terms(session, terms), present)
    u = understand(question, speakers, table, glossary, meetings, lexicon)
    u = _filtered(u, filters, speakers, table, meetings)
    if u.small_talk:
        return Answer(u, [], _help(u.language, meetings))
    if u.unknown_speaker:
        closest = _listed("closest", u.language, closest_speakers(u.unknown_speaker, speakers))
        return Answer(u, [], say("unknown_speaker", u.language, name=u.unknown_speaker, closest=closest))
    if u.meetings is not None and not u.meetings:
        listed = _meeting_list(u, meetings)
        return Answer(u, [], say("no_meeting", u.language, when=u.date_words or "—", meetings=listed))
    described = described_meetings(session, [m.id for m in u.meetings], versions.archive) if u.meetings else []
    if u.facts:
        return _facts(session, u, meetings, described, versions.archive)
    scope = Scope(
        tuple(s.id for s in u.speaker.speakers) if u.speaker else None,
        tuple(m.id for m in u.meetings) if u.meetings is not None else None,
        filters.newest_remark_id,
    )
    answer = _remarks(session, u, scope, glossary)
    return Answer(answer.understanding, answer.results, answer.message, described)


def _remarks(session: Session, u: Understanding, scope: Scope, glossary: Glossary) -> Answer:
    """The remarks answering a question about remarks: a speaker's or meeting's in order, or ranked for topics."""
    if not u.topics:
        if scope.speaker_ids is None and scope.meeting_ids is None:
            return Answer(u, [], say("nothing_asked", u.language))
        rows = queries.remarks_in_scope(session, scope, MAX_SPEAKER_REMARKS)
        if not rows:
            return Answer(u, [], say("silent_then", u.language, speaker=_speakers_text(u), when=u.date_words))
        return Answer(u, _in_order([_result(row, 1.0, ()) for row in rows], u.order), "")
    groups = [list(g.terms) for g in u.topics]
    total, span = queries.scope_extent(session, scope)
    scope = replace(scope, span=span)
    ids, frequencies = search_index.search(session, groups, scope, MAX_CANDIDATES, MAX_RESULTS, FREQUENCY_CAP, total)
    candidates = [Candidate(*row) for row in queries.remarks_to_rank(session, ids)]
    if scope.speaker_ids is not None and not candidates and any(g.concept is None for g in u.topics):
        # A word of the question not found as written: a speaker's remarks are few enough to compare loosely.
        candidates = [Candidate(*row) for row in queries.recent_remarks_to_rank(session, scope, LOOSE_SCAN)]
    hits = rank(u.topics, candidates, total, frequencies, MAX_RESULTS)
    if hits:
        rows = queries.remarks_by_ids(session, [hit.candidate.remark_id for hit in hits])
        return Answer(u, _in_order([_result(row, hit.score, hit.terms) for row, hit in zip(rows, hits)], u.order), "")
    unknown = [g.label for g in u.topics if not g.known]
    if unknown:
        return Answer(u, [], say("unknown_words", u.language, words=_LIST_SEPARATOR[u.language].join(unknown)))
    within = say("within", u.language, when=u.date_words, dates=_dates_text(u)) if u.meetings else ""
    if u.speaker:
        texts = [row.normalized_text for row in queries.recent_remarks_to_rank(session, scope, TOPIC_HINT_SCAN)]
        return Answer(u, [], _speaker_silent(u, concepts_in(texts, glossary)) + within)
    return Answer(u, [], say("nobody", u.language, topics=_topics_text(u)) + within)


def _in_order(results: list[Result], order: str | None) -> list[Result]:
    """Results by meeting, newest or oldest first, when the question asks so ("over time", 新しい順);
    sorting is stable, so within a meeting they keep their rank or their order."""
    if order is None:
        return results
    newest = order == "newest"
    return sorted(results, key=lambda r: (r.meeting_date or datetime.date.min).toordinal() * (-1 if newest else 1))


def _filtered(
    u: Understanding, filters: AskFilters, speakers: SpeakerDirectory, table: AliasTable, meetings: list[MeetingRef]
) -> Understanding:
    """The understanding narrowed by the filters given beside the question."""
    if filters.speaker:
        named = resolve_speaker(normalize(filters.speaker, keep_spaces=True), speakers, table)
        u = replace(u, speaker=named, unknown_speaker=None if named else filters.speaker)
    bounded = filters.meeting_id is not None or filters.since or filters.until
    if not bounded:
        return u
    chosen = [
        m
        for m in (u.meetings if u.meetings is not None else meetings[::-1])
        if (filters.meeting_id is None or m.id == filters.meeting_id)
        and (filters.since is None or (m.date and m.date >= filters.since))
        and (filters.until is None or (m.date and m.date <= filters.until))
    ]
    limits = [
        f"#{filters.meeting_id}" if filters.meeting_id is not None else "",
        f"≥ {filters.since}" if filters.since else "",
        f"≤ {filters.until}" if filters.until else "",
    ]
    return replace(u, meetings=tuple(chosen), date_words=" ".join(w for w in [u.date_words, *limits] if w))


def _facts(
    session: Session, u: Understanding, meetings: list[MeetingRef], described: list[MeetingFacts], version: int
) -> Answer:
    """A question about meetings themselves, answered from their stored fields (`version`: the archive's)."""
    if u.meetings is None:
        newest_first = [m.id for m in meetings[::-1]]
        described = described_meetings(session, newest_first[:MAX_MEETINGS_LISTED], version)
    if not described:
        return Answer(u, [], say("no_meetings", u.language))
    lines = [_describe(m, u.facts, u.language) for m in described]
    if "count" in u.facts or (u.meetings is None and len(meetings) > 1):
        lines.insert(0, say("meeting_count", u.language, count=str(len(meetings))))
    return Answer(u, [], "\n".join(lines), described)


# Meeting fields by the facts a question asks; a question about "the meeting" itself gets the main ones.
_FIELDS_ASKED = {
    "date": ("date",),
    "time": ("date", "time"),
    "place": ("place",),
    "agenda": ("agenda",),
    "attendees": ("attendees",),
    "count": ("date",),
    "meeting": ("date", "time", "place", "agenda"),
}
FIELD_NAMES = {
    "en": {"time": "time", "place": "place", "agenda": "agenda", "attendees": "attendees"},
    "ja": {"time": "時間", "place": "場所", "agenda": "議題", "attendees": "出席者"},
}


def _describe(meeting: MeetingFacts, facts: frozenset[str], language: str) -> str:
    """One line on one meeting: its date and title, and the fields asked for."""
    fields = {f for fact in facts for f in _FIELDS_ASKED[fact]} or {"date", "place"}
    separator = _LIST_SEPARATOR[language]
    names = FIELD_NAMES[language]
    date = meeting.date.isoformat() if meeting.date else ("日付なし" if language == "ja" else "no date")
    parts = [f"{date} {meeting.title}"]
    if "time" in fields and meeting.start_time:
        end = meeting.end_time.strftime("%H:%M") if meeting.end_time else ""
        parts.append(f"{names['time']}: {meeting.start_time.strftime('%H:%M')}–{end}")
    if "place" in fields and meeting.place:
        parts.append(f"{names['place']}: {meeting.place}")
    if "agenda" in fields and meeting.agenda:
        parts.append(f"{names['agenda']}: " + separator.join(meeting.agenda))
    if "attendees" in fields and meeting.attendees:
        parts.append(f"{names['attendees']}: " + separator.join(meeting.attendees))
    return " · ".join(parts)


_COUNCIL_TITLE = re.compile(
    r"^(?:(?:令和|平成|昭和)(?:\d+|元)年度?|\d{4}年度?)?\s*(?:第\d+回)?\s*|\s*(?:開催概要|議事録|議事概要|会議録)$"
)


def council_name(title: str) -> str:
    """The council a meeting title names, its year and number left out:
    令和7年度留萌地域づくり連携会議 開催概要 → 留萌地域づくり連携会議."""
    return _COUNCIL_TITLE.sub("", title).strip() or title


def _help(language: str, meetings: list[MeetingRef]) -> str:
    """`meetings`: oldest first, as every list of the archive's meetings here."""
    if not meetings:
        return say("help_empty", language)
    names = list(dict.fromkeys(council_name(m.title) for m in reversed(meetings)))
    listed = _LIST_SEPARATOR[language].join(m.date.isoformat() if m.date else m.title for m in reversed(meetings[-5:]))
    more = "…" if len(meetings) > 5 else ""
    return say("help", language, council=" / ".join(names), count=str(len(meetings)), meetings=listed + more)


def _meeting_list(u: Understanding, meetings: list[MeetingRef]) -> str:
    dates = [m.date.isoformat() if m.date else m.title for m in meetings[::-1][:MAX_MEETINGS_LISTED]]
    return _LIST_SEPARATOR[u.language].join(dates) or "—"


def _dates_text(u: Understanding) -> str:
    return _LIST_SEPARATOR[u.language].join(m.date.isoformat() if m.date else m.title for m in u.meetings or ())


def _speakers_text(u: Understanding) -> str:
    return _LIST_SEPARATOR[u.language].join(s.label for s in u.speaker.speakers) if u.speaker else ""


def _result(row, score: float, terms: tuple[str, ...]) -> Result:
    """A remark row (see storage.queries._remark_rows) as shown, the terms found marked in it."""
    return Result(row.id, row.label, row.text, row.title, row.date, score, highlight_spans(row.text, terms))


_LIST_SEPARATOR = {"en": ", ", "ja": "、"}


def say(key: str, language: str, **values: str) -> str:
    """A message of the catalogue in the question's language, its {examples} filled with questions that work."""
    examples = " / ".join(f"“{e}”" for e in EXAMPLES[language])
    return messages.say(key, language, examples=examples, **values)


def _listed(key: str, language: str, names: list[str]) -> str:
    return say(key, language, names=_LIST_SEPARATOR[language].join(names)) if names else ""


def _topics_text(u: Understanding) -> str:
    return ("、" if u.language == "ja" else " ").join(g.label for g in u.topics)


def _speaker_silent(u: Understanding, touched: list[Concept]) -> str:
    names = [c.ja[0] if u.language == "ja" else (c.en[0] if c.en else c.id) for c in touched]
    return say(
        "speaker_silent",
        u.language,
        speaker=_speakers_text(u),
        topics=_topics_text(u),
        touched=_listed("touched", u.language, names),
    )
