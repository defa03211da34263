"""PostgreSQL plans each search statement for its own terms: the search tokens carry a large statistics target
(revision 0010) and statements are not prepared, so no plan made for any parameters is reused. Each index row
holds its remark's speaker and meeting (revision 0012), which bound a question's scope."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlmodel import Session

from bot.core.speakers import default_alias_table
from bot.ingest import ingest_minutes
from storage.engine import database_url, get_engine, upgrade_database
from storage.migrate import MIGRATIONS
from tests.conftest import SAMPLE, new_database


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


def test_revision_0012_gives_stored_remarks_index_rows_their_speaker_and_meeting(request, tmp_path: Path) -> None:
    url = database_url(new_database(request, "postgresql", tmp_path), Path("."))
    engine = get_engine(url)
    with Session(engine) as session:
        ingest_minutes(session, SAMPLE.read_bytes(), SAMPLE.name, default_alias_table())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
        command.upgrade(config, "0012")
    with engine.connect() as connection:
        remarks, alike = connection.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE search.speaker_id = remark.speaker_id"
                " AND search.meeting_id = remark.meeting_id)"
                " FROM remark JOIN remark_search AS search ON search.remark_id = remark.id"
            )
        ).one()
    assert remarks == alike == 49
