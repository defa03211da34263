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
_SAID = r"(?:say|said|says|talk|talked|speak|spoke|mention|mentioned|think|thought|comment|commented|state|stated|discuss|discussed)"

# Each pattern names its slots: s (speaker), t (topic). A pattern with no s asks "who".
ENGLISH_FRAMES = [
    rf"^(?:what|wht|wat)\s+(?:did|does|do|has|have|had)\s+(?P<s>.+?)\s+{_SAID}(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^(?:what|how)\s+(?:was|is|are|were)\s+(?P<s>.+?)(?:'s|’s)?\s+(?:view|views|opinion|opinions|position|stance|take)\s+{_ABOUT}\s+(?P<t>.+)$",
    rf"^who\s+(?:else\s+)?(?:has\s+|have\s+|had\s+|did\s+)?{_SAID}(?:\s+(?:anything|something))?(?:\s+{_ABOUT})?\s+(?P<t>.+)$",
    rf"^(?:who|which\s+\w+)\s+(?:was|were|is|are)\s+(?:talking|speaking|concerned)\s+{_ABOUT}\s+(?P<t>.+)$",
    rf"^(?:(?:show|list|give|find)\s+(?:me\s+)?)?(?:all\s+|the\s+)?(?:remarks|comments|statements|words|things\s+said)\s+(?:by|of|from)\s+(?P<s>.+?)(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    rf"^(?:(?:show|list|give|tell)\s+(?:me\s+)?)?(?:everything|all|anything|what)\s+(?:that\s+)?(?P<s>.+?)\s+(?:has\s+|had\s+)?{_SAID}(?:\s+{_ABOUT}\s+(?P<t>.+))?$",
    # "X on Y" last: only a speaker that resolves makes it a frame (see Frame.explicit).
    r"^(?P<s>.+?)\s+on\s+(?P<t>.+)$",
]
_JA_ABOUT = r"(?:について|に関して|に関し|に関する|についての|のこと|を|に)"
_JA_SAID = r"(?:言|い[っいうえ]|話|発言|述べ|語|コメント|こめんと|触れ|ふれ|言及|意見)"
_JA_WHO = r"(?:誰|だれ|どなた|どの方|どこ)"
JAPANESE_FRAMES = [
    rf"^{_JA_WHO}(?:が|か)\s*(?P<t>.+?){_JA_ABOUT}?\s*{_JA_SAID}.*$",
    rf"^(?P<t>.+?){_JA_ABOUT}?\s*(?:は)?{_JA_SAID}.*?(?:のは|人は|方は)?\s*{_JA_WHO}.*$",
    rf"^(?P<s>.+?)\s*(?:は|が)\s*(?P<t>.+?){_JA_ABOUT}(?:は)?\s*(?:何と|なんと|何を|なにを|どう|どのように)?\s*{_JA_SAID}.*$",
    rf"^(?P<s>.+?)\s*(?:は|が)\s*(?:何と|なんと|何を|なにを|どう|どのように)\s*{_JA_SAID}.*$",
    r"^(?P<s>.+?)\s*の(?:発言|意見|コメント|こめんと|発言内容|話)(?:一覧|すべて|全て|全部)?(?:\s+(?P<t>.+))?$",
]
_COMPILED = [re.compile(p) for p in ENGLISH_FRAMES + JAPANESE_FRAMES]
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


def read_frame(question: str) -> Frame:
    """Split a normalised question into its speaker slot and topic slot."""
    text = _TRAILING.sub("", question.strip())
    for pattern in _COMPILED:
        match = pattern.match(text)
        if match:
            speaker = (match.groupdict().get("s") or "").strip() or None
            explicit = pattern is not _COMPILED[len(ENGLISH_FRAMES) - 1]
            start, end = _slot_span(match, "t")
            return Frame(speaker, text[start:end], explicit, (start, end))
    return Frame(None, text, False, (0, len(text)))


def _slot_span(match: re.Match, slot: str) -> tuple[int, int]:
    """Where a slot's words stand, surrounding spaces left out; empty when the frame has no such slot."""
    if match.groupdict().get(slot) is None:
        return match.end(), match.end()
    start, end = match.span(slot)
    raw = match.group(slot)
    return start + len(raw) - len(raw.lstrip()), end - len(raw) + len(raw.rstrip())
