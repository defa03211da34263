"""Finding candidate remarks without reading them all.

SQLite: an FTS5 table over character bigrams of the normalised text (Latin
words stay whole). FTS5's trigram tokenizer cannot look up terms shorter than
three characters, and two-character words are everyday Japanese (連携, 除雪,
観光), so bigrams it is: a term is the phrase of its bigrams, which matches
exactly where the term is a substring. The table is contentless (the text
already lives in `remark`), and carries one token per speaker so that the
speaker filter is an index lookup too.

Other databases (PostgreSQL): LIKE on the normalised text, which a pg_trgm GIN
index serves for terms of three characters or more.

Either way the ranking re-checks every candidate, so the index only has to
find a superset.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, or_, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, func, select

from storage.models import Remark

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


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "sqlite"


def create_index(connection: Connection) -> None:
    """Create the search index if missing. Runs at start-up; costs nothing when it exists."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("CREATE VIRTUAL TABLE IF NOT EXISTS remark_index USING fts5(tokens, content='', tokenize='unicode61')")
        )
    elif connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        connection.execute(
            text("CREATE INDEX IF NOT EXISTS ix_remark_trgm ON remark USING gin (normalized_text gin_trgm_ops)")
        )


def index_remarks(session: Session, remarks: list[tuple[int, int, str]]) -> None:
    """Add (remark id, speaker id, normalised text) to the index."""
    if is_sqlite(session) and remarks:
        session.execute(
            text("INSERT INTO remark_index(rowid, tokens) VALUES (:id, :tokens)"),
            [{"id": rid, "tokens": _indexed_text(norm, sid)} for rid, sid, norm in remarks],
        )


def unindex_remarks(session: Session, remarks: list[tuple[int, int, str]]) -> None:
    """Remove remarks from the index; a contentless FTS5 table needs the tokens it was given."""
    if is_sqlite(session) and remarks:
        session.execute(
            text("INSERT INTO remark_index(remark_index, rowid, tokens) VALUES ('delete', :id, :tokens)"),
            [{"id": rid, "tokens": _indexed_text(norm, sid)} for rid, sid, norm in remarks],
        )


def _phrase(term: str) -> str | None:
    tokens = search_tokens(term)
    return '"' + " ".join(tokens) + '"' if tokens else None


def _match_expression(groups: list[list[str]], speaker_ids: list[int] | None, all_groups: bool) -> str | None:
    clauses = []
    for terms in groups:
        phrases = [p for p in map(_phrase, terms) if p]
        if phrases:
            clauses.append("(" + " OR ".join(phrases) + ")")
    if not clauses:
        return None
    expression = (" AND " if all_groups else " OR ").join(clauses)
    if speaker_ids is not None:
        speakers = " OR ".join(_speaker_token(s) for s in speaker_ids)
        expression = f"({speakers}) AND ({expression})"
    return expression


def candidate_ids(session: Session, groups: list[list[str]], speaker_ids: list[int] | None, limit: int) -> list[int]:
    """Ids of remarks answering the topic groups (each a list of alternative terms), newest first:
    those answering every group first, then those answering any, `limit` at most."""
    ids: list[int] = []
    for all_groups in ([True, False] if len(groups) > 1 else [False]):
        if len(ids) >= limit:
            break
        found = _matching_ids(session, groups, speaker_ids, all_groups, limit)
        ids += [i for i in found if i not in set(ids)][: limit - len(ids)]
    return ids


def _matching_ids(session: Session, groups, speaker_ids, all_groups: bool, limit: int) -> list[int]:
    if is_sqlite(session):
        expression = _match_expression(groups, speaker_ids, all_groups)
        if expression is None:
            return []
        rows = session.execute(
            text("SELECT rowid FROM remark_index WHERE remark_index MATCH :q ORDER BY rowid DESC LIMIT :n"),
            {"q": expression, "n": limit},
        )
        return [row[0] for row in rows]
    conditions = [_contains_any(terms) for terms in groups if terms]
    if not conditions:
        return []
    query = select(Remark.id).where(and_(*conditions) if all_groups else or_(*conditions))
    if speaker_ids is not None:
        query = query.where(col(Remark.speaker_id).in_(speaker_ids))
    return list(session.exec(query.order_by(col(Remark.id).desc()).limit(limit)))


def _contains_any(terms: list[str]):
    return or_(*(col(Remark.normalized_text).contains(t, autoescape=True) for t in terms))


def count_matching(session: Session, terms: list[str], speaker_ids: list[int] | None, cap: int) -> int:
    """How many remarks contain any of the terms, counted up to `cap` (enough to weigh a term's rarity)."""
    if is_sqlite(session):
        expression = _match_expression([terms], speaker_ids, all_groups=False)
        if expression is None:
            return 0
        return session.execute(
            text("SELECT count(*) FROM (SELECT 1 FROM remark_index WHERE remark_index MATCH :q LIMIT :cap)"),
            {"q": expression, "cap": cap},
        ).scalar_one()
    query = select(Remark.id).where(_contains_any(terms))
    if speaker_ids is not None:
        query = query.where(col(Remark.speaker_id).in_(speaker_ids))
    return session.exec(select(func.count()).select_from(query.limit(cap).subquery())).one()
