"""Alembic: from an empty database to head, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from store.db import (
    SchemaOutdated,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    table_names,
    upgrade,
)

EXPECTED_TABLES = {
    "alert",
    "brand",
    "classification",
    "complaintstatus",
    "correction",
    "crawlrun",
    "engagementsnapshot",
    "mention",
    "mentiontopic",
    "product",
    "source",
}


def test_upgrade_from_empty_creates_every_table_and_index(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert EXPECTED_TABLES <= set(table_names(engine))
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("mention")}
    assert {
        "ix_mention_brand_published",
        "ix_mention_stage_published",
        "ix_mention_source_brand_visibility",  # 0004: the shelf per brand and source
    } <= indexes
    upgrade(engine)  # a second upgrade is a no-op
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_is_upgraded_automatically(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()


@pytest.mark.postgres
def test_postgres_is_not_upgraded_behind_the_users_back(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with pytest.raises(SchemaOutdated, match="umot db upgrade"):
        ensure_schema(engine)
    assert current_revision(engine) is None
