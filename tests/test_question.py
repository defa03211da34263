import pytest

from bot.core.question import read_frame
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
