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

The ranking re-checks every candidate, so the index only has to find a superset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from storage.queries import Scope

_WORD = re.compile(r"[a-z0-9]+|[^\W_a-z0-9]+")


def search_tokens(normalized: str) -> list[str]:
    """Latin words whole, other runs of letters as overlapping bigrams (a lone character as itself)."""
    tokens: list[str] = []
    for run in _WORD.findall(normalized):
        if run.isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def _speaker_token(speaker_id: int) -> str:
    return f"zspeaker{speaker_id}"


def _indexed_text(normalized: str, speaker_id: int) -> str:
    return " ".join([_speaker_token(speaker_id), *search_tokens(normalized)])


@dataclass(frozen=True)
class Dialect:
    """How one database spells the index and its queries."""

    create: tuple[str, ...]
    insert: str
    delete: str | None  # None: the database removes index rows with their remark
    match: str  # selects remark ids matching :q
    id_column: str  # the remark id in `match`
    # The id tested against a meeting's remarks. SQLite: "+rowid", so that FTS5 filters its matches by
    # them instead of running the whole match once per remark of the meetings (seconds instead of ms).
    scope_column: str
    phrase: str  # joins the tokens of one term
    any_of: str
    all_of: str
    quote: str  # around a phrase
    # PostgreSQL: how many of the newest remarks to search first. Its planner cannot tell a rare term
    # from a common one, and either plan is slow on the other: reading the newest rows until enough
    # match is quick for a common term; a rare term has few matches to sort.
    recent_window: int | None = None


SQLITE = Dialect(
    create=("CREATE VIRTUAL TABLE IF NOT EXISTS remark_index USING fts5(tokens, content='', tokenize='unicode61')",),
    insert="INSERT INTO remark_index(rowid, tokens) VALUES (:id, :tokens)",
    delete="INSERT INTO remark_index(remark_index, rowid, tokens) VALUES ('delete', :id, :tokens)",
    match="SELECT rowid AS id FROM remark_index WHERE remark_index MATCH :q",
    id_column="rowid",
    scope_column="+rowid",
    phrase=" ",
    any_of=" OR ",
    all_of=" AND ",
    quote='"',
)
POSTGRESQL = Dialect(
    create=(
        "CREATE TABLE IF NOT EXISTS remark_search ("
        " remark_id integer PRIMARY KEY REFERENCES remark (id) ON DELETE CASCADE, tokens tsvector NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_remark_search_tokens ON remark_search USING gin (tokens)",
    ),
    insert="INSERT INTO remark_search (remark_id, tokens) VALUES (:id, to_tsvector('simple', :tokens))",
    delete=None,
    match="SELECT remark_id AS id FROM remark_search WHERE tokens @@ to_tsquery('simple', :q)",
    id_column="remark_id",
    scope_column="remark_id",
    phrase=" <-> ",
    any_of=" | ",
    all_of=" & ",
    quote="",
    recent_window=20000,
)
DIALECTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
ESTIMATE_WINDOW = 5000  # PostgreSQL: the newest remarks a term's frequency is estimated from


def _dialect(bind: Connection | Session) -> Dialect:
    name = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    return DIALECTS[name]


def create_index(connection: Connection) -> None:
    """Create the search index if missing. Runs at start-up; costs nothing when it exists."""
    for statement in _dialect(connection).create:
        connection.execute(text(statement))


def index_remarks(session: Session, remarks: list[tuple[int, int, str]]) -> None:
    """Add (remark id, speaker id, normalised text) to the index."""
    if remarks:
        rows = [{"id": rid, "tokens": _indexed_text(norm, sid)} for rid, sid, norm in remarks]
        session.execute(text(_dialect(session).insert), rows)


def unindex_remarks(session: Session, remarks: list[tuple[int, int, str]]) -> None:
    """Remove remarks, about to be deleted, from the index."""
    dialect = _dialect(session)
    if remarks and dialect.delete:
        rows = [{"id": rid, "tokens": _indexed_text(norm, sid)} for rid, sid, norm in remarks]
        session.execute(text(dialect.delete), rows)


def _query(
    dialect: Dialect, groups: list[list[str]], speaker_ids: tuple[int, ...] | None, all_groups: bool
) -> str | None:
    clauses = []
    for terms in groups:
        phrases = [dialect.quote + dialect.phrase.join(t) + dialect.quote for t in map(search_tokens, terms) if t]
        if phrases:
            clauses.append("(" + dialect.any_of.join(f"({p})" for p in phrases) + ")")
    if not clauses:
        return None
    query = (dialect.all_of if all_groups else dialect.any_of).join(clauses)
    if speaker_ids is not None:
        query = f"({_speakers(dialect, speaker_ids)}){dialect.all_of}({query})"
    return query


def _speakers(dialect: Dialect, speaker_ids: tuple[int, ...]) -> str:
    return dialect.any_of.join(_speaker_token(s) for s in speaker_ids)


def _match(dialect: Dialect, scope: Scope) -> str:
    """The dialect's match, bounded to the scope's meetings and newest remark inside the query. With meetings,
    the scope's speakers are bounded there too, from their index (see `_speakers_in_match`)."""
    sql = dialect.match
    if scope.meeting_ids is not None:
        meetings = ", ".join(str(int(m)) for m in scope.meeting_ids) or "NULL"
        if scope.speaker_ids is None:
            remarks = f"meeting_id IN ({meetings})"
        else:  # + 0: see storage.queries._in_scope
            speakers = ", ".join(str(int(s)) for s in scope.speaker_ids) or "NULL"
            remarks = f"speaker_id IN ({speakers}) AND meeting_id + 0 IN ({meetings})"
        sql += f" AND {dialect.scope_column} IN (SELECT id FROM remark WHERE {remarks})"
    if scope.newest_id is not None:
        sql += f" AND {dialect.id_column} <= {int(scope.newest_id)}"
    return sql


def _speakers_in_match(scope: Scope) -> tuple[int, ...] | None:
    """The speakers the index query itself names: those of a scope without meetings (with meetings, `_match`
    bounds them, which costs less than the index merging every remark of a dozen speakers)."""
    return scope.speaker_ids if scope.meeting_ids is None else None


def candidate_ids(session: Session, groups: list[list[str]], scope: Scope, limit: int, enough: int) -> list[int]:
    """Ids of remarks in scope answering the topic groups (each a list of alternative terms), newest first, at
    most `limit`: those answering every group, then, unless there are `enough` of them, those answering any."""
    dialect = _dialect(session)
    ids: list[int] = []
    for all_groups in [True, False] if len(groups) > 1 else [False]:
        query = _query(dialect, groups, _speakers_in_match(scope), all_groups)
        if query is None or len(ids) >= enough:
            break
        seen = set(ids)
        match = _match(dialect, scope)
        found = _newest_matching(session, dialect, match, query, limit, enough, scope.meeting_ids is None)
        ids += [i for i in found if i not in seen][: limit - len(ids)]
    return ids


def _newest_matching(
    session: Session, dialect: Dialect, match: str, query: str, limit: int, enough: int, whole_archive: bool
) -> list[int]:
    def ids(sql: str, **values) -> list[int]:
        return list(session.execute(text(sql), {"q": query, "n": limit, **values}).scalars().all())

    if dialect.recent_window is None:
        return ids(f"{match} ORDER BY rowid DESC LIMIT :n")
    if not whole_archive:
        # A few meetings' remarks: few matches to sort (+ 0: see below).
        return ids(f"{match} ORDER BY remark_id + 0 DESC LIMIT :n")
    newest = session.execute(text("SELECT max(remark_id) FROM remark_search")).scalar() or 0
    floor = newest - dialect.recent_window
    recent = ids(f"{match} AND remark_id > :floor ORDER BY remark_id DESC LIMIT :n", floor=floor)
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
    query = _query(dialect, [terms], _speakers_in_match(scope), all_groups=False)
    if query is None:
        return 0
    if dialect.recent_window is None or scope.meeting_ids is not None:
        statement = text(f"SELECT count(*) FROM ({_match(dialect, scope)} LIMIT :cap) AS found")
        return session.execute(statement, {"q": query, "cap": cap}).scalar_one()
    # A LIMITed subquery reads just the newest rows, whatever the planner thinks of the terms; the share
    # of those in scope (the speaker's) that match, times the remarks in scope, estimates the count.
    in_scope = "true" if scope.speaker_ids is None else "tokens @@ to_tsquery('simple', :scope)"
    statement = text(
        f"SELECT count(*) FILTER (WHERE tokens @@ to_tsquery('simple', :q)), count(*) FILTER (WHERE {in_scope})"
        " FROM (SELECT tokens FROM remark_search ORDER BY remark_id DESC LIMIT :window) AS recent"
    )
    values = {"q": query, "window": ESTIMATE_WINDOW, "scope": _speakers(dialect, scope.speaker_ids or ())}
    found, in_scope = session.execute(statement, values).one()
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
