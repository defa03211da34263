"""Synthetic minutes archives for the benchmark, written as files in the layouts `python -m bot ingest` reads.

Two profiles:

- ``old``: the corpus of the first benchmark (issue 6), kept so that its figures stay comparable: meetings of
  50 remarks in the sample's layout, 41 speakers, every remark recombined from the sample's own clauses.
- ``real``: an archive that looks like a prefecture's: twenty years of meetings of several kinds of body (a
  regional council of mayors and organisations, municipal council committees, municipal advisory boards),
  each in its own layout (``＜苫前町長＞`` and bullets, ``○委員長(伊藤成一君)　…`` inline, ``（会長）``
  paragraphs, ``【…】`` headings), over 30 municipalities and organisations and several hundred speakers labelled
  as real minutes label them (市長, 町長, 委員長(伊藤成一君), 2番(佐藤君), 事務局…), councils and boards changing
  their members every four years. Remarks recombine clauses of every minutes file found at run time (the
  sample, the shared archive and the shared real minutes), so the vocabulary is more than one meeting's.
  Nothing of the shared files is stored in the repository.
"""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.documents import document_text
from bot.core.minutes import MinutesError, parse_minutes

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "rumoi-2025-10-08.txt"

# --- the old profile (issue 6), unchanged ------------------------------------------------------------------

REMARKS_PER_MEETING = 50
EXTRA_PLACES = ["北見", "網走", "紋別", "稚内", "名寄", "士別", "根室", "釧路", "帯広", "富良野", "深川", "滝川"]


def sample_clauses() -> tuple[list[str], list[str]]:
    """The sample's remark clauses to recombine, and its speaker labels."""
    minutes = parse_minutes(SAMPLE.read_text(encoding="utf-8"))
    clauses = [c for r in minutes.remarks for c in re.split(r"(?<=[、。])", r.text) if len(c) > 4]
    speakers = list(dict.fromkeys(r.speaker for r in minutes.remarks))
    return clauses, speakers


def write_old_archive(directory: Path, remarks: int, seed: int = 7) -> list[Path]:
    """Meetings in the sample's layout, REMARKS_PER_MEETING remarks each, speakers from a larger pool."""
    rng = random.Random(seed)
    clauses, sample_speakers = sample_clauses()
    pool = sample_speakers + [f"{place}市長" for place in EXTRA_PLACES] + [f"{p}商工会議所 会頭" for p in EXTRA_PLACES]
    paths = []
    for number in range(remarks // REMARKS_PER_MEETING):
        year = 2000 + number % 26
        lines = [
            f"第{number + 1}回 地域づくり連携会議 開催概要",
            "",
            "1 実施日時",
            "",
            f"令和{max(year - 2018, 1)}年（{max(year, 2019)}年）{number % 12 + 1}月{number % 28 + 1}日 14:00～16:00",
            "",
            "2 場 所",
            "",
            "公民館",
            "",
            "5 意見交換の主なコメント",
            "",
        ]
        speakers = rng.sample(pool, 10)
        for i in range(REMARKS_PER_MEETING):
            if i % 5 == 0:
                lines += ["", f"＜{speakers[i // 5]}＞", ""]
            text = "".join(rng.choice(clauses) for _ in range(rng.randint(2, 5))).rstrip("、") + "。"
            lines.append("- " + text.replace("\n", ""))
        path = directory / f"meeting-{number:06d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --- the real profile ----------------------------------------------------------------------------------------

# The regional council of the sample: its municipalities and organisations, labelled as its minutes label them.
RUMOI_MAYORS = ["留萌市長", "増毛町長", "小平町長", "苫前町長", "羽幌町長", "初山別村長", "遠別町長", "天塩町長"]
RUMOI_ORGANISATIONS = [
    "留萌商工会議所 会頭",
    "留萌観光連盟 会長",
    "るもい農業協同組合 組合長",
    "留萌管内商工会連合会 会長",
    "留萌金融協会 会長",
    "留萌建設協会 会長",
    "留萌開発建設部 部長",
    "留萌教育局 教育局長",
    "留萌振興局 局長",
]
# Other municipalities of Hokkaido (none of them is 旭川 or 札幌: the questions use those as unknown speakers).
CITIES = [
    "北見市",
    "網走市",
    "紋別市",
    "稚内市",
    "名寄市",
    "士別市",
    "根室市",
    "釧路市",
    "帯広市",
    "富良野市",
    "深川市",
    "滝川市",
]
TOWNS = ["美深町", "枝幸町", "浜頓別町", "中頓別町", "豊富町", "幌延町", "猿払村", "音威子府村", "下川町", "剣淵町"]
SURNAMES = [
    "伊藤",
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "前田",
    "藤田",
    "岡田",
    "後藤",
    "長谷川",
    "村上",
    "近藤",
    "石井",
    "坂本",
    "遠藤",
    "青木",
    "藤井",
    "西村",
    "福田",
]
GIVEN_NAMES = [
    "成一",
    "和夫",
    "健二",
    "正樹",
    "博之",
    "誠",
    "隆",
    "裕子",
    "恵美",
    "直樹",
    "浩",
    "美穂",
    "哲也",
    "明美",
    "勝",
    "修",
    "久美子",
    "大輔",
    "茂",
    "洋子",
    "剛",
    "真一",
    "智子",
    "弘",
]
WEEKDAYS = "月火水木金土日"
FIRST_DAY, LAST_DAY = datetime.date(2007, 1, 10), datetime.date(2026, 11, 20)
TERM_YEARS, TERMS = 4, 5


Turn = tuple[str, list[str]]  # a speaker's label and the remarks of one turn


@dataclass(frozen=True)
class Body:
    """A body that meets (a council, a committee, a board): its name, layout and speakers."""

    name: str
    layout: str  # "summary", "inline" or "paren"
    place: str
    terms: tuple[tuple[str, ...], ...]  # speakers of each four-year term (a regional council's labels never change)
    heading: str = "＜{}＞"  # how the summary layout writes a speaker heading
    sizes: tuple[int, int] = (20, 60)  # remarks per meeting

    def speakers_at(self, date: datetime.date) -> tuple[str, ...]:
        """Councils and boards are elected or appointed anew every four years: other people, other labels."""
        return self.terms[min((date.year - FIRST_DAY.year) // TERM_YEARS, len(self.terms) - 1)]


@dataclass
class Archive:
    """What was written: the files, and facts about them that questions refer to."""

    paths: list[Path] = field(default_factory=list)
    remarks: int = 0
    meetings: int = 0
    speakers: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None
    council_speakers: list[str] = field(default_factory=list)  # labels of the inline councils, in order


def default_shared() -> Path | None:
    """The shared evaluation folder beside the repository (or beside its worktrees' folder), if present."""
    return next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "minutes").is_dir()), None)


def minutes_sources(shared: Path | None) -> list[Path]:
    """The minutes files whose clauses the real profile recombines: the sample, and the shared ones present."""
    sources = [SAMPLE]
    if shared is not None:
        minutes = shared / "minutes"
        sources += sorted(minutes.glob("*.txt")) + sorted((minutes / "archive").glob("*.txt"))
        sources += sorted(p for p in (minutes / "real").glob("*") if p.suffix != ".md" and p.is_file())
    return list(dict.fromkeys(p.resolve() for p in sources if p.exists()))


_CLAUSE_END = re.compile(r"(?<=[、。，,])")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_RESIDUE = re.compile(r"[|()（）\s]")


def clause_pool(sources: list[Path]) -> list[str]:
    """Clauses of the sources' remarks, whatever their layout: a file the parser reads gives its remarks,
    any other its paragraphs (lines joined up to a blank line); a clause ends with 、 or 。 and is mostly kana
    and kanji, so that headers, tables and lists of names drop out."""
    clauses: list[str] = []
    for path in sources:
        try:
            text = document_text(path.read_bytes())
        except MinutesError:
            continue
        try:
            paragraphs = [remark.text for remark in parse_minutes(text).remarks]
        except MinutesError:
            paragraphs = ["".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n")]
        for paragraph in paragraphs:
            for clause in _CLAUSE_END.split(paragraph):
                clause = clause.strip()
                if 6 <= len(clause) <= 90 and clause[-1] in "、。，," and _is_speech(clause):
                    clauses.append(clause.replace("，", "、").replace(",", "、"))
    return list(dict.fromkeys(clauses))


def _is_speech(clause: str) -> bool:
    kana = len(_HIRAGANA.findall(clause))
    latin = sum(1 for c in clause if unicodedata.normalize("NFKC", c).isascii() and not c.isspace())
    # Brackets and spaces inside a clause are the residue of flattened tables and inline speaker labels.
    starts_as_speech = re.match(r"[\u3041-\u30ff\u4e00-\u9fff]", clause) is not None  # no bullet, mark or number
    mostly_kana = kana >= 3 and kana * 4 >= len(clause) and latin * 3 < len(clause)
    return starts_as_speech and mostly_kana and not _RESIDUE.search(clause)


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)


def bodies(rng: random.Random) -> list[Body]:
    """The bodies of the archive, with speakers named the way each layout names them."""
    result = [
        Body(
            "留萌地域づくり連携会議",
            "summary",
            "羽幌町立中央公民館",
            (tuple(RUMOI_MAYORS + RUMOI_ORGANISATIONS),),
            "＜{}＞",
            (30, 60),
        )
    ]
    for region, cities in (
        ("宗谷", CITIES[3:4] + TOWNS[:8]),
        ("オホーツク・道北", CITIES[:3] + CITIES[4:6]),
        ("道東・道央", CITIES[6:] + TOWNS[8:]),
    ):
        labels = [f"{c}長" for c in cities] + [f"{c[:-1]}商工会議所 会頭" for c in cities if c.endswith("市")]
        labels += [f"{c[:-1]}観光協会 会長" for c in cities[:3]] + [f"{region}総合振興局 局長"]
        result.append(
            Body(
                f"{region}地域首長懇談会",
                "summary",
                f"{cities[0]}役場 大会議室",
                (tuple(labels),),
                "【{}】" if len(result) % 2 else "<{}>",
                (20, 50),
            )
        )
    for index, city in enumerate(CITIES + TOWNS[:4]):
        terms = tuple(_council_labels(rng, city, index) for _ in range(TERMS))
        result.append(Body(f"{city}議会 総務常任委員会", "inline", f"{city}議会 第1委員会室", terms, sizes=(40, 140)))
    for index, town in enumerate(TOWNS[4:] + CITIES[:4]):
        head = [f"{town[:-1]}市民協働課長" if town.endswith("市") else f"{town}まちづくり課長"] if index % 2 else []
        terms = tuple(
            ("会長", "副会長", "委員", "事務局", *(f"{_person(rng)[0]}委員" for _ in range(4)), *head)
            for _ in range(TERMS)
        )
        result.append(Body(f"{town}まちづくり審議会", "paren", f"{town}役場 会議室", terms, sizes=(15, 45)))
    return result


def _council_labels(rng: random.Random, city: str, index: int) -> tuple[str, ...]:
    """A council committee's speakers for one term, labelled as inline minutes label them."""
    head = city[-1] + "長"
    honorific = "君" if index % 3 else ""  # some councils write 委員長(伊藤成一君), others 委員長(伊藤成一)
    people = [_person(rng) for _ in range(9)]
    labels = [f"委員長({''.join(people[0])}{honorific})", f"副委員長({''.join(people[1])}{honorific})"]
    labels += [f"{n}番({people[n + 1][0]}{honorific or '委員'})" for n in range(1, 5)]
    labels += [
        head if index % 2 else f"{head}({''.join(people[6])}{honorific})",
        f"総務課長({''.join(people[7])}{honorific})",
        f"企画課長({''.join(people[8])}{honorific})",
    ]
    return tuple(labels)


def era_year(date: datetime.date) -> str:
    """令和6年, 令和元年, 平成30年: the era of the day (令和 from 2019-05-01)."""
    if date >= datetime.date(2019, 5, 1):
        number = date.year - 2018
        return f"令和{'元' if number == 1 else number}年"
    return f"平成{date.year - 1988}年"


def fiscal_year(date: datetime.date) -> str:
    """令和6年度 (April to March); the fiscal year that starts in April 2019 is 令和元年度."""
    year = date.year if date.month >= 4 else date.year - 1
    return f"令和{'元' if year == 2019 else year - 2018}年度" if year >= 2019 else f"平成{year - 1988}年度"


def _written_date(date: datetime.date, western: bool) -> str:
    year = f"{era_year(date)}（{date.year}年）" if western else era_year(date)
    return f"{year}{date.month}月{date.day}日（{WEEKDAYS[date.weekday()]}）"


class RemarkWriter:
    """Remarks of 1–8 clauses drawn from the pool, each clause from anywhere in it."""

    def __init__(self, clauses: list[str], rng: random.Random):
        self.clauses, self.rng = clauses, rng

    def remark(self) -> str:
        count = self.rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8))
        text = "".join(self.rng.choice(self.clauses) for _ in range(count)).rstrip("、")
        return text if text.endswith("。") else text + "。"


def _summary(body: Body, title: str, date: datetime.date, turns: list[Turn]) -> list[str]:
    attendees = "、".join(dict.fromkeys(label for label, _ in turns))
    lines = [
        title,
        "",
        "1 実施日時",
        "",
        _written_date(date, True) + "14:00～16:00",
        "",
        "2 場 所",
        "",
        body.place,
        "",
        "3 主な出席者",
        "",
        attendees,
        "",
        "4 議 題",
        "",
        "- (1) 意見交換",
        "",
        "5 意見交換の主なコメント",
        "",
    ]
    for label, remarks in turns:
        lines += [body.heading.format(label), "", *(f"- {remark}" for remark in remarks), ""]
    return lines


def _inline(body: Body, title: str, date: datetime.date, turns: list[Turn]) -> list[str]:
    lines = [
        title,
        "",
        "　　　　" + _written_date(date, False),
        "　　　　" + body.place,
        "",
        "　　開会　午前10時00分",
        "",
    ]
    for label, remarks in turns:
        lines += [f"○{label}　{remarks[0]}", ""]
        lines += [part for remark in remarks[1:] for part in ("　" + remark, "")]
    return lines


def _paren(body: Body, title: str, date: datetime.date, turns: list[Turn]) -> list[str]:
    lines = [
        title,
        "",
        "1 日時",
        "",
        _written_date(date, False) + "午後6時30分から午後8時まで",
        "",
        "2 場所",
        "",
        body.place,
        "",
        "3 出席者",
        "",
        "委員 " + " ".join(label for label in body.speakers_at(date) if "委員" in label),
        "",
        "4 意見交換",
        "",
    ]
    for label, remarks in turns:
        lines += [f"（{label}）", *remarks, ""]
    return lines


LAYOUTS = {"summary": _summary, "inline": _inline, "paren": _paren}


def _meeting_plan(rng: random.Random, all_bodies: list[Body], remarks: int) -> Iterator[tuple[Body, int]]:
    """Which body meets, and with how many remarks, until the archive holds `remarks`: every body first once."""
    left, order = remarks, list(all_bodies)
    while left > 0:
        body = order.pop(0) if order else rng.choice(all_bodies)
        size = min(left, rng.randint(*body.sizes))
        left -= size
        yield body, size


def write_real_archive(directory: Path, remarks: int, shared: Path | None, seed: int = 11) -> Archive:
    rng = random.Random(seed)
    clauses = clause_pool(minutes_sources(shared))
    writer = RemarkWriter(clauses, rng)
    all_bodies = bodies(rng)
    plan = list(_meeting_plan(rng, all_bodies, remarks))
    archive = Archive()
    span = (LAST_DAY - FIRST_DAY).days
    counters: dict[tuple[str, str], int] = {}
    for number, (body, size) in enumerate(plan):
        # Meetings in date order over twenty years; the first ones cycle through every body.
        date = FIRST_DAY + datetime.timedelta(days=span * number // max(len(plan) - 1, 1))
        key = (body.name, fiscal_year(date))
        counters[key] = counters.get(key, 0) + 1
        title = f"{fiscal_year(date)} 第{counters[key]}回 {body.name} " + (
            "開催概要" if body.layout == "summary" else "会議録"
        )
        turns = _turns(rng, body.layout, body.speakers_at(date), size, writer)
        path = directory / f"{date.isoformat()}-{number:06d}.txt"
        path.write_text("\n".join(LAYOUTS[body.layout](body, title, date, turns)) + "\n", encoding="utf-8")
        archive.paths.append(path)
        archive.remarks += size
        archive.speakers.update(label for label, _ in turns)
        archive.first_date = archive.first_date or date
        archive.last_date = date
    archive.meetings = len(plan)
    archive.organisations = {name for b in all_bodies for name in _organisations(b)}
    archive.council_speakers = [label for b in all_bodies if b.layout == "inline" for label in b.terms[-1]]
    return archive


def _organisations(body: Body) -> list[str]:
    if body.layout == "summary":
        return [label.split(" ")[0] if " " in label else label[:-1] for label in body.terms[0]]
    return [body.name.split("議会")[0].split("まちづくり")[0]]


def _turns(rng: random.Random, layout: str, speakers: tuple[str, ...], size: int, writer: RemarkWriter) -> list[Turn]:
    """Speaker turns of 1–4 remarks; the summary layout gives each speaker one turn, the others alternate."""
    turns: list[Turn] = []
    left = size
    if layout == "summary":
        chosen = rng.sample(speakers, min(len(speakers), max(1, size // 3)))
        for index, label in enumerate(chosen):
            count = left if index == len(chosen) - 1 else min(left, rng.randint(1, 5))
            if count > 0:
                turns.append((label, [writer.remark() for _ in range(count)]))
                left -= count
        return turns
    while left > 0:
        count = min(left, rng.randint(1, 4))
        label = rng.choice(speakers)
        if turns and turns[-1][0] == label:
            turns[-1][1].extend(writer.remark() for _ in range(count))
        else:
            turns.append((label, [writer.remark() for _ in range(count)]))
        left -= count
    return turns
