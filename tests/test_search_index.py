"""Candidates and counts from one index query per topic group are those of a query for all groups at once."""

import pytest
from sqlmodel import select

from storage import search_index
from storage.models import Speaker
from storage.queries import Scope

GROUPS = [
    [["人材", "人手"], ["確保", "採用"]],  # two common groups
    [["人材"], ["奨学金"]],  # a common group and a rare one
    [["奨学金"], ["ferry"], ["企業"]],  # and one the minutes lack
]
SCOPES = [Scope(), Scope(speaker_ids=(1, 2, 3)), Scope(meeting_ids=(1,)), Scope(newest_id=30)]


@pytest.mark.parametrize("groups", GROUPS)
@pytest.mark.parametrize("limit, enough, cap", [(200, 20, 1000), (3, 2, 3), (2, 5, 1)])  # small: reads stop early
@pytest.mark.parametrize("scope", SCOPES)
def test_search_finds_what_the_index_finds_for_every_group_together(sample_session, groups, limit, enough, cap, scope):
    session = sample_session
    ids = search_index.candidate_ids(session, groups, scope, limit, enough)
    counts = [search_index.count_matching(session, terms, scope, 49, cap) for terms in groups]
    assert search_index.search(session, groups, scope, limit, enough, cap, 49) == (ids, counts)
    assert ids  # the sample has remarks on these


def test_a_term_holding_another_term_of_its_group_is_not_looked_up_again():
    # A remark with 外国人材 has 外国人; one with "mail" has no word "ai", and one with 市長 no lone 市.
    terms = ("外国人", "外国人材", "在留外国人", "ai", "mail", "市", "市長", "foreign worker", "foreign workers")
    assert search_index._phrases(terms) == [
        ("外国", "国人"),
        ("ai",),
        ("mail",),
        ("市",),
        ("市長",),
        ("foreign", "worker"),
        ("foreign", "workers"),
    ]


@pytest.mark.parametrize("meeting_ids", [None, (1,)])
def test_a_scope_of_every_speaker_finds_what_one_of_no_speaker_finds(sample_session, meeting_ids):
    """Few speakers are tokens of the index query; on PostgreSQL more are bounded by their column instead."""
    everyone = tuple(sample_session.exec(select(Speaker.id)).all())
    assert len(everyone) > search_index.FEW_SPEAKERS
    for speakers in (everyone, everyone[: search_index.FEW_SPEAKERS]):
        for groups in GROUPS:
            unbounded = search_index.candidate_ids(sample_session, groups, Scope(meeting_ids=meeting_ids), 200, 20)
            bounded = search_index.candidate_ids(sample_session, groups, Scope(speakers, meeting_ids), 200, 20)
            assert bounded == unbounded if speakers == everyone else set(bounded) <= set(unbounded)
