"""The questions each benchmark profile asks, by kind; the latency table has one row per kind.

The kinds of the old profile are those of issue 6; the real profile adds the kinds the bot is being taught
(issue 15): date filters, several speakers, romaji topics, dictionary words and facts about meetings. A
question the bot does not understand yet is still timed: it costs what answering it costs today.
"""

from __future__ import annotations

from bench.corpus import Archive, era_year, fiscal_year

Question = tuple[str, str]  # (kind, question)

SPEAKER_AND_TOPIC = "speaker + topic"
TOPIC = "topic only"
SPEAKER = "speaker only"
MISTYPED = "romaji / typo speaker"
NO_MATCH = "unknown speaker or topic"
DATES = "date filter"
SEVERAL = "several speakers"
ROMAJI_TOPIC = "romaji topic"
DICTIONARY = "dictionary word"
MEETING = "meeting facts"

OLD_QUESTIONS: list[Question] = [
    (SPEAKER_AND_TOPIC, "what did 苫前町長 say about foreign workers"),
    (SPEAKER_AND_TOPIC, "苫前町長 外国人"),
    (SPEAKER_AND_TOPIC, "what did the Tomamae mayor say about hiring town staff"),
    (SPEAKER_AND_TOPIC, "留萌市長 奨学金"),
    (SPEAKER_AND_TOPIC, "Rumoi mayor regional project manager"),
    (SPEAKER_AND_TOPIC, "増毛町長は人口減少について何と言いましたか"),
    (SPEAKER_AND_TOPIC, "Obira mayor IoT"),
    (SPEAKER_AND_TOPIC, "Haboro mayor digital promotion division"),
    (MISTYPED, "Tomamai mayor foreign workers"),
    (MISTYPED, "Haboru mayor LINE app"),
    (SPEAKER_AND_TOPIC, "the mayor of Enbetsu on cooperation between municipalities"),
    (SPEAKER_AND_TOPIC, "天塩町長 新規就農"),
    (SPEAKER_AND_TOPIC, "chamber of commerce work experience for students"),
    (SPEAKER_AND_TOPIC, "観光連盟 若い人の条件"),
    (SPEAKER_AND_TOPIC, "JA Rumoi comprehensive partnership agreement"),
    (SPEAKER_AND_TOPIC, "商工会連合会 世代交代"),
    (SPEAKER_AND_TOPIC, "construction association member companies decreasing"),
    (SPEAKER_AND_TOPIC, "education bureau small schools"),
    (SPEAKER, "what did 天塩町長 say"),
    (SPEAKER, "remarks of the JA Rumoi head"),
    (SPEAKER, "Rumoi Subprefectural Bureau director"),
    (SPEAKER, "show me everything the construction association said"),
    (SPEAKER, "留萌振興局長の発言"),
    (TOPIC, "who talked about SNS"),
    (TOPIC, "誰が奨学金について話した"),
    (TOPIC, "who mentioned the Specified Skilled / trainee system"),
    (TOPIC, "除雪について話したのは誰"),
    (TOPIC, "who talked about snow removal and disaster prevention"),
    (TOPIC, "who talked about local allocation tax"),
    (TOPIC, "who talked about population decline"),
    (TOPIC, "事業承継について発言したのは誰"),
    (NO_MATCH, "what did 旭川市長 say"),
    (NO_MATCH, "who talked about space rockets"),
    (NO_MATCH, "what did the Tomamae mayor say about nuclear power"),
    (NO_MATCH, "Sapporo mayor tourism"),
    (SPEAKER_AND_TOPIC, "北見市長 連携"),
]


def real_questions(archive: Archive) -> list[Question]:
    """The real profile's mix: the old kinds over the new archive, and the new kinds. Questions naming a
    council's speakers or a month take them from the archive written, so that they name something there."""
    chair, member = archive.council_speakers[0], archive.council_speakers[3]
    last = archive.last_date
    assert last is not None
    month = f"{last.year}年{last.month}月"
    return [
        (SPEAKER_AND_TOPIC, "what did 苫前町長 say about foreign workers"),
        (SPEAKER_AND_TOPIC, "留萌市長 奨学金"),
        (SPEAKER_AND_TOPIC, "増毛町長は人口減少について何と言いましたか"),
        (SPEAKER_AND_TOPIC, "the mayor of Enbetsu on cooperation between municipalities"),
        (SPEAKER_AND_TOPIC, "北見市長 連携"),
        (SPEAKER_AND_TOPIC, f"{chair}は除雪について何と言った"),
        (SPEAKER_AND_TOPIC, "稚内市長 観光"),
        (TOPIC, "who talked about snow removal and disaster prevention"),
        (TOPIC, "除雪について話したのは誰"),
        (TOPIC, "事業承継について発言したのは誰"),
        (TOPIC, "who talked about offshore wind power"),
        (TOPIC, "smart agriculture"),
        (SPEAKER, "what did 天塩町長 say"),
        (SPEAKER, "remarks of the JA Rumoi head"),
        (SPEAKER, f"{member}の発言"),
        (SPEAKER, "事務局の発言"),
        (SPEAKER, "show me everything the Nayoro mayor said"),
        (MISTYPED, "Tomamai mayor foreign workers"),
        (MISTYPED, "tomamae mayer forein workers"),
        (MISTYPED, "Haboru mayor LINE app"),
        (MISTYPED, "Wakkanai mayer tourism"),
        (DATES, "what did 苫前町長 say at the last meeting"),
        (DATES, f"{month}の会議で除雪について話したのは誰"),
        (DATES, f"{fiscal_year(last)} 人口減少"),
        (DATES, f"who talked about foreign workers in {last.year - 6}"),
        (DATES, f"{era_year(last.replace(year=last.year - 8))} 奨学金"),
        (DATES, "what did the Rumoi mayor say about scholarships since 2020"),
        (SEVERAL, "Tomamae and Enbetsu on foreign workers"),
        (SEVERAL, "what did the mayors say about population decline"),
        (SEVERAL, "苫前町長と遠別町長の発言"),
        (SEVERAL, "留萌市長と羽幌町長は奨学金について何と言った"),
        (SEVERAL, "the chamber of commerce and JA Rumoi on successors"),
        (ROMAJI_TOPIC, "who talked about gaikokujin"),
        (ROMAJI_TOPIC, "josetsu"),
        (ROMAJI_TOPIC, "Tomamae shougakukin"),
        (ROMAJI_TOPIC, "jinkou genshou"),
        (DICTIONARY, "修学旅行について話したのは誰"),
        (DICTIONARY, "オンライン診療"),
        (DICTIONARY, "バイオガス発電について発言したのは誰"),
        (DICTIONARY, "市民参画"),
        (MEETING, "when was the last meeting"),
        (MEETING, "前回の会議の議題は"),
        (MEETING, f"who attended the meeting of {last.isoformat()}"),
        (MEETING, f"{fiscal_year(last)}の会議はいつ"),
        (MEETING, "where was the last meeting of the Rumoi council held"),
        (NO_MATCH, "what did 旭川市長 say"),
        (NO_MATCH, "who talked about space rockets"),
        (NO_MATCH, "what did the Tomamae mayor say about nuclear power"),
        (NO_MATCH, "Sapporo mayor tourism"),
    ]
