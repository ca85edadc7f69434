"""Alembic: from an empty database to head, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from store.db import (
    SchemaOutdated,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    table_names,
    upgrade,
)

PROCESSES = 3  # upgrading one database at once
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


def _downgrade(engine: Engine, revision: str) -> None:
    """Migrate ``engine``'s database down to ``revision``."""
    from alembic import command

    from store.db import alembic_config

    with engine.begin() as conn:
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_upgrade_from_empty_creates_every_table_and_index(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert EXPECTED_TABLES <= set(table_names(engine))
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("mention")}
    assert {
        "ix_mention_brand_published",
        "ix_mention_source_brand_visibility",  # 0004: the shelf per brand and source
    } <= indexes
    # 0018 drops on PostgreSQL what no plan there uses; SQLite's one walk reads the visibility
    unused = {"ix_mention_visibility", "ix_mention_source_published", "ix_mention_stage_published"}
    if engine.dialect.name == "postgresql":
        assert not unused & indexes
    else:
        assert unused <= indexes
    upgrade(engine)  # a second upgrade is a no-op
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_is_upgraded_automatically(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()


def _upgrade_after(url: str, start: Any) -> str:
    """In a process of its own: wait for the others, then upgrade; the error, if any."""
    try:
        engine = make_engine(url)
        start.wait(timeout=60)
        upgrade(engine)
        engine.dispose()
    except Exception as exc:  # reported to the test, which names it
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_processes_upgrading_one_database_at_once_take_turns(database_url: str) -> None:
    """Crawls started together on a new database: one creates the tables, the others wait
    and find them made (unlocked, all but one fail with "table brand already exists")."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(PROCESSES)
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            results = list(pool.map(_upgrade_after, [database_url] * PROCESSES,
                                    [start] * PROCESSES))  # fmt: skip
    assert results == ["ok"] * PROCESSES
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    assert EXPECTED_TABLES <= set(table_names(engine))
    engine.dispose()


@pytest.mark.postgres
def test_postgres_is_not_upgraded_behind_the_users_back(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with pytest.raises(SchemaOutdated, match="umot db upgrade"):
        ensure_schema(engine)
    assert current_revision(engine) is None


def test_0011_lets_a_result_be_unlabelled_and_downgrades(database_url: str) -> None:
    """Results recorded before 0011 keep their labels; after it a result may have none (with
    its reason); going back drops those results, as the old schema cannot hold them."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO source (id, name, spider) VALUES (1, 's', 'rss')"))
        for i in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO mention (id, source_id, external_id, kind, text, content_hash, "
                    "visibility, first_seen_at, last_seen_at) VALUES "
                    f"({i}, 1, 'm{i}', 'post', 't', 'h', 1.0, '2026-01-01', '2026-01-01')"
                )
            )
        conn.execute(
            text(
                "INSERT INTO classification (mention_id, model_version, sentiment, "
                "sentiment_score, stage, topics, aspects, created_at) VALUES "
                "(1, 'v', 'positive', 0.9, 'smot', '[]', '[]', '2026-01-01')"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO classification (mention_id, model_version, topics, aspects, "
                "created_at, unlabelled) VALUES "
                "(2, 'v', '[]', '[]', '2026-01-01', 'unsupported language: de')"
            )
        )
        conn.execute(
            text("UPDATE mention SET unlabelled = 'unsupported language: de' WHERE id = 2")
        )
        kept = conn.execute(text("SELECT sentiment, unlabelled FROM classification ORDER BY id"))
        assert kept.all() == [("positive", None), (None, "unsupported language: de")]
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("mention")}
    assert "ix_mention_unlabelled" in indexes
    _downgrade(engine, "0010")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mention_id, sentiment FROM classification")).all()
    assert rows == [(1, "positive")]
    columns = {c["name"]: c for c in inspect(engine).get_columns("classification")}
    assert "unlabelled" not in columns and not columns["sentiment"]["nullable"]
    engine.dispose()


def _index_names(engine: Engine) -> set[str]:
    """Every index of the database, expression indexes too (which SQLAlchemy's inspector skips
    on SQLite)."""
    from sqlalchemy import text

    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    with engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


def test_0013_indexes_advocates_on_sqlite_only_and_downgrades(database_url: str) -> None:
    """SQLite gets the advocates' (sentiment, day, author, …) index; PostgreSQL nothing."""

    engine = make_engine(database_url)
    upgrade(engine)
    name = "ix_mention_sentiment_day_author"
    assert (name in _index_names(engine)) == (engine.dialect.name == "sqlite")
    _downgrade(engine, "0012")
    assert current_revision(engine) == "0012"
    assert name not in _index_names(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def _included_columns(engine: Engine, name: str) -> list[str]:
    """The non-key columns of index ``name`` on PostgreSQL (INCLUDE)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        definition = conn.scalar(text("SELECT pg_get_indexdef(to_regclass(:n))"), {"n": name})
    assert definition is not None, name
    definition = definition.split(" WHERE ", 1)[0]  # a partial index's predicate
    if " INCLUDE (" not in definition:
        return []
    return [c.strip() for c in definition.split(" INCLUDE (", 1)[1].rstrip(")").split(",")]


@pytest.mark.postgres
def test_0014_walk_indexes_include_the_id_and_downgrade(postgres_url: str) -> None:
    """The visibility walks' indexes carry the id (and the stage one the score) on PostgreSQL,
    so the walks run index-only; the downgrade gives back the plain indexes."""

    engine = make_engine(postgres_url)
    upgrade(engine)
    assert _included_columns(engine, "ix_mention_source_visibility") == ["id"]
    assert _included_columns(engine, "ix_mention_source_brand_visibility") == ["id"]
    assert _included_columns(engine, "ix_mention_stage_visibility") == ["id", "sentiment_score"]
    _downgrade(engine, "0013")
    assert _included_columns(engine, "ix_mention_stage_visibility") == []
    assert "ix_mention_source_visibility" in _index_names(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_0015_the_complaint_walk_reads_its_index_and_downgrades(postgres_url: str) -> None:
    """The complaint list's walk is planned on 0015's partial index (its ORDER BY matches the
    index expression), the spike index holds what the spike check reads, and both downgrade."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlmodel import Session

    from store import exports, walks
    from store.models import Source
    from store.scope import Scope

    engine = make_engine(postgres_url)
    upgrade(engine)
    assert _included_columns(engine, "ix_mention_sentiment_published") == [
        "brand_id", "stage", "source_id",
    ]  # fmt: skip
    with Session(engine) as session:
        session.add(Source(name="Reviews", spider="generic"))
        session.flush()
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plans: list[str] = []

        def explain(session: Session, base: object, **kwargs: object) -> list[object]:
            query = base.where(text("source_id = 1")).order_by(kwargs["order"].desc()).limit(5)  # type: ignore[attr-defined]
            plan = session.execute(text("EXPLAIN " + _compiled(query, engine)))
            plans.append("\n".join(row[0] for row in plan))
            return walks.top_by_source(session, base, **kwargs)  # type: ignore[arg-type]

        as_of = datetime(2026, 3, 1, tzinfo=UTC)
        exports.complaints(session, scope=Scope(), as_of=as_of, limit=3, walk=explain)  # type: ignore[arg-type]
    assert plans and "ix_mention_complaint_key" in plans[0], plans
    _downgrade(engine, "0014")
    assert "ix_mention_complaint_key" not in _index_names(engine)
    assert _included_columns(engine, "ix_mention_sentiment_published") == []
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def _compiled(query: object, engine: Engine) -> str:
    """``query`` as PostgreSQL SQL with its parameters written in (for EXPLAIN)."""
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    return str(compiled)


def test_0016_fills_the_advocate_totals_from_the_mentions_and_downgrades(
    database_url: str,
) -> None:
    """Positive mentions with an author stored before 0016 are summed into its totals per
    author, source and brand (0 for none); the rest are not; the downgrade drops both tables."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    upgrade(engine, "0015")
    mentions = [  # id, author, brand, sentiment, visibility
        (1, "ann", 1, "positive", 2.0), (2, "ann", 1, "positive", 3.5),
        (3, "ann", None, "positive", 1.0), (4, "ann", 1, "negative", 9.0),
        (5, "bob", 1, "positive", 4.0), (6, "", 1, "positive", 8.0),
        (7, None, 1, "positive", 8.0), (8, "bob", 1, None, 8.0),
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO source (id, name, spider) VALUES (1, 's', 'rss')"))
        conn.execute(text("INSERT INTO brand (id, name, role) VALUES (1, 'Acme', 'own')"))
        for i, author, brand, sentiment, visibility in mentions:
            conn.execute(
                text(
                    "INSERT INTO mention (id, source_id, brand_id, external_id, kind, author, "
                    "text, content_hash, visibility, sentiment, first_seen_at, last_seen_at) "
                    "VALUES (:i, 1, :b, :e, 'post', :a, 't', 'h', :v, :s, '2026-01-01', "
                    "'2026-01-01')"
                ),
                {"i": i, "b": brand, "e": f"m{i}", "a": author, "v": visibility, "s": sentiment},
            )
    upgrade(engine)
    with engine.connect() as conn:
        totals = conn.execute(
            text(
                "SELECT author, source_id, brand_id, mentions, visibility FROM advocate_total "
                "ORDER BY author, brand_id"
            )
        ).all()
    assert [tuple(t) for t in totals] == [
        ("ann", 1, 0, 1, 1.0), ("ann", 1, 1, 2, 5.5), ("bob", 1, 1, 1, 4.0),
    ]  # fmt: skip
    _downgrade(engine, "0015")
    assert not {"advocate_total", "advocate_change"} & set(table_names(engine))
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_0017_keeps_only_positive_mentions_in_the_author_index(postgres_url: str) -> None:
    """The advocates' index holds positive mentions only, with the id and followers (their
    details read the index alone); the downgrade gives back 0002's index."""
    from sqlalchemy import text

    engine = make_engine(postgres_url)
    upgrade(engine)
    assert _included_columns(engine, "ix_mention_sentiment_author") == ["id", "author_followers"]
    query = text("SELECT pg_get_indexdef(to_regclass('ix_mention_sentiment_author'))")
    with engine.connect() as conn:
        assert "WHERE ((sentiment)::text = 'positive'::text)" in conn.scalar(query)
    _downgrade(engine, "0016")
    with engine.connect() as conn:
        assert "WHERE" not in conn.scalar(query)
    assert _included_columns(engine, "ix_mention_sentiment_author") == []
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_an_upgrade_that_migrates_postgres_refreshes_its_statistics(postgres_url: str) -> None:
    """New columns get planner statistics at once, not whenever autovacuum next analyzes."""
    from sqlalchemy import text

    engine = make_engine(postgres_url)
    upgrade(engine)

    _downgrade(engine, "0010")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SELECT pg_stat_reset()")
    upgrade(engine)  # 0011 adds mention.unlabelled
    with engine.connect() as conn:
        analyzed = conn.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'mention'")
        )
    assert analyzed is not None
    engine.dispose()


@pytest.mark.postgres
def test_0019_keeps_what_the_run_and_snapshot_keys_did_on_delete(postgres_url: str) -> None:
    """The three keys checked per written row are gone on PostgreSQL; deleting a mention still
    deletes its snapshots, deleting a run still named is still refused, and the downgrade
    gives the keys back."""
    from sqlalchemy import delete, func, select
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session, col

    from store.catalog import ensure_source
    from store.mentions import upsert_many
    from store.models import CrawlRun, EngagementSnapshot, Mention
    from store.runs import start_run
    from store.schemas import MentionIn

    def keys() -> set[str]:
        inspector = inspect(engine)
        return {
            f"{table}.{key['constrained_columns'][0]}"
            for table in ("mention", "engagementsnapshot")
            for key in inspector.get_foreign_keys(table)
        }

    engine = make_engine(postgres_url)
    upgrade(engine)
    assert keys() == {"mention.source_id", "mention.brand_id", "mention.product_id"}
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        run_id = start_run(session, source_id=source_id).id
        items = [MentionIn(external_id=f"m{i}", text=f"Review {i}", likes=i) for i in range(3)]
        for _ in range(2):  # two sightings: two snapshots each
            ids = upsert_many(session, source_id=source_id, items=items, run_id=run_id).ids
        unused_run = start_run(session, source_id=source_id).id
        session.commit()

        with pytest.raises(IntegrityError, match=f"crawl run {run_id} is still named"):
            session.execute(delete(CrawlRun).where(col(CrawlRun.id) == run_id))
        session.rollback()
        session.execute(delete(CrawlRun).where(col(CrawlRun.id) == unused_run))
        session.execute(delete(Mention).where(col(Mention.id) == ids[0]))
        session.commit()
        snapshots = select(EngagementSnapshot.mention_id, func.count()).group_by(
            EngagementSnapshot.mention_id
        )
        assert dict(session.execute(snapshots).all()) == {ids[1]: 2, ids[2]: 2}

    _downgrade(engine, "0018")
    assert {"mention.last_run_id", "engagementsnapshot.mention_id"} <= keys()
    assert "engagementsnapshot.run_id" in keys()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_0020_indexes_only_the_mentions_with_a_reason_and_downgrades(postgres_url: str) -> None:
    """On PostgreSQL a labelled mention adds no entry to the unlabelled index, and the status
    count of mentions per reason still reads that index; the downgrade gives back 0011's index
    over every mention."""
    from sqlalchemy import event, text
    from sqlmodel import Session

    from store.status import unlabelled_counts

    engine = make_engine(postgres_url)
    upgrade(engine)
    query = text("SELECT pg_get_indexdef(to_regclass('ix_mention_unlabelled'))")
    with engine.connect() as conn:
        assert conn.scalar(query).endswith("WHERE (unlabelled IS NOT NULL)")
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as session:
        assert unlabelled_counts(session) == {}
    event.remove(engine, "before_cursor_execute", record)
    (sql, params), *_ = statements
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", params))
        assert "ix_mention_unlabelled" in plan, plan
    _downgrade(engine, "0019")
    with engine.connect() as conn:
        assert "WHERE" not in conn.scalar(query)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
