"""Reading a question: which part names a speaker and which part a topic.

Questions come as English frames ("what did X say about Y", "who talked about
Y", "X on Y", "remarks by X", "show me everything X said"), Japanese frames
("XはYについて何と言った", "Yについて話したのは誰", "Xの発言") or bare keywords
("X Y"). A frame fixes the slots; bare keywords leave finding the speaker to
the alias search over the whole question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABOUT = r"(?:about|on|regarding|concerning|re|of|with respect to|in relation to)"
_SAID = (
    r"(?:say|said|says|talk|talked|speak|spoke|mention|mentioned|think|thought|comment|commented|state|stated"
    r"|discuss|discussed)"
)

# Each pattern names its slots: s (speaker), t (topic). A pattern with no s asks "who".
ENGLISH_FRAMES = [
    rf"^(?:what|wht|wat)\s+(?:did|does|do|has|have|had)\s+(?P<s>.+?)\s+{_SAID}(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^(?:what|how)\s+(?:was|is|are|were)\s+(?P<s>.+?)(?:'s|’s)?\s+(?:view|views|opinion|opinions|position|stance|take)\s+{_ABOUT}\s+(?P<t>.+)$",
    rf"^(?:did|does|has|have|had)\s+(?P<s>.+?)\s+{_SAID}(?:\s+(?:anything|something))?(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^who\s+(?:else\s+)?(?:has\s+|have\s+|had\s+|did\s+)?{_SAID}(?:\s+(?:anything|something))?(?:\s+{_ABOUT})?\s+(?P<t>.+)$",
    rf"^(?:who|which\s+\w+)\s+(?:was|were|is|are)\s+(?:talking|speaking|concerned)\s+{_ABOUT}\s+(?P<t>.+)$",
    rf"^(?:(?:show|list|give|find)\s+(?:me\s+)?)?(?:all\s+|the\s+)?(?:remarks|comments|statements|words|things\s+said)\s+(?:by|of|from)\s+(?P<s>.+?)(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^(?:what|anything|something)\s+(?:was|were|is|has\s+been|had\s+been)\s+{_SAID}(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^(?:(?:show|list|give|tell)\s+(?:me\s+)?)?(?:everything|all|anything|what)\s+(?:that\s+)?(?P<s>.+?)\s+(?:has\s+|had\s+)?{_SAID}(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    # "X on Y" last: only a speaker that resolves makes it a frame (see Frame.explicit).
    r"^(?P<s>.+?)\s+on\s+(?P<t>.+)$",
]
_JA_ABOUT = r"(?:について|に関して|に関し|に関する|についての|のこと|を|に)"
_JA_SAID = r"(?:言|い[っいうえ]|話|発言|述べ|語|コメント|こめんと|触れ|ふれ|言及|意見)"
_JA_WHO = r"(?:誰|だれ|どなた|どの方|どこ)"
JAPANESE_FRAMES = [
    rf"^(?P<t>.+?){_JA_ABOUT}\s*{_JA_WHO}か?(?:が)?\s*{_JA_SAID}.*$",
    rf"^{_JA_WHO}(?:が|か)\s*(?P<t>.+?){_JA_ABOUT}?\s*{_JA_SAID}.*$",
    rf"^(?P<t>.+?){_JA_ABOUT}?\s*(?:は)?{_JA_SAID}.*?(?:のは|人は|方は)?\s*{_JA_WHO}.*$",
    rf"^(?P<s>.+?)\s*(?:は|が)\s*(?P<t>.+?){_JA_ABOUT}(?:は)?\s*(?:何と|なんと|何を|なにを|どう|どのように)?\s*{_JA_SAID}.*$",
    rf"^(?P<s>.+?)\s*(?:は|が)\s*(?:何と|なんと|何を|なにを|どう|どのように)\s*{_JA_SAID}.*$",
    r"^(?P<s>.+?)\s*の(?:発言|意見|コメント|こめんと|発言内容|話)(?:を|の)?\s*(?:一覧|すべて|全て|全部)?\s*(?:を)?\s*"
    r"(?:見せて|教えて|表示して|出して)?\s*(?:ください|下さい)?(?:\s+(?P<t>.+))?$",
]
# Japanese written in romaji: "obira chocho wa nani wo itta", "hoikusho no hanashi wo shita no wa dare".
_RO_SAID = (
    r"(?:itta|iimashita|hanashita|hanashimashita|hatsugen\s*shita|hatsugen\s*shimashita|nobeta|nobemashita|shita)"
)
_RO_ABOUT = r"(?:ni\s*tsuite(?:\s+no)?|ni\s*kanshite|ni\s*kansuru|no\s+hanashi\s+(?:wo|o))"
_RO_WHAT = r"(?:(?:nani|nan)\s+(?:wo|o|to)\s+|dou\s+|nanto\s+)"
ROMAJI_FRAMES = [
    rf"^(?:dare|donata)\s+ga\s+(?P<t>.+?)\s+{_RO_ABOUT}\s+{_RO_SAID}(?:\s+(?:no|ka))*$",
    rf"^(?P<t>.+?)\s+(?:{_RO_ABOUT}\s+{_RO_SAID}|(?:wo|o)\s+(?:shite\s*iru|{_RO_SAID}))\s+no\s+wa\s+(?:dare|donata)"
    r"(?:\s+(?:desu|deshita|ka))*$",
    rf"^(?P<s>.+?)\s+(?:wa|ga)\s+(?P<t>.+?)\s+{_RO_ABOUT}\s+{_RO_WHAT}?{_RO_SAID}(?:\s+(?:no|ka))*$",
    rf"^(?P<s>.+?)\s+(?:wa|ga)\s+{_RO_WHAT}{_RO_SAID}(?:\s+(?:no|ka))*$",
    r"^(?P<s>.+?)\s+no\s+(?:hatsugen|iken|komento)(?:\s+(?:wo|o|zenbu|subete|ichiran|misete|kudasai))*$",
]
_COMPILED = [re.compile(p) for p in ENGLISH_FRAMES + JAPANESE_FRAMES + ROMAJI_FRAMES]
_TRAILING = re.compile(r"[\s?？!！。.、,]+$")


@dataclass(frozen=True)
class Frame:
    """What the question's shape says. `speaker` is None when the frame names no speaker.
    `explicit` frames must name a known speaker in their slot; the others ("X on Y",
    bare keywords) fall back to looking for a speaker anywhere in the question."""

    speaker: str | None
    topic: str
    explicit: bool
    topic_span: tuple[int, int]  # where the topic stands in the question
    speaker_span: tuple[int, int] = (0, 0)  # where the speaker slot stands


def read_frame(question: str) -> Frame:
    """Split a normalised question into its speaker slot and topic slot."""
    text = _TRAILING.sub("", question.strip())
    for pattern in _COMPILED:
        match = pattern.match(text)
        if match:
            speaker = (match.groupdict().get("s") or "").strip() or None
            explicit = pattern is not _COMPILED[len(ENGLISH_FRAMES) - 1]
            start, end = _slot_span(match, "t")
            return Frame(speaker, text[start:end], explicit, (start, end), _slot_span(match, "s"))
    return Frame(None, text, False, (0, len(text)))


def _slot_span(match: re.Match, slot: str) -> tuple[int, int]:
    """Where a slot's words stand, surrounding spaces left out; empty when the frame has no such slot."""
    if match.groupdict().get(slot) is None:
        return match.end(), match.end()
    start, end = match.span(slot)
    raw = match.group(slot)
    return start + len(raw) - len(raw.lstrip()), end - len(raw) + len(raw.rstrip())


# What a question asks about a meeting itself. Strong words ask it alone; weak ones (start, end) only
# beside a meeting word or a date, since "start-ups" or "the end of the ferry" are topics.
_STRONG_FACTS = {
    "place": r"\bwhere\b|\bvenue\b|\blocation\b|\bwhich\s+(?:building|hall|city|town|place)\b"
    r"|どこ|何処|場所|会場|開催地"
    r"|\bbasho\b|\bdoko\b",
    "date": r"\bwhen\b|\bwhat\s+(?:day|date)\b|\bwhich\s+(?:day|date)\b|\btitle\b"
    r"|いつ(?!も)|何日|日付|日にち|開催日|日時|日程"
    r"|会議名|名称|\bitsu\b",
    "time": r"\bwhat\s+time\b|\bhow\s+long\b|何時|なんじ|開始時|終了時",
    "agenda": r"\bagenda\b|\btheme\b|\bwhat\s+was\s+(?:the|that|this)\s+meeting\s+about\b|議題|議事|てーま|\bgidai\b",
    "attendees": r"\battend(?:ed|ees|ance|s)?\b|\bparticipa(?:nts?|ted)\b|\bwho\s+(?:was|were)\s+(?:there|present|at)\b"
    r"|\bwho\s+came\b|\btook\s+part\b"
    r"|出席|参加者|参加した|\bshusseki\b",
    "count": r"\bhow\s+many\s+(?:council\s+)?meetings\b|\bhow\s+many\s+times\b.*\b(?:met|meet|held|convened)\b"
    r"|\b(?:list|show)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?meetings\b|\b(?:which|what)\s+meetings\b"
    r"|会議は何回|何回の会議|会議の数|会議数|いくつの会議|会議の一覧|会議一覧|何回開",
}
_WEAK_FACTS = {
    "time": r"\bstart(?:ed|s)?\b|\bbeg[ai]n\b|\bend(?:ed|s)?\b|\bfinish(?:ed)?\b|開始|終了|始ま|終わ",
    "agenda": r"\bsubjects?\b|\btopics\b|\bdiscussion\b|\bwhat\s+happened\b|\bsummar(?:y|ise|ize)\b|\boverview\b"
    r"|内容|概要|まとめ",
}
_MEETING_WORD = re.compile(r"\b(?:meetings?|council|session)\b|会議|会合|\bkaigi\b")
_SAID_WORD = re.compile(
    rf"\b{_SAID}\b|\b(?:remarks?|comments?|statements?)\b|言[っいうわ]|話[しさす]|発言|述べ|語[っりら]|こめんと|触れ|ふれ|言及|意見"
)
_STRONG = {fact: re.compile(pattern) for fact, pattern in _STRONG_FACTS.items()}
_WEAK = {fact: re.compile(pattern) for fact, pattern in _WEAK_FACTS.items()}


def meeting_facts(question: str, names_meeting: bool) -> frozenset[str]:
    """The meeting fields a normalised question asks for ("place", "date", "time", "agenda", "attendees",
    "count"); none when it asks what someone said. `names_meeting`: a date or meeting is named in it."""
    if _SAID_WORD.search(question):
        return frozenset()
    facts = {fact for fact, pattern in _STRONG.items() if pattern.search(question)}
    if names_meeting or _MEETING_WORD.search(question):
        facts |= {fact for fact, pattern in _WEAK.items() if pattern.search(question)}
    return frozenset(facts)


def names_remarks(question: str) -> bool:
    """Whether a normalised question asks for remarks (発言, what … said) rather than a meeting."""
    return bool(_SAID_WORD.search(question))


# The order asked for: by meeting, newest first ("over time", これまで) or oldest first.
_NEWEST_FIRST = re.compile(
    r"\b(?:changed|evolved|developed)\s+over\s+time\b|\bover\s+time\b|\b(?:newest|latest|most\s+recent)\s+first\b"
    r"|\bin\s+reverse\s+chronological\s+order\b|\bby\s+meeting\b|(?:を|の)?\s*(?:新しい順|これまで|今まで|時系列|推移|経緯)(?:に|で|の)?"
)
_OLDEST_FIRST = re.compile(
    r"\b(?:oldest|earliest)\s+first\b|\bchronologically\b|\bin\s+chronological\s+order\b|(?:を)?\s*古い順(?:に|で)?"
)


def read_order(question: str) -> tuple[str | None, list[tuple[int, int]]]:
    """ "newest" or "oldest" when the question asks for remarks in order of meetings, and where it says so."""
    for order, pattern in (("oldest", _OLDEST_FIRST), ("newest", _NEWEST_FIRST)):
        spans = [m.span() for m in pattern.finditer(question)]
        if spans:
            return order, spans
    return None, []


# Words for every speaker: no speaker filter.
_EVERYONE = re.compile(
    r"(?i)\b(?:any\s*one|every\s*one|any\s*body|every\s*body|some\s*one|some\s*body"
    r"|all\s+(?:the\s+)?speakers|all\s+of\s+them)(?:'s|’s)?\b|皆さん|みなさん|みんな|皆様|全員"
)


def without_everyone(words: str) -> str:
    """Words as typed, "everyone", "anyone", 皆さん left out: they name no one in particular."""
    return _EVERYONE.sub(" ", words)


def is_everyone(words: str) -> bool:
    return bool(_EVERYONE.fullmatch(words.strip()))


# A greeting, thanks or a plea for help: answered with what the bot can do.
_SMALL_TALK = re.compile(
    r"(?:hi|hello|hey|yo|good\s+(?:morning|afternoon|evening|day)|thanks?(?:\s+you)?(?:\s+very\s+much)?|thank\s+you"
    r"|help|help\s+me|what\s+can\s+you\s+do|what\s+do\s+you\s+do|who\s+are\s+you"
    r"|how\s+(?:do|can)\s+i\s+use\s+(?:this|it|you)"
    r"|how\s+does\s+(?:this|it)\s+work|usage|こんにちは|こんばんは|おはよう(?:ございます)?|はじめまして|よろしく(?:お願いします)?"
    r"|ありがとう(?:ございます|ございました)?|どうも|へるぷ|使い方(?:を教えて(?:ください)?)?|何ができ(?:ますか|る(?:の)?)"
    r"|どう使う(?:の)?|どうやって使う(?:の)?|konnichiwa|ohayo)"
)
_SMALL_TALK_TRAILING = re.compile(r"[\s!！?？。.、,~〜]+$")


def is_small_talk(question: str) -> bool:
    """Whether a normalised question is a greeting, thanks, a plea for help, or empty."""
    text = _SMALL_TALK_TRAILING.sub("", question.strip())
    return not text or bool(_SMALL_TALK.fullmatch(re.sub(r"^(?:bot|remarks)[\s,:]+", "", text)))
