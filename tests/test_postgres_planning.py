"""PostgreSQL plans each search statement for its own terms: the search tokens carry a large statistics target
(revision 0010) and statements are not prepared, so no plan made for any parameters is reused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.engine import database_url, get_engine, upgrade_database
from tests.conftest import new_database


def test_a_migrated_database_keeps_statistics_on_many_search_tokens(request, tmp_path: Path) -> None:
    url = database_url(new_database(request, "postgresql", tmp_path), Path("."))
    upgrade_database(url)
    with get_engine(url).connect() as connection:
        target = connection.execute(
            text(
                "SELECT attstattarget FROM pg_attribute"
                " WHERE attrelid = 'remark_search'::regclass AND attname = 'tokens'"
            )
        ).scalar_one()
    assert target == 10000


def test_a_statement_run_many_times_is_never_prepared(request, tmp_path: Path) -> None:
    url = database_url(new_database(request, "postgresql", tmp_path), Path("."))
    with get_engine(url).connect() as connection:
        for term in ["除雪", "観光", "元宵", "参画", "減少", "人口", "宇宙", "空間"]:
            connection.execute(
                text("SELECT count(*) FROM remark_search WHERE tokens @@ to_tsquery('simple', :q)"), {"q": term}
            )
        prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    assert prepared == 0
