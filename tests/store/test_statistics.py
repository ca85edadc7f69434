"""Planner statistics (store.db.refresh_statistics) and the topic index of migration 0003."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import store.db
from store.db import make_engine, refresh_statistics, upgrade
from store.facts import RAW
from store.loop import _topic_sums
from store.scope import Scope, Weights
from tests.store.helpers import M, fill

INSERT = (
    "INSERT INTO mention (source_id, external_id, kind, text, content_hash, visibility,"
    " first_seen_at, last_seen_at, published_at, topics) VALUES (1, ?, 'post', 'x', 'h', 1.0,"
    " '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000',"
    " '2026-01-01 10:00:00.000000', '[]')"
)


def _add_mentions(path: Path, n: int, *, start: int = 0) -> None:
    """n bare mentions of one source, straight through sqlite3 (no engine, no pool hooks)."""
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT OR IGNORE INTO source (id, name, spider) VALUES (1, 'src', 'rss')")
        raw.executemany(INSERT, [(f"m{i}",) for i in range(start, start + n)])


def _analyzed_rows(path: Path, table: str = "mention") -> int | None:
    with sqlite3.connect(path) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return None
        row = conn.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1", (table,))
        found = row.fetchone()
        return int(found[0].split()[0]) if found else None


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _migrated(tmp_path: Path) -> tuple[Path, Engine]:
    """A fresh SQLite file at the newest migration, and its engine (the caller disposes it)."""
    path = tmp_path / "umot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return path, engine


def test_connection_open_analyzes_missing_and_tenfold_stale_statistics(tmp_path: Path) -> None:
    path, engine = _migrated(tmp_path)
    _add_mentions(path, 2_000)
    engine.dispose()
    assert _analyzed_rows(path) is None

    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():  # opening a connection checks and analyzes
        pass
    assert _analyzed_rows(path) == 2_000
    with _raw(path) as raw:
        assert refresh_statistics(raw) == []  # fresh: nothing to do

    _add_mentions(path, 5_000, start=2_000)  # 3.5×: still close enough
    with _raw(path) as raw:
        assert refresh_statistics(raw) == []
        _add_mentions(path, 13_000, start=7_000)  # 10× the analyzed rows
        assert refresh_statistics(raw) == ["mention"]
    assert _analyzed_rows(path) == 20_000
    engine.dispose()


def test_small_tables_are_left_alone(tmp_path: Path) -> None:
    path, engine = _migrated(tmp_path)
    _add_mentions(path, 10)
    with _raw(path) as raw:
        assert refresh_statistics(raw) == []
    engine.dispose()


def test_upgrade_analyzes_the_new_index(tmp_path: Path) -> None:
    path = tmp_path / "umot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    _add_mentions(path, 2_000)
    with _raw(path) as raw:
        raw.execute("ANALYZE")
    upgrade(engine)
    with _raw(path) as raw:
        indexes = {r[0] for r in raw.execute("SELECT idx FROM sqlite_stat1")}
    assert "ix_mention_day_topics" in indexes
    engine.dispose()


def test_a_connection_that_rewrote_the_data_reanalyzes_at_checkin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = _migrated(tmp_path)
    _add_mentions(path, 2_000)
    engine.dispose()
    monkeypatch.setattr(store.db, "STATS_CHECK_EVERY", 500)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    assert _analyzed_rows(path) == 2_000
    with engine.begin() as conn:  # 1,000 rows written: checked, fewer than the 2,000 analyzed
        conn.execute(text("UPDATE mention SET stage = 'smot' WHERE id <= 1000"))
    assert _analyzed_rows(path) == 2_000
    with engine.begin() as conn:  # 1,000 more: as many rows as the statistics describe
        conn.execute(text(INSERT.replace("?", ":e")), [{"e": f"n{i}"} for i in range(1_000)])
    assert _analyzed_rows(path) == 3_000
    engine.dispose()


def test_a_read_only_database_keeps_its_statistics(tmp_path: Path) -> None:
    path, engine = _migrated(tmp_path)
    _add_mentions(path, 2_000)
    engine.dispose()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        assert refresh_statistics(raw) == []  # cannot write: logged, not raised
    assert _analyzed_rows(path) is None


@pytest.mark.postgres
def test_postgres_is_left_to_autovacuum(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        assert refresh_statistics(conn.connection.driver_connection) == []
    engine.dispose()


def test_topic_sums_stream_from_the_topic_index(sqlite_engine: Engine) -> None:
    """Read from the mentions (the form the rollups are checked against), GROUP BY (brand,)
    day, topics is served in order by ix_mention_day_topics: no sort."""
    fill(sqlite_engine, [M("a", "2026-01-01", 0.5, topics=["design"])])
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "GROUP BY" in statement:
            statements.append(statement)

    event.listen(sqlite_engine, "before_cursor_execute", capture)
    day = date(2026, 1, 1)
    for scope in (Scope(), Scope(brand_ids=(1, 2))):
        with Session(sqlite_engine, info={RAW: True}) as session:
            _topic_sums(session, scope=scope, weights=Weights({2: 3.0}), first=day, last=day)
    event.remove(sqlite_engine, "before_cursor_execute", capture)
    assert len(statements) == 2
    forced = "FROM mention INDEXED BY ix_mention_day_topics"
    with sqlite_engine.connect() as conn:
        raw = conn.connection.driver_connection
        for statement in statements:
            assert "CAST" not in statement  # the bare column, as the index holds it
            sql = f"EXPLAIN QUERY PLAN {statement.replace('FROM mention', forced)}"
            plan = [row[3] for row in raw.execute(sql, [3.0] * statement.count("?"))]
            assert any("COVERING INDEX ix_mention_day_topics" in p for p in plan), plan
            assert not any("TEMP B-TREE" in p for p in plan), plan
