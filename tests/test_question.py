import pytest

from bot.core.question import is_everyone, is_small_talk, meeting_facts, read_frame, read_order, without_everyone
from bot.core.text import normalize


@pytest.mark.parametrize(
    "question, speaker, topic, explicit",
    [
        ("what did 苫前町長 say about foreign workers", "苫前町長", "foreign workers", True),
        ("What did the Tomamae mayor say about hiring town staff?", "the tomamae mayor", "hiring town staff", True),
        ("what did 天塩町長 say", "天塩町長", "", True),
        ("what has the JA head said on scholarships", "the ja head", "scholarships", True),
        ("who talked about SNS", None, "sns", True),
        ("who mentioned the Specified Skilled / trainee system", None, "the specified skilled / trainee system", True),
        ("Who spoke about snow removal?", None, "snow removal", True),
        ("remarks by the Rumoi mayor", "the rumoi mayor", "", True),
        ("remarks of the JA Rumoi head", "the ja rumoi head", "", True),
        ("show me everything the Haboro mayor said", "the haboro mayor", "", True),
        ("show me everything the Haboro mayor said about AI", "the haboro mayor", "ai", True),
        ("Tomamae mayor on foreign workers", "tomamae mayor", "foreign workers", False),
        ("増毛町長は人口減少について何と言いましたか", "増毛町長", "人口減少", True),
        ("苫前町長は外国人材についてどう話した？", "苫前町長", "外国人材", True),
        ("天塩町長は何と言った", "天塩町長", "", True),
        ("奨学金について話したのは誰", None, "奨学金", True),
        ("誰が奨学金について話した", None, "奨学金", True),
        ("除雪に触れたのは誰ですか", None, "除雪", True),
        ("留萌市長の発言", "留萌市長", "", True),
        ("苫前町長 外国人", None, "苫前町長 外国人", False),
        ("Obira mayor IoT", None, "obira mayor iot", False),
    ],
)
def test_read_frame(question, speaker, topic, explicit):
    frame = read_frame(normalize(question, keep_spaces=True))
    assert (frame.speaker, frame.topic, frame.explicit) == (speaker, topic, explicit)


@pytest.mark.parametrize(
    "question, speaker, topic",
    [
        ("did any of the mayors talk about high school graduates?", "any of the mayors", "high school graduates"),
        ("原子力発電について誰か話しましたか", None, "原子力発電"),
        ("what was said about offshore wind", None, "offshore wind"),
        ("what was discussed", None, ""),
        ("留萌市長の発言を全部見せて", "留萌市長", ""),
        ("obira chocho no hatsugen", "obira chocho", ""),
        ("obira chocho wa nani wo itta", "obira chocho", ""),
        ("hoikusho no hanashi wo shita no wa dare", None, "hoikusho"),
        ("shogakukin henkan shien wo shiteiru no wa dare", None, "shogakukin henkan shien"),
        ("tomamae chocho wa gaikokujin ni tsuite nani wo itta", "tomamae chocho", "gaikokujin"),
    ],
)
def test_read_frame_of_more_shapes(question, speaker, topic):
    frame = read_frame(normalize(question, keep_spaces=True))
    assert (frame.speaker, frame.topic) == (speaker, topic)


@pytest.mark.parametrize(
    "question, facts",
    [
        ("where was the meeting held", {"place"}),
        ("前回の会議はいつでしたか", {"date"}),
        ("what time did the meeting start", {"time"}),
        ("会議は何時に終わりましたか", {"time"}),
        ("what was on the agenda", {"agenda"}),
        ("議題を教えて", {"agenda"}),
        ("what was the theme of the discussion", {"agenda"}),
        ("who attended the meeting", {"attendees"}),
        ("how many meetings were there", {"count"}),
        ("how many times has the council met", {"count"}),
        ("list the meetings", {"count"}),
        ("前回の会議の内容は", {"agenda"}),
        ("which building was the last meeting in", {"place"}),
        ("who was at the first meeting", {"attendees"}),
        ("開催地はどこ", {"place"}),
        ("zenkai no kaigi no basho wa doko desu ka", {"place"}),
        ("who talked about the start of the ferry season", set()),  # about remarks
        ("苫前町長はいつ洋上風力について話しましたか", set()),
        ("start-ups in rural areas", set()),  # a weak word alone is a topic
    ],
)
def test_meeting_facts(question, facts):
    assert meeting_facts(normalize(question, keep_spaces=True), names_meeting=False) == facts


def test_weak_fact_words_count_beside_a_named_meeting():
    assert meeting_facts(normalize("when did the February 2025 one end"), names_meeting=True) == {"date", "time"}


@pytest.mark.parametrize(
    "question, order",
    [
        ("how have the Haboro mayor's remarks on islands changed over time?", "newest"),
        ("留萌市長のアウトドア観光についての発言を新しい順に", "newest"),
        ("これまでの苫前町長の発言", "newest"),
        ("苫前町長の発言を古い順に", "oldest"),
        ("remarks on snow removal, oldest first", "oldest"),
        ("who talked about snow removal", None),
    ],
)
def test_read_order(question, order):
    assert read_order(normalize(question, keep_spaces=True))[0] == order


@pytest.mark.parametrize(
    "question, small_talk",
    [
        ("", True),
        ("   ", True),
        ("hi", True),
        ("Good morning!", True),
        ("thanks", True),
        ("help", True),
        ("what can you do?", True),
        ("how do I use this?", True),
        ("こんにちは", True),
        ("ありがとうございます。", True),
        ("使い方を教えて", True),
        ("ヘルプ", True),
        ("help with snow removal", False),
        ("who talked about help desks", False),
        ("ありがとう券について", False),
    ],
)
def test_small_talk(question, small_talk):
    assert is_small_talk(normalize(question, keep_spaces=True)) is small_talk


@pytest.mark.parametrize(
    "words, everyone",
    [
        ("everyone", True),
        ("anyone", True),
        ("Everybody", True),
        ("皆さん", True),
        ("all the speakers", True),
        ("the mayors", False),
        ("everyone else in tomamae", False),
    ],
)
def test_everyone_names_no_one_in_particular(words, everyone):
    assert is_everyone(normalize(words, keep_spaces=True)) is everyone
    if everyone:
        assert without_everyone("what " + words + " said").split() == ["what", "said"]


def test_a_second_name_of_the_speaker_in_the_slot_is_no_topic(table, glossary):
    from bot.core.search import understand
    from bot.core.speakers import KnownSpeaker, SpeakerDirectory

    speakers = SpeakerDirectory([KnownSpeaker(1, "事務局(中)", "事務局", ("事務局", "secretariat", "naka"))])
    u = understand("remarks of the secretariat (Naka)", speakers, table, glossary)
    assert [s.label for s in u.speaker.speakers] == ["事務局(中)"] and u.topics == ()
    u = understand("remarks of the secretariat on the budget", speakers, table, glossary)
    assert [g.label for g in u.topics] == ["budget"]
