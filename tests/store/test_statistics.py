"""Planner statistics (store.db.refresh_statistics) and the topic index of migration 0003."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import store.db
from store.db import make_engine, refresh_statistics, upgrade

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
    assert "ix_mention_stage_visibility" in indexes  # made by 0009, after the ANALYZE
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
