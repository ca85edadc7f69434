"""Upserts on a SQLite file and on PostgreSQL: no duplicates, counters refreshed, snapshots kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import ARRAY, String, bindparam, func, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.catalog import BrandSpec, SourceSpec, ensure_source, sync_catalog
from store.db import make_engine, upgrade
from store.mentions import _probe, known_external_ids, upsert_many
from store.models import EngagementSnapshot, Mention
from store.schemas import MentionIn, base_visibility

T0 = datetime(2024, 6, 19, 8, 30, tzinfo=UTC)


def _mentions(n: int, *, likes: int = 0) -> list[MentionIn]:
    return [
        MentionIn(
            external_id=f"m{i}",
            text=f"Review number {i}: the linen shirt fits well.",
            kind="review",
            author=f"author{i}",
            rating=4.0,
            published_at=T0 + timedelta(hours=i),
            likes=likes,
        )
        for i in range(n)
    ]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_upsert_twice_keeps_one_row_and_refreshes_counters(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        first = upsert_many(session, source_id=source_id, items=_mentions(5, likes=1))
        session.commit()
        second = upsert_many(session, source_id=source_id, items=_mentions(5, likes=7))
        session.commit()

        assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
        assert (second.new, second.updated, second.unchanged) == (0, 5, 0)
        assert first.ids == second.ids
        assert _count(session, Mention) == 5
        assert _count(session, EngagementSnapshot) == 10
        stored = session.scalars(select(Mention).where(Mention.external_id == "m3")).one()
        assert stored.likes == 7
        expected = base_visibility(
            helpful_votes=None, likes=7, shares=None, replies=None, author_followers=None
        )
        assert stored.visibility == pytest.approx(expected)


def test_unchanged_recrawl_counts_unchanged_and_keeps_missing_values(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        upsert_many(session, source_id=source_id, items=_mentions(3, likes=2))
        session.commit()
        again = _mentions(3, likes=2)
        for item in again:
            item.rating = None  # the source stopped sending it: keep what we had
        result = upsert_many(session, source_id=source_id, items=again)
        session.commit()
        assert (result.new, result.updated, result.unchanged) == (0, 0, 3)
        ratings = session.scalars(select(Mention.rating)).all()
        assert ratings == [4.0, 4.0, 4.0]


def test_edited_text_is_an_update_and_same_id_in_batch_is_one_row(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        upsert_many(session, source_id=source_id, items=_mentions(2))
        session.commit()
        edited = _mentions(2)
        edited[0].text = "Edited: it shrank after washing."
        duplicate = MentionIn(external_id="m1", text=edited[1].text, likes=0)
        result = upsert_many(session, source_id=source_id, items=[*edited, duplicate])
        session.commit()
        assert (result.new, result.updated, result.unchanged) == (0, 1, 1)
        assert _count(session, Mention) == 2


def test_same_external_id_on_two_sources_is_two_mentions(engine) -> None:
    with Session(engine) as session:
        a = ensure_source(session, name="a", spider="rss")
        b = ensure_source(session, name="b", spider="rss")
        upsert_many(session, source_id=a, items=_mentions(2))
        upsert_many(session, source_id=b, items=_mentions(2))
        session.commit()
        assert _count(session, Mention) == 4
        assert known_external_ids(session, source_id=a) == {"m0", "m1"}
        assert known_external_ids(session, source_id=a, external_ids=["m1", "zz"]) == {"m1"}


def test_unique_constraint_rejects_a_plain_duplicate_insert(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        for _ in range(2):
            session.add(Mention(source_id=source_id, external_id="dup", text="x", content_hash="h"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_timestamps_round_trip_as_aware_utc(engine) -> None:
    paris = timezone(timedelta(hours=2))
    local = datetime(2024, 6, 27, 23, 15, tzinfo=paris)
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        item = MentionIn(external_id="tz", text="late night review", published_at=local)
        upsert_many(session, source_id=source_id, items=[item])
        session.commit()
    with Session(engine) as session:
        stored = session.scalars(select(Mention)).one()
        assert stored.published_at == local
        assert stored.published_at.tzinfo is not None
        assert stored.published_at.utcoffset() == timedelta(0)
        assert stored.published_at.hour == 21
        assert stored.first_seen_at.tzinfo is not None


def test_naive_timestamp_is_refused(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        item = MentionIn(external_id="n", text="x", published_at=datetime(2024, 1, 1))
        with pytest.raises(Exception, match="naive datetime"):
            upsert_many(session, source_id=source_id, items=[item])


def test_large_batches_are_split(engine) -> None:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        result = upsert_many(session, source_id=source_id, items=_mentions(2500))
        session.commit()
        assert result.new == 2500 and len(set(result.ids)) == 2500
        assert _count(session, Mention) == 2500


def test_catalog_sync_is_idempotent(engine) -> None:
    brands = [BrandSpec("Acme", ("Linen Shirt", "Tee")), BrandSpec("Rival")]
    sources = [SourceSpec("acme-tp", "trustpilot", "Acme"), SourceSpec("news", "rss")]
    with Session(engine) as session:
        first = sync_catalog(session, brands=brands, sources=sources)
        session.commit()
        second = sync_catalog(session, brands=brands, sources=sources)
        session.commit()
    assert first == second
    assert set(first.products) == {("Acme", "Linen Shirt"), ("Acme", "Tee")}
    assert set(first.sources) == {"acme-tp", "news"}


@pytest.mark.postgres
def test_known_rows_are_probed_per_key_while_statistics_lag(postgres_url: str) -> None:
    """A burst of writes outruns autovacuum: the statistics still describe an empty table. The
    lookup of a batch's known rows must still probe the index once per key, not hash the keys
    against every mention of the source."""
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            source_id = ensure_source(session, name="shop", spider="jsonld")
            session.commit()
            session.execute(text("ANALYZE mention"))  # statistics of the empty table
            upsert_many(session, source_id=source_id, items=_mentions(5000))
            session.commit()
            keys = [f"m{i}" for i in range(2000, 3000)]
            wanted = (
                func.unnest(bindparam("keys", keys, type_=ARRAY(String)))
                .table_valued("external_id")
                .render_derived(name="wanted")
            )
            probe = _probe(source_id, wanted.c.external_id)
            lookup = select(probe.c.id).select_from(wanted).join(probe, true())
            compiled = lookup.compile(engine)
            plan = "\n".join(
                session.connection()
                .exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
                .scalars()
            )
            assert len(session.execute(lookup).all()) == 1000
    finally:
        engine.dispose()
    assert "Index Scan using uq_mention_source_external" in plan
    assert "Hash Join" not in plan and "Seq Scan on mention" not in plan
