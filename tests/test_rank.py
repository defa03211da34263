"""Ranking: the best few remarks are those of the whole ranking, found segmenting as few remarks as it takes."""

import datetime

import pytest

from bot.core import search
from bot.core.search import Candidate, rank
from bot.core.text import normalize
from bot.core.topics import TopicGroup

# 合戦 must stand as a word: it does in 獲得合戦, not in 総合戦略 (合戦 inside 総合戦略).
TEXTS = [
    "人材の獲得合戦になる",
    "第3期総合戦略を策定した",
    "獲得合戦が続き、総合戦略も見直す",
    "観光の振興について",
    "人材の獲得合戦、観光客の誘致",
    "観光と総合戦略",
    "獲得合戦の話",
    "総合戦略の話、観光も",
    "人材獲得の合戦、観光",  # 獲得合戦 loosely: a question's own word is matched loosely where no term is found
]
TOPICS = (
    TopicGroup("合戦", "合戦", None, {"合戦": 1.0, "獲得": 0.5}, whole_words=frozenset({"合戦"})),
    TopicGroup("観光", "観光", None, {"観光": 1.0}),
)


# The question's own word, four characters or more, matches loosely where none of its terms is found as a word.
LOOSE_TOPICS = (
    TopicGroup("獲得合戦", "獲得合戦", None, {"獲得合戦": 1.0, "合戦": 0.5}, whole_words=frozenset({"合戦"})),
    TOPICS[1],
)


def candidates(count: int) -> list[Candidate]:
    first = datetime.date(2020, 4, 1)
    return [
        Candidate(i + 1, normalize(TEXTS[i % len(TEXTS)]) + f"{i}。", first + datetime.timedelta(days=i // 3), i % 3)
        for i in range(count)
    ]


@pytest.mark.parametrize("topics", [TOPICS, LOOSE_TOPICS])
def test_the_best_few_are_the_start_of_the_whole_ranking(topics):
    remarks = candidates(45)
    whole = rank(topics, remarks, total=1000, frequencies=[12, 300])
    assert [h.candidate.remark_id for h in whole][:3] != [c.remark_id for c in remarks][:3]  # not the given order
    for limit in (1, 2, 5, 17, 45, 100):
        assert rank(topics, remarks, total=1000, frequencies=[12, 300], limit=limit) == whole[:limit]


def test_a_word_of_the_question_not_found_as_a_word_is_matched_loosely():
    hits = rank(LOOSE_TOPICS[:1], candidates(9), total=1000, frequencies=[0])
    shown = {h.candidate.normalized_text.rstrip("0123456789。"): h.score for h in hits}
    assert normalize("第3期総合戦略を策定した") not in shown
    assert shown[normalize("人材獲得の合戦、観光")] < shown[normalize("人材の獲得合戦になる")]


def test_a_whole_word_term_inside_a_compound_scores_nothing():
    hits = rank(TOPICS[:1], candidates(8), total=1000, frequencies=[0])
    shown = {h.candidate.normalized_text.rstrip("0123456789。"): h.terms for h in hits}
    assert normalize("第3期総合戦略を策定した") not in shown
    assert shown[normalize("人材の獲得合戦になる")] == ("合戦", "獲得")


def test_only_remarks_that_could_be_among_the_best_are_segmented():
    remarks = candidates(200)
    search._token_starts.cache_clear()
    best = rank(TOPICS, remarks, total=1000, frequencies=[12, 300], limit=5)
    assert len(best) == 5
    assert search._token_starts.cache_info().misses <= 20  # of the 150 remarks holding 合戦 as letters


def test_a_remark_is_segmented_only_if_it_could_be_among_the_best_when_its_words_fail():
    """The question's own word is absent; its parts are found, one to confirm as a word. A remark whose word
    fails scores as loosely matching the question's word or not at all: which one, it is not segmented to know."""
    topics = (
        TopicGroup(
            "市民参画", "市民参画", None, {"市民参画": 1.0, "市民": 0.5, "参加": 0.5}, whole_words=frozenset({"参加"})
        ),
    )
    texts = ["市民の声を聞く", "事業に参加した", "市民の参加を求める"]
    first = datetime.date(2020, 4, 1)
    remarks = [
        Candidate(i, normalize(texts[i % 3]) + f"{i}。", first + datetime.timedelta(days=i), 0) for i in range(200)
    ]
    search._token_starts.cache_clear()
    best = rank(topics, remarks, total=1000, frequencies=[50], limit=5)
    assert [h.candidate.remark_id for h in best] == [197, 194, 191, 188, 185]  # both words, the newest first
    assert search._token_starts.cache_info().misses <= 10  # of the 133 remarks holding 参加
