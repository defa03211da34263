"""Alembic's environment. `python -m bot db upgrade` (storage.migrate) runs it on a connection of its
own; developers' `alembic` commands on the database DATABASE_URL names, as the bot would."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import context
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from storage.migrate import include_object


def render_item(type_: str, obj, _autogen_context) -> str | bool:
    """Write the models' own column types (sqlmodel's AutoString, storage's UTCDateTime) as the plain
    SQLAlchemy types they store as: a revision must not import today's model code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=SQLModel.metadata, include_object=include_object, render_item=render_item
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from storage.engine import database_url, locked_transaction, new_engine

    with locked_transaction(new_engine(database_url(os.environ.get("DATABASE_URL"), Path("data")))) as connection:
        run(connection)
