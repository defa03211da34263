"""Answering a question from storage: the one function every surface (CLI, Slack) calls."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core.search import (
    Candidate,
    Understanding,
    closest_speakers,
    highlight_spans,
    rank,
    topic_terms,
    understand,
)
from bot.core.lexicon import Lexicon
from bot.core.speakers import AliasTable, KnownSpeaker, SpeakerDirectory
from bot.core.topics import Concept, Glossary, concepts_in
from storage import queries, search_index
from storage.jmdict import default_jmdict

MAX_QUESTION_LENGTH = 500
MAX_RESULTS = 20  # ranked remarks for a topic; each is marked up, which costs more than ranking it
MAX_SPEAKER_REMARKS = 100  # a speaker's remarks in order, for a question naming only the speaker
MAX_CANDIDATES = 200  # re-ranked with rapidfuzz; found by the index, those answering every topic first
LOOSE_SCAN = 500  # a speaker's latest remarks compared loosely when nothing matches as written
TOPIC_HINT_SCAN = 20  # remarks read to say what a speaker did talk about
FREQUENCY_CAP = 1000  # counting a term's remarks beyond this changes its weight little
EXAMPLES = {
    "en": ["what did 苫前町長 say about foreign workers", "who talked about scholarships", "remarks by the Rumoi mayor"],
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
class Answer:
    understanding: Understanding
    results: list[Result]
    message: str

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
                {"text": g.label, "concept": g.concept.id if g.concept else None, "gloss": g.gloss(), "terms": list(g.terms)}
                for g in u.topics
            ],
            "results": [
                {
                    "speaker": r.speaker,
                    "text": r.text,
                    "meeting": {"title": r.meeting_title, "date": r.meeting_date.isoformat() if r.meeting_date else None},
                    "score": round(r.score, 3),
                    "remark_id": r.remark_id,
                    "highlights": [list(span) for span in r.highlights],
                }
                for r in self.results
            ],
            "message": self.message,
            "elapsed_ms": round(elapsed_ms, 2),
        }


_directories: dict[str, tuple[tuple[int, int], SpeakerDirectory]] = {}


def speaker_directory(session: Session) -> SpeakerDirectory:
    """The known speakers, prepared once and prepared again only when speakers or aliases change."""
    url = str(session.get_bind().url)
    version = queries.aliases_version(session)
    cached = _directories.get(url)
    if cached and cached[0] == version:
        return cached[1]
    aliases = queries.aliases_by_speaker(session)
    speakers = [KnownSpeaker(s.id, s.label, s.role, tuple(aliases.get(s.id, ()))) for s in queries.all_speakers(session)]
    directory = SpeakerDirectory(speakers)
    _directories[url] = (version, directory)
    return directory


def answer_question(session: Session, question: str, table: AliasTable, glossary: Glossary) -> Answer:
    speakers = speaker_directory(session)
    if len(question) > MAX_QUESTION_LENGTH:
        u = understand(question[:MAX_QUESTION_LENGTH], SpeakerDirectory([]), table, glossary)
        return Answer(u, [], say("too_long", u.language, limit=str(MAX_QUESTION_LENGTH)))
    lexicon = Lexicon(default_jmdict(), lambda terms: search_index.present_terms(session, terms))
    u = understand(question, speakers, table, glossary, lexicon)
    if u.unknown_speaker:
        closest = _listed("closest", u.language, closest_speakers(u.unknown_speaker, speakers))
        return Answer(u, [], say("unknown_speaker", u.language, name=u.unknown_speaker, closest=closest))
    speaker_ids = [s.id for s in u.speaker.speakers] if u.speaker else None
    if not u.topics:
        if speaker_ids is None:
            return Answer(u, [], say("nothing_asked", u.language))
        rows = queries.remarks_of_speakers(session, speaker_ids, MAX_SPEAKER_REMARKS)
        return Answer(u, [_result(row, 1.0, ()) for row in rows], "")
    groups = [list(g.terms) for g in u.topics]
    ids = search_index.candidate_ids(session, groups, speaker_ids, MAX_CANDIDATES, enough=MAX_RESULTS)
    candidates = [Candidate(*row) for row in queries.remarks_to_rank(session, ids)]
    if speaker_ids is not None and not candidates and any(g.concept is None for g in u.topics):
        # A word of the question not found as written: a speaker's remarks are few enough to compare loosely.
        candidates = [Candidate(*row) for row in queries.recent_remarks_to_rank(session, speaker_ids, LOOSE_SCAN)]
    total = queries.count_remarks(session, speaker_ids)
    # One topic: its weight scales every score alike, so there is nothing to count.
    frequencies = [search_index.count_matching(session, t, speaker_ids, total, FREQUENCY_CAP) for t in groups] if len(groups) > 1 else [0]
    hits = rank(u.topics, candidates, total, frequencies)[:MAX_RESULTS]
    if hits:
        rows = queries.remarks_by_ids(session, [hit.candidate.remark_id for hit in hits])
        return Answer(u, [_result(row, hit.score, hit.terms) for row, hit in zip(rows, hits)], "")
    unknown = [g.label for g in u.topics if not g.known]
    if unknown:
        return Answer(u, [], say("unknown_words", u.language, words=_LIST_SEPARATOR[u.language].join(unknown)))
    if u.speaker:
        texts = [row.normalized_text for row in queries.recent_remarks_to_rank(session, speaker_ids, TOPIC_HINT_SCAN)]
        return Answer(u, [], _speaker_silent(u, concepts_in(texts, glossary)))
    return Answer(u, [], say("nobody", u.language, topics=_topics_text(u)))


def _result(row, score: float, terms: tuple[str, ...]) -> Result:
    """A remark row (see storage.queries._remark_rows) as shown, the terms found marked in it."""
    return Result(row.id, row.label, row.text, row.title, row.date, score, highlight_spans(row.text, terms))


# What the user is told when there is nothing to show, in the language of the question.
MESSAGES = {
    "too_long": {
        "en": "That question is too long (at most {limit} characters). Please shorten it, e.g. {examples}",
        "ja": "質問が長すぎます（{limit}文字まで）。短くしてお試しください。例: {examples}",
    },
    "unknown_speaker": {
        "en": "No speaker called “{name}” appears in the minutes.{closest} For example: {examples}",
        "ja": "「{name}」という発言者は議事録に見つかりません。{closest}例: {examples}",
    },
    "closest": {"en": " Closest speakers: {names}.", "ja": "近い発言者: {names}。"},
    "nothing_asked": {
        "en": "Please name a speaker or a topic. For example: {examples}",
        "ja": "発言者か話題を入れて質問してください。例: {examples}",
    },
    "speaker_silent": {
        "en": "{speaker} said nothing about “{topics}” in the minutes.{touched}",
        "ja": "{speaker}の発言に「{topics}」に関するものは見つかりませんでした。{touched}",
    },
    "touched": {"en": " They talked about: {names}.", "ja": "この発言者が触れた話題: {names}。"},
    "unknown_words": {
        "en": "I don't know the word “{words}”, and the minutes do not use it. Try other words, e.g. {examples}",
        "ja": "「{words}」という言葉が分かりませんでした（議事録にもありません）。別の言葉でお試しください。例: {examples}",
    },
    "nobody": {
        "en": "Nobody talked about “{topics}” in the minutes. Try other words, e.g. {examples}",
        "ja": "「{topics}」について話した発言は見つかりませんでした。別の言葉でお試しください。例: {examples}",
    },
}
_LIST_SEPARATOR = {"en": ", ", "ja": "、"}


def say(key: str, language: str, **values: str) -> str:
    examples = " / ".join(f"“{e}”" for e in EXAMPLES[language])
    return MESSAGES[key][language].format(examples=examples, **values)


def _listed(key: str, language: str, names: list[str]) -> str:
    return say(key, language, names=_LIST_SEPARATOR[language].join(names)) if names else ""


def _topics_text(u: Understanding) -> str:
    return ("、" if u.language == "ja" else " ").join(g.label for g in u.topics)


def _speaker_silent(u: Understanding, touched: list[Concept]) -> str:
    names = [c.ja[0] if u.language == "ja" else (c.en[0] if c.en else c.id) for c in touched]
    return say(
        "speaker_silent", u.language, speaker=u.speaker.speakers[0].label, topics=_topics_text(u),
        touched=_listed("touched", u.language, names),
    )
