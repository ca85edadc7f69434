"""Writing and looking up mentions: batch upserts that are one statement per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, insert, or_, select, text, true
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store import bulk, rollups
from store.db import SOURCE_WRITES_LOCK, lock_for_writing
from store.models import EngagementSnapshot, Mention, MentionBase
from store.schemas import MentionIn, UpsertResult, base_visibility, content_hash
from store.types import utcnow

# The fields a mention arrives with, in the model's order; every one is a column of the same name.
FIELDS = tuple(MentionIn.model_fields)
# The counters a re-crawl can move: what an engagement snapshot records of a mention.
COUNTERS = tuple(
    name for name in EngagementSnapshot.model_fields if name in MentionBase.model_fields
)
# Columns a re-crawl refreshes: all but the key. A value the source stopped sending (None) keeps
# what we had: missing data is never a reason to forget data.
_REFRESHED = tuple(name for name in FIELDS if name != "external_id")
# A batch row: the fields a mention arrives with, then what the store derives from them. The
# values every row of a batch shares (source, time, run: ``_SHARED``) are bound once.
COLUMNS = (*FIELDS, "content_hash", "visibility")
_SHARED = ("source_id", "first_seen_at", "last_seen_at", "last_run_id")
_AT = {name: i for i, name in enumerate(COLUMNS)}
_fields = attrgetter(*FIELDS)
BATCH_SIZE = 1000
Row = tuple[Any, ...]  # values in COLUMNS order


def upsert_many(
    session: Session,
    *,
    source_id: int,
    items: Iterable[MentionIn],
    run_id: int | None = None,
    now: datetime | None = None,
    snapshots: bool = True,
) -> UpsertResult:
    """Insert new mentions and refresh known ones; return counts and ids.

    Per batch of ``BATCH_SIZE``: the known mentions' rollup contributions are kept (locked on
    PostgreSQL), one INSERT … ON CONFLICT DO UPDATE writes the batch, the change to the daily
    rollups goes to their journal (store.rollups) and every sighting becomes an engagement
    snapshot (visibility changes over time). The caller commits.
    """
    now = now or utcnow()
    result = UpsertResult()
    batch: list[MentionIn] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            result += _upsert_batch(session, source_id, batch, run_id, now, snapshots)
            batch = []
    if batch:
        result += _upsert_batch(session, source_id, batch, run_id, now, snapshots)
    return result


def _upsert_batch(
    session: Session,
    source_id: int,
    items: Sequence[MentionIn],
    run_id: int | None,
    now: datetime,
    snapshots: bool,
) -> UpsertResult:
    rows = _rows(items)
    shared = {"source_id": source_id, "now": now, "run_id": run_id}
    if bulk.is_postgres(session):
        changed, ids = _write_postgres(session, rows, shared, snapshots)
    else:
        changed, ids = _write_sqlite(session, rows, shared, snapshots)
    result = UpsertResult()
    for external_id in rows:
        known = changed.get(external_id)
        if known is None:
            result.new += 1
            result.new_external_ids.append(external_id)
        elif known:
            result.updated += 1
        else:
            result.unchanged += 1
    result.ids = [ids[external_id] for external_id in rows]
    return result


def _write_postgres(
    session: Session, rows: dict[str, Row], shared: dict[str, Any], snapshots: bool
) -> tuple[dict[str, bool], dict[str, int]]:
    """The batch in three statements: COPY into a temporary table; lock the known mentions
    (in id order) and keep their rollup contributions (store.rollups); then one INSERT … ON
    CONFLICT DO UPDATE that also journals the rollup change and writes the snapshots.

    Returns, per known external id, whether the sighting changed it, and every row's id.

    Writers of one source take turns, until their commit: two processes of a shared crawl
    can see the same new mention, and the second must find the first's row known (its
    contribution held), not insert over it and count it again."""
    connection = session.connection()
    connection.execute(select(func.pg_advisory_xact_lock(SOURCE_WRITES_LOCK, shared["source_id"])))
    _prepare_staging(session)
    rollups.prepare(session)
    bulk.copy_rows(session, Mention.__table__, COLUMNS, rows.values(), into=_STAGING)  # type: ignore[attr-defined]
    lock, write = _postgres_statements(snapshots)
    known = connection.execute(lock, {"source_id": shared["source_id"]}).all()
    written = connection.execute(write, shared).all()
    connection.execute(text(f"DELETE FROM {_STAGING}"))
    rollups.release(session)
    return dict(known), {external_id: mention_id for mention_id, external_id in written}


@lru_cache(maxsize=2)
def _postgres_statements(snapshots: bool) -> tuple[Any, Any]:
    """The batch's lock and write statements (built once: they are the same for every
    batch)."""
    table = Mention.__table__  # type: ignore[attr-defined]
    staged = sql_table(_STAGING, *(sql_column(c) for c in COLUMNS))
    source_id = bindparam("source_id", type_=Integer)
    now = bindparam("now", type_=table.c.last_seen_at.type)
    run_id = bindparam("run_id", type_=Integer)
    locked = _locked(staged, source_id).cte("locked")
    lock = select(locked.c.external_id, locked.c.changed).add_cte(rollups.hold(locked).cte("held"))
    written = select(*staged.c, source_id, now, now, run_id)
    upsert = _on_conflict(postgresql.insert(table).from_select([*COLUMNS, *_SHARED], written))
    after = upsert.returning(table.c.id, table.c.external_id, *rollups.capture_columns())
    after = after.cte("after")
    writes = [s.cte(f"journal_{i}") for i, s in enumerate(rollups.journal(after))]
    if snapshots:
        writes.append(_snapshots(after, staged, run_id, now).cte("snapshots"))
    return lock, select(after.c.id, after.c.external_id).add_cte(*writes)


def _locked(staged: Any, source_id: Any) -> Any:
    """The staged rows' stored mentions, locked in id order: their id, external id, rollup
    contributions, and whether the sighting changes them (new text or a counter that moved;
    a counter the source stopped sending changes nothing)."""
    probe = _probe(source_id, staged.c.external_id)
    changed = or_(
        col(Mention.content_hash) != staged.c.content_hash,
        *(
            and_(staged.c[c].is_not(None), staged.c[c].is_distinct_from(getattr(Mention, c)))
            for c in COUNTERS
        ),
    )
    return (
        select(
            col(Mention.id).label("mention_id"),
            col(Mention.external_id),
            changed.label("changed"),
            *rollups.capture_columns(),
        )
        .select_from(staged)
        .join(probe, true())
        .join(Mention, col(Mention.id) == probe.c.id)
        .order_by(col(Mention.id))
        .with_for_update(of=Mention.__table__)  # type: ignore[attr-defined]
    )


def _probe(source_id: Any, external_id: Any) -> Any:
    """The id of the mention with ``external_id`` on ``source_id``, as a lateral subquery.

    One probe of the (source, external id) index per key, whatever the statistics say: a plain
    join lets the planner hash the keys against every mention of the source, and it does so
    while the statistics still describe a smaller table (a first crawl, a burst between two
    autovacuum runs): 45 ms a batch at 100,000 mentions, against 5 ms probed. The LIMIT keeps
    the subquery from being merged back into such a join."""
    stored = aliased(Mention)
    return (
        select(stored.id)
        .where(stored.source_id == source_id, stored.external_id == external_id)
        .limit(1)
        .lateral("probe")
    )


def _snapshots(after: Any, staged: Any, run_id: Any, now: Any) -> Any:
    """The INSERT of one engagement snapshot per sighting: the counters as the source sent
    them (every sighting is a snapshot: visibility changes over time)."""
    names = ["mention_id", "run_id", "captured_at", *COUNTERS]
    sighted = select(after.c.id, run_id, now, *(staged.c[c] for c in COUNTERS)).join_from(
        after, staged, staged.c.external_id == after.c.external_id
    )
    return insert(EngagementSnapshot).from_select(names, sighted)


def _write_sqlite(
    session: Session, rows: dict[str, Row], shared: dict[str, Any], snapshots: bool
) -> tuple[dict[str, bool], dict[str, int]]:
    """The batch as plain statements (SQLite binds them in C; no placeholder limit is near).

    It reads the known rows before it writes: the file's write lock is taken first, so another
    process's commit in between cannot fail it (:func:`store.db.lock_for_writing`)."""
    lock_for_writing(session.connection())
    table = Mention.__table__  # type: ignore[attr-defined]
    now, run_id = shared["now"], shared["run_id"]
    batch = dict(zip(_SHARED, (shared["source_id"], now, now, run_id), strict=True))
    stored = (
        Mention.source_id == shared["source_id"],
        col(Mention.external_id).in_(list(rows)),
    )
    rollups.prepare(session)
    before = select(col(Mention.id).label("mention_id"), *rollups.capture_columns())
    session.execute(rollups.hold(before.where(*stored).subquery()))
    counters = [getattr(Mention, c) for c in COUNTERS]
    known = session.execute(
        select(col(Mention.external_id), col(Mention.content_hash), *counters).where(*stored)
    ).all()
    changed = {row[0]: _changed(row[1:], rows[row[0]]) for row in known}
    # SQLite (3.40) answers "column IS NOT NULL" wrongly in an upsert's RETURNING: the
    # contributions after the write are read back instead.
    stmt = _on_conflict(sqlite.insert(table)).returning(
        table.c.id, table.c.external_id, sort_by_parameter_order=True
    )
    ids = {
        external_id: mention_id
        for mention_id, external_id in session.execute(
            stmt, [{**dict(zip(COLUMNS, row, strict=True)), **batch} for row in rows.values()]
        )
    }
    after = select(*rollups.capture_columns()).where(col(Mention.id).in_(list(ids.values())))
    for statement in rollups.journal(after.subquery("after")):
        session.execute(statement)
    rollups.release(session)
    if snapshots:
        session.execute(
            EngagementSnapshot.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "mention_id": ids[external_id],
                    "run_id": run_id,
                    "captured_at": now,
                    **{name: row[_AT[name]] for name in COUNTERS},
                }
                for external_id, row in rows.items()
            ],
        )
    return changed, ids


def _on_conflict(stmt: Any) -> Any:
    """A re-crawled mention: refresh what came again, keep what the source stopped sending."""
    table = Mention.__table__  # type: ignore[attr-defined]
    excluded = stmt.excluded
    set_: dict[str, Any] = {
        name: func.coalesce(getattr(excluded, name), table.c[name]) for name in _REFRESHED
    }
    set_.update(
        content_hash=excluded.content_hash,
        visibility=excluded.visibility,
        last_seen_at=excluded.last_seen_at,
        last_run_id=func.coalesce(excluded.last_run_id, table.c.last_run_id),
    )
    return stmt.on_conflict_do_update(index_elements=["source_id", "external_id"], set_=set_)


_STAGING = "umot_mention_batch"


def _prepare_staging(session: Session) -> None:
    """Make this connection's temporary table for a batch, once (the commit empties it)."""
    session.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
            f"SELECT {', '.join(COLUMNS)} FROM mention WITH NO DATA"
        )
    )


def _rows(items: Sequence[MentionIn]) -> dict[str, Row]:
    """The batch's rows by external id; a listing can show the same mention twice (pinned and
    in place): the last one wins."""
    return {
        item.external_id: (
            *_fields(item),
            content_hash(item.title, item.text),
            base_visibility(
                helpful_votes=item.helpful_votes,
                likes=item.likes,
                shares=item.shares,
                replies=item.replies,
                author_followers=item.author_followers,
            ),
        )
        for item in items
    }


def _changed(before: Sequence[Any], row: Row) -> bool:
    """Whether a sighting changes a stored mention: ``before`` is its content hash, then its
    ``COUNTERS``. A counter the source stopped sending (None) changes nothing."""
    if before[0] != row[_AT["content_hash"]]:
        return True
    return any(
        row[_AT[c]] is not None and row[_AT[c]] != old
        for c, old in zip(COUNTERS, before[1:], strict=True)
    )


def known_external_ids(
    session: Session, *, source_id: int, external_ids: Iterable[str] | None = None
) -> set[str]:
    """External ids already stored for a source (optionally only among ``external_ids``)."""
    stmt = select(Mention.external_id).where(Mention.source_id == source_id)
    if external_ids is not None:
        wanted = list(external_ids)
        if not wanted:
            return set()
        stmt = stmt.where(Mention.external_id.in_(wanted))  # type: ignore[attr-defined]
    return set(session.scalars(stmt))


def count_mentions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Mention)) or 0
