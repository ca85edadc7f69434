"""Dashboard query times at scale: millions of synthetic mentions on PostgreSQL (or SQLite).

    PYTHONPATH=. python bench/scale.py --database postgresql --mentions 10000000 \\
        [--keep /var/tmp/umot-pg-10m] [--url postgresql+psycopg://…] [--json /tmp/scale.json]
    PYTHONPATH=. python bench/scale.py --database sqlite --mentions 20000 [--db /tmp/scale.db]

Why: a large brand gathers 30,000 mentions a day, ten million a year; the dashboard
must stay under a second at that size. ``bench/dashboard_queries.py`` writes its mentions
through the store's ORM writers, far too slowly for ten million, so this bench writes them with
SQL on the database itself (``INSERT … SELECT`` from ``generate_series``, a recursive CTE on
SQLite) and then times the very same queries (``page_queries`` and the same filter sets).

What it builds: the schema by the product's migrations (``store.db.upgrade``); brands, products
and sources by ``store.catalog.sync_catalog``; a crawl run per source and day; then mentions as a
classified mention looks after ``upsert_many`` and ``save_results``: the mention row with its
effective labels (sentiment, score, confidence, stage, topics, ``labels_from``), visibility and
content hash, one ``classification`` row and one ``mentiontopic`` row per topic; a correction on
one mention in a thousand (effective labels overlaid, as ``store.corrections`` does) and a
complaint status on one negative mention in fifty. Labels, texts, kinds, ratings and
engagement are those of a random mention of the demo world (``demo.data.build_world``), so the
label proportions are the demo's; dates follow the demo's daily volumes, in id order as a
crawler stores them (``--order arrival``: the table's rows lie in date order on disk, as in
production; ``--order random``: each mention takes its demo mention's date, moved by up to a
week, ids unrelated to dates); brand, source, product and author are drawn per mention; 3 % of
the topical mentions lose their topic and 20 % get a second one (the demo has exactly one or
none; a classifier finds none or several), and 0.5 % of the negative ones are dated in the
last 24 hours (a complaint wave now, for the spike check). Every draw is a hash of the mention's id
(``hashint8extended`` on PostgreSQL, a registered function on SQLite): a run is reproducible.
PostgreSQL loads without the secondary indexes and foreign keys of the bulk tables and rebuilds
them afterwards (the migrations' own definitions, read back from the catalogue). After loading
it runs ``VACUUM ANALYZE`` (``ANALYZE`` on SQLite): the product must do the same after a bulk
import (autovacuum would, later).

The PostgreSQL server is started here (initdb + pg_ctl as the ``postgres`` user when root, like
the tests) with the settings in ``SERVER_SETTINGS``, in a temporary directory or in ``--keep
DIR`` (kept, with its data, for the next run); ``--url`` uses an existing database instead.
Existing data is reused when it holds exactly ``--mentions`` mentions (``--fresh``: never);
generation only ever writes into the bench's own database, or into an empty one at ``--url``.
Run it from the repository root with ``PYTHONPATH=.``: it imports ``bench`` and ``tests``.

Timing: for each query (every page's, the headline and the report, per filter set) one cold
run, then the best of ``--repeat`` warm runs. Cold (``--cold restart``, the default where the
bench owns the database): the server is restarted and, when root, the OS page cache dropped
(``sync; echo 3 > /proc/sys/vm/drop_caches``) before the query; ``--cold first`` only opens a
new connection (the default with ``--url``). ``sql s`` is the warm run's time in statement
execution (the rest is Python: pandas, the report's HTML); a server-side cursor (``yield_per``)
fetches after it, so its rows do not count there; none on SQLite, whose cursor steps through
the rows as they are fetched. Every SQL statement of a query is EXPLAINed to flag a sequential
scan of ``mention`` (``is_empty``'s ``LIMIT 1`` is one, reading a page); the slowest statement
of each of the three (``--explain N``) slowest queries gets ``EXPLAIN (ANALYZE, BUFFERS)``
(``EXPLAIN QUERY PLAN`` on SQLite) in the output. ``--json PATH`` writes ``{"database",
"mentions", "queries": [{"name", "cold_s", "warm_s", …}], "rollups_equal_raw"}``:
``rollups_equal_raw`` says whether every aggregate read from the daily rollups equals the same
aggregate read from the mentions, per filter set (null with ``--no-rollup-check``). Bars: ≤ 1 s
warm, ≤ 3 s cold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from bench.dashboard_queries import (
    BRAND_SPECS,
    MODEL,
    SOURCE_SPECS,
    filter_sets,
    headline_queries,
    page_queries,
    source_weight,
)
from demo.data import DEFAULT_TODAY, build_world
from store import analytics, exports, loop, rollups
from store.catalog import sync_catalog
from store.db import make_engine, upgrade
from store.facts import RAW
from store.models import Brand
from store.schemas import base_visibility
from store.scope import Scope, weights_for
from tests.support.postgres import as_server_user, find_pg_bin, free_port

DB_NAME = "umot_scale"
# Sized for the bench machine (2 cores, 24 GiB): durability off (a bench, not a product setting).
SERVER_SETTINGS = {
    "shared_buffers": "6GB",
    "effective_cache_size": "16GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "2GB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
    "max_parallel_maintenance_workers": "2",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
BRAND_SHARES = {"Acme": 55, "Globex": 25, "Initech": 12, "Umbrella": 8}  # % of the mentions
CHUNK = 1_000_000  # mentions per INSERT (progress, and bounded transactions)
RUN_DAYS = 400  # crawl runs per source: one a day, covering the demo's year and the jitter
JITTER_S = 7 * 86_400  # --order random: a demo date moved by up to a week
DAY_SLOTS = 10_000  # --order arrival: the year cut in slots of equal volume
# The demo gives each mention one topic (or none, 6 %); a classifier finds none or several.
NO_TOPIC_PCT = 3  # % of the demo's topical mentions left without one (then every stage has some)
SECOND_TOPIC_PCT = 20  # % given a second, random topic
SPIKE_PER_1000 = 5  # negative mentions (per 1,000) dated in the last 24 h: a complaint wave now
DEMO_COLUMNS = (
    "idx int, spider text, kind text, stage text, sentiment text, topic text, title text,"
    " body text, rating float, followers int, helpful_votes int, likes int, shares int,"
    " replies int, has_product int, age_s bigint, visibility float"
)
BULK_TABLES = (
    "mention",
    "mentiontopic",
    "classification",
    "correction",
    "complaintstatus",
    "engagementsnapshot",
)
EXPLAIN = {"postgresql": "EXPLAIN (ANALYZE, BUFFERS)", "sqlite": "EXPLAIN QUERY PLAN"}
SEQ_SCAN = {
    "postgresql": re.compile(r"Seq Scan on mention(\s|$)", re.M),
    "sqlite": re.compile(r"\bSCAN mention(_\d+)?\s*$", re.M),
}


# -- the PostgreSQL server ------------------------------------------------------------------


@dataclass
class PgServer:
    """A server on ``data`` (created by initdb when empty), stopped and restarted at will."""

    data: Path
    port: int = field(default_factory=free_port)
    bin_dir: Path = field(default_factory=find_pg_bin)
    sockets: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="umot-pgs-")))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://umot@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            as_server_user([str(self.bin_dir / args[0]), *args[1:]]),
            capture_output=True,
            text=True,
            cwd=self.sockets,
        )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {(done.stderr or done.stdout).strip()}")

    def start(self) -> None:
        for path in (self.data, self.sockets):
            path.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
                path.chmod(0o700)
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "umot", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1"
        options += f" -c unix_socket_directories={self.sockets}"
        options += "".join(f" -c {k}={v}" for k, v in SERVER_SETTINGS.items())
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "bench.log"),
            "-w",
            "-t",
            "120",
            "start",
        )
        self._ensure_database()

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="umot", dbname="postgres", autocommit=True
        ) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
            ).fetchone():
                conn.execute(f"CREATE DATABASE {DB_NAME}")

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="umot", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        self._ensure_database()


@contextmanager
def pg_server(keep: Path | None) -> Iterator[PgServer]:
    """A started server in ``keep`` (left there) or in a temporary directory (removed)."""
    root = None if keep else Path(tempfile.mkdtemp(prefix="umot-scale-"))
    if root is not None:
        root.chmod(0o755)  # the server user reaches its data directory through it
    server = PgServer(data=keep or root / "data")  # type: ignore[operator]
    server.start()
    try:
        yield server
    finally:
        with suppress(RuntimeError):
            server.stop()
        shutil.rmtree(server.sockets, ignore_errors=True)
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


# -- synthetic mentions, written by SQL ------------------------------------------------------


def _mix(i: int, k: int) -> int:
    """splitmix64 of (i, k): SQLite's stand-in for PostgreSQL's hashint8extended."""
    mask = (1 << 64) - 1
    z = (i * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


@dataclass(frozen=True)
class Sql:
    """The few expressions whose spelling differs between the two databases."""

    name: str

    def pick(self, k: int, n: int, i: str = "g.i") -> str:
        """An integer in [0, n), a hash of the row number ``i`` and the draw ``k``."""
        if self.name == "postgresql":
            return f"abs(hashint8extended({i}, {k}) % {n})"
        return f"umot_pick({i}, {k}, {n})"

    def rnd(self, k: int) -> str:
        """A number in [0, 1)."""
        if self.name == "postgresql":
            return f"((hashint8extended(g.i, {k}) >> 11) & 9007199254740991)::float8 / 2^53"
        return f"umot_rnd(g.i, {k})"

    def series(self, lo: int, hi: int) -> str:
        if self.name == "postgresql":
            return f"generate_series({lo}::bigint, {hi}::bigint) AS g(i)"
        return (
            f"(WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s "
            f"WHERE i < {hi}) SELECT i FROM s) AS g"
        )

    def ts(self, epoch: str) -> str:
        """A timestamp from integer epoch seconds, stored as the product stores it."""
        if self.name == "postgresql":
            return f"to_timestamp({epoch})"
        return f"(strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000')"

    def sha256(self, value: str) -> str:
        if self.name == "postgresql":
            return f"encode(sha256(convert_to({value}, 'UTF8')), 'hex')"
        return f"umot_sha256({value})"

    def floor(self, value: str) -> str:
        return (
            f"floor({value})::bigint" if self.name == "postgresql" else f"CAST({value} AS INTEGER)"
        )

    def topics(self, first: str, second: str) -> str:
        """The JSON list of up to two topics, spelled as the product writes it (``json.dumps``)."""
        if self.name == "postgresql":
            one, two = f"json_build_array({first})", f"json_build_array({first}, {second})"
            empty = "'[]'::json"
        else:
            one = f"'[\"' || {first} || '\"]'"
            two = f"'[\"' || {first} || '\", \"' || {second} || '\"]'"
            empty = "'[]'"
        return (
            f"CASE WHEN {first} IS NULL THEN {empty} WHEN {second} IS NULL THEN {one}"
            f" ELSE {two} END"
        )

    def topic_rows(self, lo: int, hi: int) -> str:
        """(mention id, topic) for each topic in the mentions' JSON lists."""
        if self.name == "postgresql":
            return (
                "SELECT id, json_array_elements_text(topics) FROM mention"
                f" WHERE id BETWEEN {lo} AND {hi}"
            )
        return (
            "SELECT m.id, j.value FROM mention m, json_each(m.topics) j"
            f" WHERE m.id BETWEEN {lo} AND {hi}"
        )


def _register_sqlite_functions(dbapi: Any) -> None:
    import hashlib

    dbapi.create_function("umot_pick", 3, lambda i, k, n: _mix(i, k) % n, deterministic=True)
    dbapi.create_function(
        "umot_rnd", 2, lambda i, k: (_mix(i, k) >> 11) / 2**53, deterministic=True
    )
    dbapi.create_function(
        "umot_sha256", 1, lambda s: hashlib.sha256(s.encode()).hexdigest(), deterministic=True
    )


def demo_rows() -> list[dict[str, Any]]:
    """The demo world's valid mentions as generation templates (labels, text, engagement, age)."""
    end = datetime.combine(DEFAULT_TODAY, datetime.min.time(), tzinfo=UTC)
    rows = []
    for idx, m in enumerate(build_world().valid):
        rows.append(
            {
                "idx": idx,
                "spider": m.spider,
                "kind": m.kind,
                "stage": m.stage,
                "sentiment": m.sentiment,
                "topic": m.topic,
                "title": m.title,
                "body": m.text,
                "rating": m.rating,
                "followers": m.followers,
                "helpful_votes": m.helpful_votes,
                "likes": m.likes,
                "shares": m.shares,
                "replies": m.replies,
                "has_product": int(m.product is not None),
                "age_s": max(0, int((end - m.published_at).total_seconds())),
                "visibility": base_visibility(
                    helpful_votes=m.helpful_votes,
                    likes=m.likes,
                    shares=m.shares,
                    replies=m.replies,
                    author_followers=m.followers,
                ),
            }
        )
    return rows


def day_slots(demo: list[dict[str, Any]]) -> list[dict[str, int]]:
    """``DAY_SLOTS`` slots, oldest first, each a day (its age in days): as many slots per day
    as the demo's (weekly smoothed) daily volume, so ids in slot order follow the dates."""
    ages = [row["age_s"] // 86_400 for row in demo]
    days = max(ages) + 1
    counts = [0.0] * days
    for age in ages:
        counts[age] += 1
    volume = [1 + sum(counts[max(0, a - 3) : a + 4]) / 7 for a in range(days)]
    total, acc, slots = sum(volume), 0.0, []
    for age in range(days - 1, -1, -1):  # oldest first
        acc += volume[age]
        while len(slots) < DAY_SLOTS and (len(slots) + 0.5) / DAY_SLOTS * total <= acc:
            slots.append({"slot": len(slots), "age_d": age})
    return slots


def _temp_table(conn: Connection, name: str, columns: str, rows: list[dict[str, Any]]) -> None:
    """A temporary table of ``columns`` ("name type, …") filled with ``rows``."""
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")
    names = [c.split()[0] for c in columns.split(",")]
    values = ", ".join(f":{n}" for n in names)
    conn.execute(text(f"INSERT INTO {name} ({', '.join(names)}) VALUES ({values})"), rows)


def _create_templates(
    conn: Connection, catalog: Any, demo: list[dict[str, Any]], topics: list[str]
) -> None:
    """The lookup tables the INSERTs join: demo mentions, brand shares, sources by spider,
    products by brand, topics."""
    _temp_table(conn, "gen_demo", DEMO_COLUMNS, demo)
    slots = [catalog.brands[b] for b, share in BRAND_SHARES.items() for _ in range(share)]
    rows = [{"slot": k, "brand_id": b} for k, b in enumerate(slots)]
    _temp_table(conn, "gen_brand", "slot int, brand_id int", rows)
    by_spider: dict[str, list[int]] = {}
    for spec in SOURCE_SPECS:
        by_spider.setdefault(spec.spider, []).append(catalog.sources[spec.name])
    rows = [{"spider": sp, "k": k, "source_id": ids[k % len(ids)]}
            for sp, ids in by_spider.items() for k in range(2)]  # fmt: skip
    _temp_table(conn, "gen_source", "spider text, k int, source_id int", rows)
    rows = [
        {
            "brand_id": catalog.brands[spec.name],
            "k": k,
            "product_id": catalog.products[(spec.name, name)],
        }
        for spec in BRAND_SPECS
        for k, name in enumerate(spec.products)
    ]
    _temp_table(conn, "gen_product", "brand_id int, k int, product_id int", rows)
    _temp_table(conn, "gen_day", "slot int, age_d int", day_slots(demo))
    _temp_table(
        conn, "gen_topic", "k int, topic text", [{"k": k, "topic": t} for k, t in enumerate(topics)]
    )


def run_sql(conn: Connection, statement: str) -> None:
    """A parameterless statement; psycopg reads ``%`` as a placeholder, so it is doubled."""
    if conn.dialect.name == "postgresql":
        statement = statement.replace("%", "%%")
    conn.exec_driver_sql(statement)


def _insert_runs(conn: Connection, sql: Sql, day0: int, mentions: int) -> None:
    """One finished crawl run per source and day (what ``run_history`` lists)."""
    per_run = max(1, mentions // (len(SOURCE_SPECS) * 365))
    start = f"{day0} - g.i * 86400"
    run_sql(
        conn,
        "INSERT INTO crawlrun (source_id, started_at, finished_at, status, pages, new, updated,"
        f" dropped) SELECT s.id, {sql.ts(start)}, {sql.ts(start + ' + 600')}, 'ok', 40,"
        f" {per_run}, 0, 0 FROM source s CROSS JOIN {sql.series(0, RUN_DAYS)}"
        " ORDER BY s.id, g.i DESC",
    )


@dataclass(frozen=True)
class Plan:
    """What a generation draws from: the clock, the sizes of the lookup tables, the date order."""

    total: int  # mentions in all
    now: int  # epoch seconds
    demo: int  # rows of gen_demo
    topics: int  # rows of gen_topic
    order: str  # "arrival" or "random" (see --order)


def _published(sql: Sql, plan: Plan) -> tuple[str, str]:
    """The publication time (epoch seconds) of mention ``g.i`` and the join it needs."""
    if plan.order == "random":
        return f"{plan.now} - d.age_s - {sql.pick(3, JITTER_S)}", ""
    slot = f"(g.i - 1) * {DAY_SLOTS} / {plan.total}"
    join = f" JOIN gen_day gd ON gd.slot = {slot}"
    return f"{plan.now} - gd.age_d * 86400 - {sql.pick(3, 86_400)}", join


def _insert_mentions(conn: Connection, sql: Sql, lo: int, hi: int, plan: Plan) -> None:
    """Mentions ``lo`` … ``hi`` (their ids), labelled: the row ``upsert_many`` and
    ``save_results`` leave behind."""
    authors = max(1_000, (hi - lo + 1) // 2)  # a long tail of authors, a few very active ones
    published, day_join = _published(sql, plan)
    inner = (
        f"SELECT g.i AS i, d.*, CASE WHEN d.sentiment = 'negative'"
        f" AND {sql.pick(14, 1000)} < {SPIKE_PER_1000} THEN {plan.now} - {sql.pick(15, 86_400)}"
        f" ELSE {published} END AS pe,"
        f" {sql.pick(4, 100)} AS brand_slot, {sql.pick(5, 2)} AS src_k,"
        f" {sql.pick(8, 2)} AS prod_k, {sql.rnd(6)} AS r_score, {sql.rnd(7)} AS r_conf,"
        f" {sql.rnd(9)} AS r_author, {sql.pick(10, 6 * 3600)} AS seen_lag,"
        f" CASE WHEN {sql.pick(11, 100)} < {NO_TOPIC_PCT} THEN NULL ELSE d.topic END AS t1,"
        f" CASE WHEN {sql.pick(11, 100)} >= {NO_TOPIC_PCT}"
        f" AND {sql.pick(13, 100)} < {SECOND_TOPIC_PCT} AND t.topic <> d.topic THEN t.topic END"
        " AS t2"
        f" FROM {sql.series(lo, hi)} JOIN gen_demo d ON d.idx = {sql.pick(0, plan.demo)}"
        f" JOIN gen_topic t ON t.k = {sql.pick(12, plan.topics)}{day_join}"
    )
    score = (
        "CASE x.sentiment WHEN 'positive' THEN 0.3 + 0.7 * x.r_score"
        " WHEN 'negative' THEN -0.3 - 0.7 * x.r_score ELSE -0.2 + 0.4 * x.r_score END"
    )
    body = "x.body || ' #' || x.i"
    seen = sql.ts("x.pe + x.seen_lag")
    content_hash = sql.sha256(f"coalesce(x.title, '') || ' ' || {body}")
    run_sql(
        conn,
        "INSERT INTO mention (id, source_id, brand_id, product_id, external_id, url, kind,"
        " author, author_followers, title, text, rating, published_at, language, helpful_votes,"
        " likes, shares, replies, content_hash, visibility, first_seen_at, last_seen_at,"
        " last_run_id, sentiment, sentiment_score, sentiment_confidence, stage, topics,"
        " labels_from)"
        " SELECT x.i, s.source_id, b.brand_id,"
        " CASE WHEN x.has_product = 1 THEN p.product_id END, 'g' || x.i,"
        " 'https://example.test/m/' || x.i, x.kind,"
        f" 'user' || {sql.floor(f'x.r_author * x.r_author * x.r_author * {authors}')},"
        f" x.followers, x.title, {body}, x.rating, {sql.ts('x.pe')}, 'en', x.helpful_votes,"
        f" x.likes, x.shares, x.replies,"
        f" {content_hash},"
        f" x.visibility, {seen}, {seen}, c.id, x.sentiment, {score}, 0.5 + 0.5 * x.r_conf,"
        f" x.stage, {sql.topics('x.t1', 'x.t2')}, '{MODEL}'"
        f" FROM ({inner}) x"
        " JOIN gen_source s ON s.spider = x.spider AND s.k = x.src_k"
        " JOIN gen_brand b ON b.slot = x.brand_slot"
        " LEFT JOIN gen_product p ON p.brand_id = b.brand_id AND p.k = x.prod_k"
        " LEFT JOIN crawlrun c ON c.source_id = s.source_id"
        f" AND c.started_at = {sql.ts('x.pe - x.pe % 86400')}",
    )
    run_sql(conn, f"INSERT INTO mentiontopic (mention_id, topic) {sql.topic_rows(lo, hi)}")
    run_sql(
        conn,
        "INSERT INTO classification (mention_id, model_version, sentiment, sentiment_score,"
        " sentiment_confidence, stage, topics, language, aspects, created_at)"
        " SELECT id, labels_from, sentiment, sentiment_score, sentiment_confidence, stage,"
        f" topics, language, '[]', first_seen_at FROM mention WHERE id BETWEEN {lo} AND {hi}",
    )


def _insert_people(conn: Connection) -> None:
    """Corrections (1 in 1,000 mentions) overlaid on the effective labels, and complaint
    statuses (1 in 50 negative mentions), as ``store.corrections`` and the Complaints page."""
    run_sql(
        conn,
        "INSERT INTO correction (mention_id, sentiment, author, note, corrected_at)"
        " SELECT id, CASE sentiment WHEN 'positive' THEN 'neutral' ELSE 'positive' END,"
        " 'bench', 'scale bench', last_seen_at FROM mention WHERE id % 1000 = 7",
    )
    run_sql(
        conn,
        "UPDATE mention SET sentiment = c.sentiment, sentiment_confidence = 1.0,"
        " sentiment_score = CASE c.sentiment WHEN 'positive' THEN 1.0 ELSE 0.0 END,"
        " labels_from = 'correction' FROM correction c WHERE c.mention_id = mention.id",
    )
    run_sql(
        conn,
        "INSERT INTO complaintstatus (mention_id, status, updated_by, updated_at)"
        " SELECT id, CASE WHEN id % 2 = 0 THEN 'acknowledged' ELSE 'resolved' END, 'bench',"
        " last_seen_at FROM mention WHERE sentiment = 'negative' AND id % 50 = 3",
    )


@contextmanager
def without_secondary_indexes(conn: Connection) -> Iterator[None]:
    """PostgreSQL: drop the bulk tables' foreign keys, unique constraints and non-key indexes
    for the load, then recreate them from their own definitions (faster than maintaining nine
    indexes and four foreign-key checks per inserted row)."""
    tables = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES)
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
        f" FROM pg_constraint WHERE conrelid IN ({tables}) AND contype IN ('f', 'u')"
        " ORDER BY contype DESC"
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        f" WHERE indrelid IN ({tables}) AND NOT indisprimary AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid)"
    ).all()
    for table, name, _, _ in constraints:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    conn.commit()
    yield
    t0 = time.perf_counter()
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
        conn.commit()
    for table, name, definition, _ in constraints:
        conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        conn.commit()
    print(f"  indexes and constraints rebuilt in {time.perf_counter() - t0:.0f} s")


def generate(engine: Engine, mentions: int, order: str = "arrival") -> float:
    """Write ``mentions`` labelled mentions into an empty, migrated database; seconds taken."""
    t0 = time.perf_counter()
    sql = Sql(engine.dialect.name)
    with Session(engine) as session:
        catalog = sync_catalog(session, brands=BRAND_SPECS, sources=SOURCE_SPECS)
        session.commit()
    demo = demo_rows()
    topics = sorted({row["topic"] for row in demo if row["topic"]})
    now = int(time.time())
    day0 = now - now % 86_400
    plan = Plan(total=mentions, now=now, demo=len(demo), topics=len(topics), order=order)
    with engine.connect() as conn:
        if sql.name == "sqlite":
            _register_sqlite_functions(conn.connection.driver_connection)
        _create_templates(conn, catalog, demo, topics)
        _insert_runs(conn, sql, day0, mentions)
        conn.commit()
        bulk = without_secondary_indexes(conn) if sql.name == "postgresql" else nullcontext()
        with bulk:
            for lo in range(1, mentions + 1, CHUNK):
                hi = min(mentions, lo + CHUNK - 1)
                _insert_mentions(conn, sql, lo, hi, plan)
                conn.commit()
                rate = hi / (time.perf_counter() - t0)
                print(f"  generated {hi:,} / {mentions:,} ({rate:,.0f} mentions/s)", flush=True)
            _insert_people(conn)
            conn.commit()
        if sql.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('mention', 'id'), max(id)) FROM mention"
            )
            conn.commit()
    build_rollups(engine)
    analyze(engine)
    return time.perf_counter() - t0


def build_rollups(engine: Engine) -> None:
    """The daily rollups from the mentions (the bulk load bypasses the writers that keep them)."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        rollups.rebuild(conn)
    print(f"  rollups built in {time.perf_counter() - t0:.0f} s", flush=True)


def rollup_checks(engine: Engine) -> dict[str, Callable[[Session], Any]]:
    """Every aggregate that reads the rollups, per filter set, as functions of a session."""
    now = datetime.now(UTC)
    with Session(engine) as s:
        brands = dict(s.exec(select(Brand.name, Brand.id)).all())
        weights = weights_for(s, source_weight)
    params = loop.LoopParams()
    checks: dict[str, Callable[[Session], Any]] = {}
    for label, sc in filter_sets(brands, now).items():
        per_set: dict[str, Callable[[Session, Scope], Any]] = {
            "kpis": lambda s, sc: analytics.kpis(s, scope=sc, weights=weights),
            "volume_by_day": lambda s, sc: analytics.volume_by_day(s, scope=sc),
            "by_source": lambda s, sc: analytics.by_source(s, scope=sc),
            "by_stage": lambda s, sc: analytics.by_stage(s, scope=sc),
            "by_topic": lambda s, sc: analytics.by_topic(s, scope=sc),
            "stage_topic": lambda s, sc: analytics.stage_topic(s, scope=sc),
            "contributions by stage": lambda s, sc: loop.loop_contributions(
                s, scope=sc, by="stage", weights=weights, params=params
            ),
            "contributions by topic": lambda s, sc: loop.loop_contributions(
                s, scope=sc, by="topic", weights=weights, params=params
            ),
            "headline (quarter)": lambda s, sc: headline_queries(
                s, sc, weights, params, now, brands
            )["headline (quarter)"]().to_dict(),
            # walked down the kept totals, against summing every positive mention in range
            "advocates (top 100)": lambda s, sc: (
                exports.advocates(
                    s, scope=sc, as_of=now, weights=weights, limit=100, walk=not s.info[RAW]
                ).rows
            ),
        }
        for name, fn in per_set.items():
            checks[f"{label} · {name}"] = lambda s, fn=fn, sc=sc: fn(s, sc)
    return checks


def _frames_equal(raw: Any, rolled: Any) -> bool:
    if not isinstance(raw, pd.DataFrame):
        return bool(raw == rolled)
    keys = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    if keys:
        raw = raw.sort_values(keys, ignore_index=True, key=lambda c: c.astype(str))
        rolled = rolled.sort_values(keys, ignore_index=True, key=lambda c: c.astype(str))
    try:
        pd.testing.assert_frame_equal(raw, rolled, check_dtype=False, rtol=1e-9, atol=1e-9)
    except AssertionError:
        return False
    return True


def rollups_equal_raw(engine: Engine) -> bool:
    """Whether every rollup-read aggregate equals the same aggregate read from the mentions."""
    t0 = time.perf_counter()
    unequal = []
    for name, check in rollup_checks(engine).items():
        with Session(engine, info={RAW: True}) as raw, Session(engine, info={RAW: False}) as rolled:
            if not _frames_equal(check(raw), check(rolled)):
                unequal.append(name)
    took = time.perf_counter() - t0
    print(f"rollups equal raw queries: {not unequal} ({took:.0f} s)"
          + (f"; differ: {', '.join(unequal)}" if unequal else ""))  # fmt: skip
    return not unequal


def analyze(engine: Engine) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map for index-only scans)."""
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(statement)


def count_mentions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM mention").scalar() or 0)


# -- timing ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    cold_s: float | None = None
    warm_s: float | None = None
    error: str | None = None
    sql_s: float | None = None  # the warm run's time in SQL statements (the rest is Python)
    seq_scan_mention: bool | None = None
    statements: list[tuple[float, str, Any]] = field(default_factory=list)  # warm run's

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cold_s": self.cold_s,
            "warm_s": self.warm_s,
            "sql_s": self.sql_s,
            "seq_scan_mention": self.seq_scan_mention,
            "error": self.error,
            # the warm run's statements, slowest first (execution time, SQL's first 160 chars)
            "statements": [
                {"s": round(elapsed, 4), "sql": " ".join(sql.split())[:160]}
                for elapsed, sql, _ in sorted(self.statements, key=lambda st: -st[0])
            ],
        }


class Recorder:
    """Every SQL statement an engine runs while ``on``, with its time."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.statements: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        conn.info["umot_t0"] = time.perf_counter()

    def _after(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if self.on and not many:
            elapsed = time.perf_counter() - conn.info.pop("umot_t0", time.perf_counter())
            self.statements.append((elapsed, statement, params))


QueryFactory = Callable[[Session], Callable[[], Any]]


def query_list(engine: Engine) -> list[tuple[str, QueryFactory]]:
    """Every dashboard query (``bench.dashboard_queries.page_queries``) for every filter set,
    each as a factory taking the session it runs in."""
    now = datetime.now(UTC)
    with Session(engine) as s:
        brands = dict(s.exec(select(Brand.name, Brand.id)).all())
        weights = weights_for(s, source_weight)
    params = loop.LoopParams()
    out: list[tuple[str, QueryFactory]] = []
    for label, scope in filter_sets(brands, now).items():
        with Session(engine) as s:
            pages = page_queries(s, scope, weights, params, now, brands)
        for page, queries in pages.items():
            for name in queries:

                def factory(
                    s: Session, scope: Any = scope, page: str = page, name: str = name
                ) -> Callable[[], Any]:
                    return page_queries(s, scope, weights, params, now, brands)[page][name]

                out.append((f"{label} · {page} · {name}", factory))
    return out


@dataclass
class Bench:
    engine_url: str
    server: PgServer | None
    cold: str  # "restart" or "first"
    repeat: int
    timeout_s: float
    engine: Engine = field(init=False)
    recorder: Recorder = field(init=False)

    def __post_init__(self) -> None:
        self._open()

    def _open(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.timeout_s and self.engine_url.startswith("postgresql"):
            ms = int(self.timeout_s * 1000)
            kwargs["connect_args"] = {"options": f"-c statement_timeout={ms}"}
        self.engine = make_engine(self.engine_url, **kwargs)
        self.recorder = Recorder(self.engine)

    def make_cold(self) -> None:
        self.engine.dispose()
        if self.cold == "restart":
            if self.server is not None:
                self.server.stop()
            drop_os_caches()
            if self.server is not None:
                self.server.start()
        self._open()

    def run(self, name: str, factory: QueryFactory) -> Result:
        result = Result(name)
        self.make_cold()
        try:
            with Session(self.engine) as s:
                fn = factory(s)
                result.cold_s = _seconds(fn)
                times = []
                for _ in range(self.repeat):
                    self.recorder.statements = []
                    self.recorder.on = True
                    times.append(_seconds(fn))
                    self.recorder.on = False
                result.warm_s = min(times)
                result.statements = list(self.recorder.statements)
                if self.engine.dialect.name == "postgresql":  # sqlite3 steps rows lazily
                    result.sql_s = sum(st[0] for st in result.statements)
        except Exception as exc:  # noqa: BLE001 — a timed-out query is a result, not a crash
            self.recorder.on = False
            result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return result


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def drop_os_caches() -> bool:
    """``sync; echo 3 > /proc/sys/vm/drop_caches`` when allowed (root); whether it was."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def explain(engine: Engine, statement: str, params: Any, analyze_it: bool) -> str:
    """The plan of one captured statement, run through the driver with its own parameters."""
    if engine.dialect.name == "postgresql":
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze_it else "EXPLAIN "
    else:
        prefix = "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).all()
    if engine.dialect.name == "sqlite":
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(str(r[0]) for r in rows)


def flag_seq_scans(engine: Engine, results: list[Result]) -> None:
    pattern = SEQ_SCAN[engine.dialect.name]
    for result in results:
        if result.error:
            continue
        plans = [
            explain(engine, st, p, False)
            for _, st, p in result.statements
            if st.lstrip().upper().startswith(("SELECT", "WITH"))
        ]
        result.seq_scan_mention = any(pattern.search(plan) for plan in plans)


# -- output ----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "     —" if value is None else f"{value:8.3f}"


def print_table(results: list[Result]) -> None:
    print(f"\n{'query':78} {'cold s':>8} {'warm s':>8} {'sql s':>8}  seq-scan mention")
    for r in results:
        flags = " OVER" if (r.warm_s or 0) > 1 or (r.cold_s or 0) > 3 else ""
        seq = {True: "yes", False: "no", None: "?"}[r.seq_scan_mention]
        error = f"  {r.error}" if r.error else ""
        times = f"{_fmt(r.cold_s)} {_fmt(r.warm_s)} {_fmt(r.sql_s)}"
        print(f"{r.name[:78]:78} {times}  {seq}{flags}{error}")
    ok = [r for r in results if r.warm_s is not None]
    over_warm = sum(1 for r in ok if r.warm_s > 1)  # type: ignore[operator]
    over_cold = sum(1 for r in ok if (r.cold_s or 0) > 3)
    seq = sum(1 for r in results if r.seq_scan_mention)
    print(
        f"\n{len(results)} queries, {len(results) - len(ok)} failed; warm over 1 s: "
        f"{over_warm}; cold over 3 s: {over_cold}; seq scan of mention: {seq}"
    )


def print_slowest_plans(engine: Engine, results: list[Result], count: int = 3) -> None:
    ranked = sorted(
        (r for r in results if r.warm_s is not None and r.statements),
        key=lambda r: r.warm_s or 0,
        reverse=True,
    )
    for r in ranked[:count]:
        elapsed, statement, params = max(r.statements, key=lambda s: s[0])
        print(
            f"\n== EXPLAIN (ANALYZE, BUFFERS) — {r.name}: warm {r.warm_s:.3f} s, slowest of "
            f"its {len(r.statements)} statements {elapsed:.3f} s"
        )
        print(statement)
        print(f"-- parameters: {params}")
        try:
            print(explain(engine, statement, params, True))
        except Exception as exc:  # noqa: BLE001
            print(f"(EXPLAIN failed: {exc})")


def write_json(
    path: Path, database: str, mentions: int, results: list[Result], meta: dict[str, Any]
) -> None:
    payload = {
        "database": database,
        "mentions": mentions,
        "queries": [r.as_json() for r in results],
        **meta,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


# -- main ------------------------------------------------------------------------------------


def prepare(
    engine: Engine, mentions: int, recreate: Callable[[], None] | None, fresh: bool, order: str
) -> float:
    """Migrate, then generate unless the database already holds ``mentions`` mentions (and
    ``fresh`` is false). ``recreate`` empties a database the bench owns (None: not its own).
    Returns the generation's seconds (0 when reused)."""
    upgrade(engine)
    have = count_mentions(engine)
    if have == mentions and not fresh:
        print(f"reusing the {have:,} mentions already there")
        return 0.0
    if have:
        if recreate is None:
            raise SystemExit(
                f"the database holds {have:,} mentions, not {mentions:,}: "
                "point --url at an empty database or one of that size"
            )
        print(f"the database holds {have:,} mentions: starting afresh")
        engine.dispose()
        recreate()
        upgrade(engine)
    print(f"generating {mentions:,} mentions …")
    took = generate(engine, mentions, order)
    print(f"  generation (with indexes and VACUUM ANALYZE / ANALYZE) took {took:.0f} s")
    return took


def measure(args: argparse.Namespace, url: str, server: PgServer | None, gen_s: float) -> None:
    cold = args.cold or (
        "restart" if (server is not None or args.database == "sqlite") else "first"
    )
    bench = Bench(url, server, cold, args.repeat, args.query_timeout)
    queries = [q for q in query_list(bench.engine) if not args.only or args.only in q[0]]
    print(
        f"\n{len(queries)} queries; cold: {cold_note(cold, server, drop_os_caches())};"
        f" warm: best of {args.repeat}; load average {os.getloadavg()[0]:.2f}"
    )
    results = []
    for name, factory in queries:
        result = bench.run(name, factory)
        print(
            f"  {name[:78]:78} {_fmt(result.cold_s)} {_fmt(result.warm_s)}"
            f"{'  ' + result.error if result.error else ''}",
            flush=True,
        )
        results.append(result)
    flag_seq_scans(bench.engine, results)
    print_table(results)
    equal = None if args.no_rollup_check else rollups_equal_raw(bench.engine)
    print_slowest_plans(bench.engine, results, args.explain)
    if args.json:
        total = count_mentions(bench.engine)
        meta = {
            "rollups_equal_raw": equal,
            "cold": cold,
            "generation_s": round(gen_s, 1),
            "server_settings": SERVER_SETTINGS if server else None,
        }
        write_json(args.json, args.database, total, results, meta)
        print(f"\nwrote {args.json}")
    bench.engine.dispose()


def cold_note(cold: str, server: PgServer | None, dropped: bool) -> str:
    if cold == "first":
        return "first run on a new connection (no restart, caches as they were)"
    restart = "server restarted, " if server is not None else "new connection, "
    caches = "OS page cache dropped" if dropped else "OS page cache NOT dropped (not root)"
    return f"{restart}{caches} before each query"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--mentions", type=int, default=10_000_000)
    parser.add_argument("--url", help="An existing PostgreSQL database (empty, or of that size).")
    parser.add_argument("--keep", type=Path, help="PostgreSQL data directory kept between runs.")
    parser.add_argument("--db", type=Path, default=Path("/tmp/umot-scale.db"), help="SQLite file.")
    parser.add_argument("--json", type=Path, help="Write the results here.")
    parser.add_argument("--fresh", action="store_true", help="Regenerate the bench's own data.")
    parser.add_argument(
        "--order",
        choices=("arrival", "random"),
        default="arrival",
        help="arrival: ids (and rows on disk) in publication order, as crawled; random: each "
        "mention its demo template's date, ids unrelated to dates (the first 10M baseline).",
    )
    parser.add_argument("--repeat", type=int, default=3, help="Warm runs (the best counts).")
    parser.add_argument(
        "--cold",
        choices=("restart", "first"),
        help="restart: server restart + OS caches dropped before each query; "
        "first: a new connection only.",
    )
    parser.add_argument(
        "--explain", type=int, default=3, help="EXPLAIN ANALYZE the slowest N queries."
    )
    parser.add_argument(
        "--only", help="Time only the queries whose name holds this text (e.g. influential)."
    )
    parser.add_argument(
        "--no-rollup-check",
        action="store_true",
        help="Skip comparing the rollup-read aggregates with the same read from the mentions "
        "(at 10M that comparison reads every mention several times).",
    )
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=0,
        help="PostgreSQL statement_timeout in seconds (0: none).",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    # stop the bench's server on a plain kill too (the context managers' exits run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.database == "sqlite":
        url = f"sqlite:///{args.db}"

        def recreate_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.db}{suffix}").unlink(missing_ok=True)

        engine = make_engine(url)
        gen_s = prepare(engine, args.mentions, recreate_file, args.fresh, args.order)
        engine.dispose()
        measure(args, url, None, gen_s)
    elif args.url:
        url = args.url
        engine = make_engine(url)
        gen_s = prepare(engine, args.mentions, None, args.fresh, args.order)
        engine.dispose()
        measure(args, url, None, gen_s)
    else:
        with pg_server(args.keep) as server:
            print(
                f"PostgreSQL in {server.data}: "
                + " ".join(f"{k}={v}" for k, v in SERVER_SETTINGS.items())
            )
            engine = make_engine(server.url)
            gen_s = prepare(engine, args.mentions, server.drop_database, args.fresh, args.order)
            engine.dispose()
            measure(args, server.url, server, gen_s)


if __name__ == "__main__":
    main()
