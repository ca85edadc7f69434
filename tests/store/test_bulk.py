"""COPY on PostgreSQL: every kind of value arrives as an INSERT would have stored it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from store import bulk
from store.catalog import ensure_source
from store.db import make_engine, upgrade
from store.models import CrawlRun, Mention

pytestmark = pytest.mark.postgres

AWKWARD = "tab\there, new\nline, back\\slash, quote \" ' , emoji 🧵, NUL-free ä"


@pytest.fixture
def session(postgres_url: str):
    engine = make_engine(postgres_url)
    upgrade(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_copy_round_trips_text_numbers_nulls_and_zoned_times(session: Session) -> None:
    table = Mention.__table__  # type: ignore[attr-defined]
    session.execute(text("CREATE TEMP TABLE staged AS SELECT * FROM mention WITH NO DATA"))
    published = datetime(2025, 3, 30, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    columns = ["source_id", "external_id", "text", "rating", "likes", "published_at", "author"]
    rows = [
        (7, "a", AWKWARD, 4.5, 2**31 - 1, published, None),
        (7, "b", "", None, None, None, "@maria"),
    ]
    bulk.copy_rows(session, table, columns, rows, into="staged")
    stored = session.execute(
        text(f"SELECT {', '.join(columns)} FROM staged ORDER BY external_id")
    ).all()
    assert [tuple(r) for r in stored] == [
        (7, "a", AWKWARD, 4.5, 2**31 - 1, published.astimezone(UTC), None),
        (7, "b", "", None, None, None, "@maria"),
    ]


def test_copy_serialises_json_and_refuses_a_naive_time(session: Session) -> None:
    source_id = ensure_source(session, name="shop", spider="jsonld")
    table = CrawlRun.__table__  # type: ignore[attr-defined]
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    reasons = {"no text": 3, "blocked by robots.txt": 1}
    columns = ["source_id", "started_at", "status", "pages", "new", "updated", "dropped"]
    columns.append("drop_reasons")
    bulk.copy_rows(session, table, columns, [(source_id, started, "ok", 1, 0, 0, 4, reasons)])
    run = session.execute(select(CrawlRun)).scalar_one()
    assert (run.started_at, run.drop_reasons) == (started, reasons)

    with pytest.raises(ValueError, match="timezone-aware"):
        bulk.copy_rows(
            session, table, columns, [(source_id, datetime(2026, 1, 2), "ok", 0, 0, 0, 0, None)]
        )
