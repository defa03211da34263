"""Finding candidate remarks without reading them all: an index over character bigrams.

Every remark's normalised text is indexed as tokens: Latin words whole, other
runs of letters as overlapping bigrams (外国人材 → 外国 国人 人材), plus one token
naming its speaker. A term is looked up as the phrase of its bigrams, which
matches exactly where the term is a substring; the speaker filter is a token
lookup too.

Why bigrams: FTS5's trigram tokenizer and pg_trgm cannot look up terms shorter
than three characters, and two-character words are everyday Japanese (連携,
除雪, 観光): LIKE on the base table for those would read the whole archive.

- SQLite: a contentless FTS5 table `remark_index` (the text already lives in
  `remark`; deleting from it needs the tokens again, which are recomputed).
- PostgreSQL: a table `remark_search` of tsvectors ('simple' configuration)
  with a GIN index; phrases use `<->`. It needs a UTF-8 database whose
  LC_CTYPE knows Japanese letters (C.UTF-8), else the parser drops them.
  Each row also holds its remark's speaker and meeting, each with a btree
  index, which bound a question's scope; the GIN index also holds the
  remark id (btree_gin), so that it alone finds the matches among the
  newest remarks (revision 0012).

The ranking re-checks every candidate, so the index only has to find a superset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from storage.queries import Scope, first_column, id_list, in_scope
from storage.search_tokens import remark_tokens, search_tokens

SPEAKER_TOKEN = "zspeaker"  # and the speaker's id


def _speaker_token(speaker_id: int) -> str:
    return f"{SPEAKER_TOKEN}{speaker_id}"


def indexed_text(normalized: str, speaker_id: int) -> str:
    """What the index holds of a remark: its speaker's token, then `remark_tokens`."""
    return f"{_speaker_token(speaker_id)} {remark_tokens(normalized)}"


@dataclass(frozen=True)
class Dialect:
    """How one database spells the index and its queries."""

    create: tuple[str, ...]
    insert: str
    # The staged remarks of :import_id (storage.models.StagedRemark) once they are the meeting :meeting_id's.
    insert_staged: str
    # Remarks of a meeting's previous version, by their staged tokens (StagedUnindex); None: the database
    # removes index rows with their remark.
    delete_staged: str | None
    match: str  # selects remark ids matching :q
    id_column: str  # the remark id in `match`
    # Whether the index rows hold their remark's speaker_id and meeting_id (PostgreSQL), which then bound the
    # scope: the planner ANDs their btree indexes with the GIN index's matches. Else the speakers are tokens
    # of the query and the meetings' remarks are read from `remark` (see `_match`).
    scope_columns: bool
    phrase: str  # joins the tokens of one term
    any_of: str
    all_of: str
    quote: str  # around a phrase
    # PostgreSQL: how many of the newest remarks to search first. Its planner cannot tell a rare term
    # from a common one, and either plan is slow on the other: reading the newest rows until enough
    # match is quick for a common term; a rare term has few matches to sort.
    recent_window: int | None = None
    # SQLite: how many segments the index is in, and merging about :pages pages of them (see `merge_segments`).
    segments: str | None = None
    merge: str | None = None


# Each staged remark, found by its position among the meeting's remarks, with its speaker's token.
_STAGED = (
    "SELECT remark.id, {tokens} FROM remark JOIN stagedremark ON stagedremark.import_id = :import_id"
    " AND stagedremark.position = remark.position WHERE remark.meeting_id = :meeting_id ORDER BY remark.id"
)
_STAGED_TOKENS = f"'{SPEAKER_TOKEN}' || remark.speaker_id || ' ' || stagedremark.tokens"
SQLITE = Dialect(
    create=("CREATE VIRTUAL TABLE IF NOT EXISTS remark_index USING fts5(tokens, content='', tokenize='unicode61')",),
    insert="INSERT INTO remark_index(rowid, tokens) VALUES (:id, :tokens)",  # the speaker is in the tokens
    insert_staged="INSERT INTO remark_index(rowid, tokens) " + _STAGED.format(tokens=_STAGED_TOKENS),
    delete_staged="INSERT INTO remark_index(remark_index, rowid, tokens)"
    " SELECT 'delete', remark_id, tokens FROM stagedunindex WHERE import_id = :import_id",
    match="SELECT rowid AS id FROM remark_index WHERE remark_index MATCH :q",
    id_column="rowid",
    scope_columns=False,
    phrase=" ",
    any_of=" OR ",
    all_of=" AND ",
    quote='"',
    # Each segment has a row per page in remark_index_idx. A negative :pages merges segments of every level.
    segments="SELECT count(DISTINCT segid) FROM remark_index_idx",
    merge="INSERT INTO remark_index(remark_index, rank) VALUES ('merge', :pages)",
)
POSTGRESQL = Dialect(
    create=(
        "CREATE TABLE IF NOT EXISTS remark_search ("
        " remark_id integer PRIMARY KEY REFERENCES remark (id) ON DELETE CASCADE,"
        " speaker_id integer NOT NULL, meeting_id integer NOT NULL, tokens tsvector NOT NULL)",
        "CREATE EXTENSION IF NOT EXISTS btree_gin",
        "CREATE INDEX IF NOT EXISTS ix_remark_search_tokens ON remark_search USING gin (tokens, remark_id)",
        "CREATE INDEX IF NOT EXISTS ix_remark_search_speaker_id ON remark_search (speaker_id)",
        "CREATE INDEX IF NOT EXISTS ix_remark_search_meeting_id ON remark_search (meeting_id)",
        # Revision 0010: statistics on enough tokens that the planner takes an absent one for rare.
        "ALTER TABLE remark_search ALTER COLUMN tokens SET STATISTICS 10000",
    ),
    insert="INSERT INTO remark_search (remark_id, speaker_id, meeting_id, tokens)"
    " VALUES (:id, :speaker_id, :meeting_id, to_tsvector('simple', :tokens))",
    insert_staged="INSERT INTO remark_search (remark_id, speaker_id, meeting_id, tokens) "
    + _STAGED.format(tokens=f"remark.speaker_id, remark.meeting_id, to_tsvector('simple', {_STAGED_TOKENS})"),
    delete_staged=None,
    match="SELECT remark_id AS id FROM remark_search WHERE tokens @@ to_tsquery('simple', :q)",
    id_column="remark_id",
    scope_columns=True,
    phrase=" <-> ",
    any_of=" | ",
    all_of=" & ",
    quote="",
    recent_window=20000,
)
DIALECTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
ESTIMATE_WINDOW = 5000  # PostgreSQL: the newest remarks a term's frequency is estimated from
FEW_SPEAKERS = 8  # PostgreSQL: at most this many speakers are tokens of the index query (see `_speakers_in_match`)
NEWEST_FIRST_WINDOW = 2000  # PostgreSQL: the newest remarks read in order first (see `_newest_matching`)


def _dialect(bind: Connection | Session) -> Dialect:
    name = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    return DIALECTS[name]


def create_index(connection: Connection) -> None:
    """Create the search index if missing. Runs at start-up; costs nothing when it exists."""
    for statement in _dialect(connection).create:
        connection.execute(text(statement))


def index_remarks(session: Session, remarks: list[tuple[int, int, int, str]]) -> None:
    """Add (remark id, speaker id, meeting id, normalised text) to the index."""
    if remarks:
        rows = [
            {"id": rid, "speaker_id": sid, "meeting_id": mid, "tokens": indexed_text(norm, sid)}
            for rid, sid, mid, norm in remarks
        ]
        session.execute(text(_dialect(session).insert), rows)


def index_staged(session: Session, import_id: int, meeting_id: int) -> int:
    """Index a staged import's remarks, just stored as the meeting's (one statement); how many were."""
    values = {"import_id": import_id, "meeting_id": meeting_id}
    return session.connection().execute(text(_dialect(session).insert_staged), values).rowcount


def unindex_staged(session: Session, import_id: int) -> int:
    """Remove from the index the remarks a staged import replaces, about to be deleted (one statement); how many
    were (0 where the database removes them with the remarks)."""
    statement = _dialect(session).delete_staged
    return session.connection().execute(text(statement), {"import_id": import_id}).rowcount if statement else 0


def index_segments(session: Session) -> int:
    """How many segments the index is in (SQLite; 0 on PostgreSQL). FTS5 adds one per transaction that writes to
    it and merges them only four at a level, and a query reads a term's matches in every one: an archive
    imported file by file is in a dozen or more, which makes a common term's look-up two to four times slower."""
    statement = _dialect(session).segments
    return session.execute(text(statement)).scalar_one() if statement else 0


def merge_segments(session: Session, pages: int, start: bool) -> bool:
    """Merge about `pages` pages of the index's segments into one (SQLite), in the session's transaction; `start`:
    the first step, which makes every segment part of the merge. Whether there was work: then there may be
    more, else they are one. Answers are the same before and after."""
    statement = _dialect(session).merge
    if statement is None:
        return False
    changes = text("SELECT total_changes()")
    before = session.execute(changes).scalar_one()
    session.execute(text(statement), {"pages": -pages if start else pages})
    # A step that merged nothing counts at most one change (FTS5's documentation of 'merge').
    return session.execute(changes).scalar_one() - before >= 2


def needs_tokens_to_unindex(session: Session) -> bool:
    """Whether removing a remark from the index takes its tokens (SQLite's contentless index): an import stages
    them for the remarks it replaces."""
    return _dialect(session).delete_staged is not None


@lru_cache(maxsize=1024)
def _phrases(terms: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The terms' token sequences, but those holding another's: a remark with 外国人材 has 外国人 too, and the
    index spends on each phrase as its tokens are common."""
    sequences = list(dict.fromkeys(tuple(tokens) for tokens in map(search_tokens, terms) if tokens))
    return [s for s in sequences if not any(other != s and _holds(s, other) for other in sequences)]


def _holds(tokens: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(tokens[i : i + len(part)] == part for i in range(len(tokens) - len(part) + 1))


def _query(
    dialect: Dialect, groups: list[list[str]], speaker_ids: tuple[int, ...] | None, all_groups: bool
) -> str | None:
    clauses = []
    for terms in groups:
        phrases = [dialect.quote + dialect.phrase.join(t) + dialect.quote for t in _phrases(tuple(terms))]
        if phrases:
            clauses.append("(" + dialect.any_of.join(f"({p})" for p in phrases) + ")")
    if not clauses:
        return None
    query = (dialect.all_of if all_groups else dialect.any_of).join(clauses)
    if speaker_ids is not None:
        speakers = dialect.any_of.join(_speaker_token(s) for s in speaker_ids)
        query = f"({speakers}){dialect.all_of}({query})"
    return query


def _match(dialect: Dialect, scope: Scope) -> str:
    """The dialect's match, bounded to the scope's meetings and newest remark inside the query; to its speakers
    too where the index rows hold them (see `Dialect.scope_columns`), or, on SQLite, with meetings (see
    `_speakers_in_match`), the matches read being those in the span of the scope's remark ids."""
    sql = dialect.match
    if dialect.scope_columns:
        if scope.speaker_ids is not None and _speakers_in_match(dialect, scope) is None:
            sql += f" AND speaker_id IN ({id_list(scope.speaker_ids)})"
        if scope.meeting_ids is not None:
            sql += f" AND meeting_id IN ({id_list(scope.meeting_ids)})"
    elif scope.meeting_ids is not None:
        span = scope.span
        if span is not None:  # FTS5 reads its matches in the span alone
            sql += f" AND rowid BETWEEN {int(span.low)} AND {int(span.high)}"
        if span is not None and span.dense:
            sql += f" AND EXISTS (SELECT 1 FROM remark WHERE remark.id = remark_index.rowid AND {in_scope(scope)})"
        else:
            # +rowid: FTS5 then filters its matches by these ids instead of running the whole match once per
            # remark of the meetings (seconds instead of ms).
            sql += f" AND +rowid IN (SELECT id FROM remark WHERE {in_scope(scope)})"
    if scope.newest_id is not None:
        sql += f" AND {dialect.id_column} <= {int(scope.newest_id)}"
    return sql


def _speakers_in_match(dialect: Dialect, scope: Scope) -> tuple[int, ...] | None:
    """The speakers the index query itself names, as tokens. SQLite: those of a scope without meetings (with
    meetings, `_match` bounds them, which costs less than the index merging every remark of a dozen speakers).
    PostgreSQL: a few, which GIN intersects with the terms' matches cheaply; for more (the mayors: 65) it would
    check every remark of any of them, and `_match` bounds them by their column instead."""
    if scope.speaker_ids is None:
        return None
    if dialect.scope_columns:
        return scope.speaker_ids if len(scope.speaker_ids) <= FEW_SPEAKERS else None
    return scope.speaker_ids if scope.meeting_ids is None else None


def candidate_ids(session: Session, groups: list[list[str]], scope: Scope, limit: int, enough: int) -> list[int]:
    """Ids of remarks in scope answering the topic groups (each a list of alternative terms), newest first, at
    most `limit`: those answering every group, then, unless there are `enough` of them, those answering any."""
    ids: list[int] = []
    for all_groups in [True, False] if len(groups) > 1 else [False]:
        found = _newest_answering(session, groups, scope, limit, enough, all_groups) if len(ids) < enough else None
        if found is None:
            break
        seen = set(ids)
        ids += [i for i in found if i not in seen][: limit - len(ids)]
    return ids


def _newest_answering(
    session: Session, groups: list[list[str]], scope: Scope, limit: int, enough: int, all_groups: bool
) -> list[int] | None:
    """The newest `limit` remarks in scope answering every group (or any); None when no group has a term."""
    dialect = _dialect(session)
    query = _query(dialect, groups, _speakers_in_match(dialect, scope), all_groups)
    if query is None:
        return None
    return _newest_matching(session, dialect, _match(dialect, scope), query, limit, enough, scope.meeting_ids is None)


def search(
    session: Session, groups: list[list[str]], scope: Scope, limit: int, enough: int, cap: int, total: int
) -> tuple[list[int], list[int]]:
    """`candidate_ids` and, with several groups, `count_matching` of each group ([0] with one group, whose
    weight scales every score alike). On SQLite, from one query per group (see `_from_each_group`) rather than
    one per group for the counts and two for the candidates; a scope with meetings is searched faster given
    its span (see `_match`, queries.scope_extent)."""
    dialect = _dialect(session)
    if len(groups) < 2:
        return candidate_ids(session, groups, scope, limit, enough), [0]
    if dialect.recent_window is None:
        return _from_each_group(session, groups, scope, limit, enough, cap)
    counts = [count_matching(session, terms, scope, total, cap) for terms in groups]
    return candidate_ids(session, groups, scope, limit, enough), counts


def _from_each_group(
    session: Session, groups: list[list[str]], scope: Scope, limit: int, enough: int, cap: int
) -> tuple[list[int], list[int]]:
    """What `search` returns, from the newest `cap` (at least `limit`) matches of each group, combined here.

    Combining them is exact down to the oldest match read of the groups that have more (`floor`). Below it,
    the remarks answering every group are those of a group read whole that the index finds answering the
    others; those answering any, when too few are above it, are asked of the index like the rest."""
    fetch = max(limit, cap)
    each: list[tuple[list[str], list[int]]] = []  # (terms, their matches newest first), of groups with search terms
    counts = []
    for terms in groups:
        found = _newest_answering(session, [terms], scope, fetch, fetch, all_groups=False)
        counts.append(min(len(found or []), cap))
        if found is not None:
            each.append((terms, found))
    if not each:
        return [], counts
    floor = max((found[-1] for _, found in each if len(found) == fetch), default=0)

    def newest(ids: set[int], all_groups: bool) -> list[int]:
        exact = sorted((i for i in ids if i >= floor), reverse=True)
        if len(exact) >= limit or not floor:
            return exact[:limit]
        return _newest_answering(session, groups, scope, limit, enough, all_groups) or []

    whole = [(terms, found) for terms, found in each if len(found) < fetch]
    if whole:
        fewest = min(whole, key=lambda group: len(group[1]))
        ids = sorted(_answering_every_group(session, each, fewest, fetch), reverse=True)[:limit]
    else:
        ids = newest(set.intersection(*(set(found) for _, found in each)), all_groups=True)
    if len(ids) < enough:
        seen = set(ids)
        ids += [i for i in newest(set().union(*(found for _, found in each)), False) if i not in seen][
            : limit - len(ids)
        ]
    return ids, counts


def _answering_every_group(
    session: Session, each: list[tuple[list[str], list[int]]], fewest: tuple[list[str], list[int]], fetch: int
) -> set[int]:
    """Which matches of `fewest`, a group read whole (its terms and matches in scope), answer every group, from
    each group's newest `fetch` matches, the index asked about those older than what was read of a group that
    has more."""
    candidates = set(fewest[1])
    for terms, found in each:
        if len(found) < fetch:
            candidates &= set(found)
        else:
            unknown = [i for i in candidates if i < found[-1]]
            candidates = (candidates & set(found)) | _matching_among(session, terms, fewest[0], unknown)
    return candidates


def _matching_among(session: Session, terms: list[str], theirs: list[str], ids: list[int]) -> set[int]:
    """Which of these remarks, all containing one of the terms `theirs`, contain one of `terms` (SQLite). Asked
    for both, the index skips from one of the rarer group's matches to the next instead of reading every match
    of the commoner one."""
    if not ids:
        return set()
    query = _query(SQLITE, [terms, theirs], None, all_groups=True)
    statement = f"{SQLITE.match} AND rowid BETWEEN :low AND :high"
    found = first_column(session, statement, {"q": query, "low": min(ids), "high": max(ids)})
    return set(found).intersection(ids)


def _newest_matching(
    session: Session, dialect: Dialect, match: str, query: str, limit: int, enough: int, whole_archive: bool
) -> list[int]:
    def ids(sql: str, **values) -> list[int]:
        return first_column(session, sql, {"q": query, "n": limit, **values})

    if dialect.recent_window is None:
        return ids(f"{match} ORDER BY rowid DESC LIMIT :n")
    if not whole_archive:
        # A few meetings' remarks: few matches to sort (+ 0: see below).
        return ids(f"{match} ORDER BY remark_id + 0 DESC LIMIT :n")
    newest = session.execute(text("SELECT max(remark_id) FROM remark_search")).scalar() or 0
    # A common term: `limit` matches among the newest few, read in order (the same as in the whole window).
    floor = newest - NEWEST_FIRST_WINDOW
    first = ids(f"{match} AND remark_id > :floor ORDER BY remark_id DESC LIMIT :n", floor=floor)
    if len(first) >= limit:
        return first
    # Else the window's matches from the index, not each row read in order: the planner takes matching a
    # row for nearly free, where it costs about 10 µs (+ 0 keeps it from reading the primary key in order).
    floor = newest - dialect.recent_window
    recent = ids(f"{match} AND remark_id > :floor ORDER BY remark_id + 0 DESC LIMIT :n", floor=floor)
    if len(recent) >= enough:
        return recent
    # Too few among the newest: a rare term, whose few matches are cheap to sort (+ 0 keeps the planner
    # from walking the whole primary key instead).
    return ids(f"{match} ORDER BY remark_id + 0 DESC LIMIT :n")


def count_matching(session: Session, terms: list[str], scope: Scope | None, total: int, cap: int) -> int:
    """How many of the `total` remarks in scope (None: all) contain any of the terms, up to `cap`: enough to
    weigh a term's rarity. On PostgreSQL, over the whole archive, an estimate from the newest remarks: counting
    through its index costs as much as the term is common."""
    scope = scope or Scope()
    dialect = _dialect(session)
    query = _query(dialect, [terms], _speakers_in_match(dialect, scope), all_groups=False)
    if query is None:
        return 0
    if dialect.recent_window is None or scope.meeting_ids is not None:
        statement = text(f"SELECT count(*) FROM ({_match(dialect, scope)} LIMIT :cap) AS found")
        return session.execute(statement, {"q": query, "cap": cap}).scalar_one()
    # The share of the newest remarks in scope (the speakers') that match, times the remarks in scope, estimates
    # the count. The newest are those from the id of the ESTIMATE_WINDOW-th newest on: a range of the primary
    # key, which the planner ANDs with the index's matches, instead of evaluating the query on each of them
    # (up to 100 ms for a topic of many terms).
    oldest = text("SELECT remark_id FROM remark_search ORDER BY remark_id DESC OFFSET :skip LIMIT 1")
    floor = session.execute(oldest, {"skip": ESTIMATE_WINDOW - 1}).scalar() or 0
    recent = "FROM remark_search WHERE remark_id >= :floor"
    if scope.speaker_ids is not None:
        recent += f" AND speaker_id IN ({id_list(scope.speaker_ids)})"
    statement = text(
        f"SELECT (SELECT count(*) {recent} AND tokens @@ to_tsquery('simple', :q)), (SELECT count(*) {recent})"
    )
    found, in_scope = session.execute(statement, {"q": query, "floor": floor}).one()
    return min(cap, round(found / in_scope * total)) if in_scope else 0


PRESENCE_BATCH = 100  # terms looked up in one statement (SQLite allows 500 selects in a compound one)


def present_terms(session: Session, terms: list[str]) -> set[str]:
    """Which of the normalised terms occur in some remark: one indexed look-up each, stopping at the first, in
    one statement for many terms (a statement costs more to run than such a look-up)."""
    dialect = _dialect(session)
    queries = [(term, query) for term in terms if (query := _query(dialect, [[term]], None, all_groups=False))]
    found = set()
    for batch in range(0, len(queries), PRESENCE_BATCH):
        chosen = queries[batch : batch + PRESENCE_BATCH]
        statement = " UNION ALL ".join(
            f"SELECT {i} AS found WHERE EXISTS ({dialect.match.replace(':q', f':q{i}')})" for i in range(len(chosen))
        )
        values = {f"q{i}": query for i, (_, query) in enumerate(chosen)}
        found |= {chosen[i][0] for i in session.execute(text(statement), values).scalars()}
    return found
