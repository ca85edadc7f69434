"""Engine and session factory; schema upgrades through the shipped Alembic migrations.

SQLite's planner uses the dashboard's covering indexes only once ``ANALYZE`` has stored
statistics, so :func:`refresh_statistics` keeps them fresh on SQLite (PostgreSQL's autovacuum
does it there): when a connection opens and after an upgrade, a table is analyzed if an index
lacks statistics or its row count moved tenfold (the rule of ``PRAGMA optimize=0x10002``,
applied here because older SQLite's ``optimize`` only checks tables the connection queried, and
newer ones sample, which changed dashboard plans); a connection that wrote as many rows as the
statistics describe analyzes again when it goes back to the pool. Pooled connections are
recycled hourly so a long-running dashboard reads the new statistics.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_upgrade_lock = threading.Lock()

# PostgreSQL advisory lock keys, kept together so that no two uses collide ("umot" in hex). A
# single bigint key and a pair of int4 keys are separate key spaces.
FOLD_LOCK = 0x756D6F74  # the rollup folder, one at a time (session-level, tried)
SCHEMA_LOCK = 0x756D6F74_0001  # schema upgrades (transaction-level)
SOURCE_WRITES_LOCK = 0x756D6F74  # paired with a source id: one writer per source (transaction)
log = logging.getLogger(__name__)

# Tables below this many rows are left to the planner's defaults (no statistics needed, and an
# empty table's indexes get no sqlite_stat1 row, which would otherwise look stale forever).
STATS_MIN_ROWS = 1_000
STATS_GROWTH = 10  # re-analyze a table once its row count has moved tenfold
STATS_CHECK_EVERY = 10_000  # rows a connection writes between two checks at check-in


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """An engine for a SQLite file or a PostgreSQL server (psycopg 3).

    SQLite gets WAL journaling (readers never block the crawler's writes), a busy timeout so
    several processes can share the file, and foreign keys on.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        kwargs.setdefault("pool_recycle", 3600)  # reopen hourly: fresh planner statistics
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _sqlite_checkin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    given = str(connect_args.get("options", parsed.query.get("options", "")))
    connect_args["options"] = f"{given} {POSTGRES_OPTIONS}".strip()
    return create_engine(url, echo=echo, connect_args=connect_args, **kwargs)


# Every PostgreSQL session: plan each statement for its actual values, even once the driver has
# prepared it (a generic plan walked the whole complaints index instead of its first rows: 7 s
# a query instead of 0.3 ms at ten million mentions), and no JIT compilation (up to 0.6 s per
# query the dashboard asks, for plans that then run in milliseconds).
POSTGRES_OPTIONS = "-c plan_cache_mode=force_custom_plan -c jit=off"


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    refresh_statistics(dbapi_connection)
    # marks on the connection's running count of rows written (sqlite3 total_changes)
    record.info["stats_analyzed_at"] = record.info["stats_checked_at"] = (
        dbapi_connection.total_changes
    )


def _sqlite_checkin(dbapi_connection: Any, record: Any) -> None:
    """After a session: check the statistics every ``STATS_CHECK_EVERY`` rows written."""
    if dbapi_connection is None:  # invalidated
        return
    written = dbapi_connection.total_changes
    if written - record.info.get("stats_checked_at", 0) < STATS_CHECK_EVERY:
        return
    record.info["stats_checked_at"] = written
    since = written - record.info.get("stats_analyzed_at", 0)
    if refresh_statistics(dbapi_connection, changed_rows=since):
        record.info["stats_analyzed_at"] = written


def refresh_statistics(dbapi_connection: Any, *, changed_rows: int = 0) -> list[str]:
    """ANALYZE the SQLite tables whose planner statistics are missing or stale (see module doc).

    Stale: at least ``STATS_MIN_ROWS`` rows and an index without statistics or a row count
    tenfold off the analyzed one; every table of that size when ``changed_rows`` (rows this
    connection wrote since its last analysis) reaches the number of rows the statistics
    describe. Decided again under the write lock, so processes opening at once analyze once.
    Returns the tables analyzed; never raises (a read-only file, a lock held too long: the
    statistics stay as they are).
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return []
    began = False
    try:
        if not _stale_tables(dbapi_connection, changed_rows):
            return []
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            began = True
        tables = _stale_tables(dbapi_connection, changed_rows)
        for table in tables:
            dbapi_connection.execute(f'ANALYZE "{table}"')
        if began:
            dbapi_connection.execute("COMMIT")
        if tables:
            log.info("analyzed %s for the query planner", ", ".join(tables))
        return tables
    except sqlite3.Error as exc:
        log.warning("could not refresh SQLite statistics: %s", exc)
        if began and dbapi_connection.in_transaction:
            try:
                dbapi_connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        return []


def _stale_tables(conn: sqlite3.Connection, changed_rows: int) -> list[str]:
    indexes: dict[str, set[str]] = {}
    for table, index in conn.execute(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
        " AND tbl_name NOT LIKE 'sqlite_%'"
    ):
        indexes.setdefault(table, set()).add(index)
    analyzed: dict[str, set[str]] = {}
    analyzed_rows: dict[str, int] = {}
    has_stats = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).fetchone()
    if has_stats:
        for table, index, stat in conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1"):
            analyzed.setdefault(table, set()).add(index)
            head = str(stat or "").split(" ", 1)[0]
            analyzed_rows[table] = int(head) if head.isdigit() else 0
    churn = changed_rows > 0 and changed_rows >= sum(analyzed_rows.values())
    stale = []
    for table in sorted(indexes):
        (rows,) = conn.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()
        if rows < STATS_MIN_ROWS:
            continue
        before = analyzed_rows.get(table, 0)
        if (
            churn
            or not indexes[table] <= analyzed.get(table, set())
            or rows >= before * STATS_GROWTH
            or rows * STATS_GROWTH <= before
        ):
            stale.append(table)
    return stale


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    ``write=True`` for a transaction that reads before it writes while other processes may be
    writing too: on SQLite it holds the write lock from its start (see :func:`lock_for_writing`).
    """
    with Session(engine, expire_on_commit=False) as session:
        if write:
            lock_for_writing(session.connection())
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def lock_for_writing(conn: Connection) -> None:
    """Begin the connection's transaction holding SQLite's write lock (``BEGIN IMMEDIATE``).

    In WAL mode a transaction that reads first and writes later fails at once with "database is
    locked" when another process committed in between: its snapshot is stale, and the busy
    timeout does not apply. Taking the lock first makes it wait its turn (up to the busy
    timeout) instead. Call it before the transaction's first statement: once begun it is left
    as it is, which is safe after a write to the file (that holds the lock already) but not
    after a write to a TEMP table only (that holds just a read snapshot). Nothing to do on
    PostgreSQL, whose row locks order the writers.
    """
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%': escape it so URL-encoded passwords survive.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic), on the engine's own connection.

    Processes that start on one database at once (two crawls on a new SQLite file) take turns:
    the upgrade holds SQLite's write lock, or a PostgreSQL advisory lock, for its transaction,
    and Alembic reads the revision under it, so the one that waited finds the work done.
    """
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    before = current_revision(engine)
    with _upgrade_lock, engine.begin() as connection:
        _lock_schema(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    if engine.dialect.name == "sqlite":  # new indexes have no statistics yet
        with engine.connect() as connection:
            refresh_statistics(connection.connection.driver_connection)
    elif current_revision(engine) != before:
        # A new column has no statistics until autovacuum next analyzes the table, which on a
        # large, steady table can be weeks: the planner then guesses, and scanned ten million
        # mentions to count the handful with an `unlabelled` reason.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def _lock_schema(conn: Connection) -> None:
    """Hold the database's schema lock until the transaction ends (see :func:`upgrade`)."""
    if conn.dialect.name == "sqlite":
        lock_for_writing(conn)
    else:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def ensure_schema(engine: Engine) -> None:
    """Upgrade an embedded SQLite database automatically; PostgreSQL is upgraded on purpose.

    A team database may be shared by running workers, so its migrations are an explicit
    `umot db upgrade`; a missing or outdated PostgreSQL schema is a clear error instead.
    """
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise SchemaOutdated(
        "the database schema is not up to date; run `umot db upgrade` "
        f"(database at {engine.url.render_as_string(hide_password=True)})"
    )


class SchemaOutdated(Exception):
    pass


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
