"""Writing and looking up mentions: batch upserts that are one statement per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, String, bindparam, func, select, text, true
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store import bulk, rollups
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
BATCH_SIZE = 1000


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

    Per batch: one SELECT to tell known from new, one INSERT … ON CONFLICT DO UPDATE, and one
    INSERT of engagement snapshots (every sighting is a snapshot: visibility changes over time);
    the change to the daily rollups goes to their journal (store.rollups). The caller commits.
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
    rows = _rows(source_id, items, run_id, now)
    known, rolled_before = _known(session, source_id, list(rows))
    result = UpsertResult()
    for external_id, row in rows.items():
        before = known.get(external_id)
        if before is None:
            result.new += 1
            result.new_external_ids.append(external_id)
        elif _changed(before, row):
            result.updated += 1
        else:
            result.unchanged += 1

    ids, after = _write(session, rows)
    rollups.record(session, rollups.difference(rolled_before, after))
    result.ids = [ids[external_id] for external_id in rows]

    if snapshots:
        snap_rows = [
            {
                "mention_id": ids[external_id],
                "run_id": run_id,
                "captured_at": now,
                **{name: row[name] for name in COUNTERS},
            }
            for external_id, row in rows.items()
        ]
        if bulk.is_postgres(session):
            names = list(snap_rows[0])
            rows_out = ([r[n] for n in names] for r in snap_rows)
            bulk.copy_rows(session, EngagementSnapshot.__table__, names, rows_out)  # type: ignore[attr-defined]
        else:
            session.execute(EngagementSnapshot.__table__.insert(), snap_rows)  # type: ignore[attr-defined]
    return result


def _write(
    session: Session, rows: dict[str, dict[str, Any]]
) -> tuple[dict[str, int], rollups.Delta]:
    """One INSERT … ON CONFLICT DO UPDATE for the batch: the mention id per external id, and
    the rows' rollup contributions as written (on PostgreSQL RETURNed, saving a read).

    On PostgreSQL the rows go to a temporary table by COPY first (store.bulk)."""
    table = Mention.__table__  # type: ignore[attr-defined]
    if bulk.is_postgres(session):
        returning = [table.c.id, table.c.external_id, *rollups.capture_columns()]
        columns = list(next(iter(rows.values())))
        staging = _staging(session, columns)
        values = ([r[c] for c in columns] for r in rows.values())
        bulk.copy_rows(session, table, columns, values, into=_STAGING)
        stmt = _on_conflict(postgresql.insert(table).from_select(columns, select(staging)))
        returned = session.execute(stmt.returning(*returning)).all()
        session.execute(text(f"TRUNCATE {_STAGING}"))
        return {row[1]: row[0] for row in returned}, rollups.sums(row[2:] for row in returned)
    # SQLite (3.40) answers "column IS NOT NULL" wrongly in an upsert's RETURNING: read the
    # contributions back instead.
    stmt = _on_conflict(sqlite.insert(table)).returning(
        table.c.id, table.c.external_id, sort_by_parameter_order=True
    )
    ids = {
        external_id: mention_id
        for mention_id, external_id in session.execute(stmt, list(rows.values()))
    }
    return ids, rollups.capture(session, list(ids.values()), lock=False)


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


def _staging(session: Session, columns: list[str]) -> Any:
    """This connection's temporary table for a batch (made once; emptied at commit)."""
    names = ", ".join(columns)
    session.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
            f"SELECT {names} FROM mention WITH NO DATA"
        )
    )
    return sql_table(_STAGING, *(sql_column(c) for c in columns))


def _rows(
    source_id: int, items: Sequence[MentionIn], run_id: int | None, now: datetime
) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for item in items:
        # A listing can show the same mention twice (pinned + in place): the last one wins.
        row = {name: getattr(item, name) for name in FIELDS}
        rows[item.external_id] = {
            "source_id": source_id,
            **row,
            "content_hash": content_hash(item.title, item.text),
            "visibility": base_visibility(
                helpful_votes=item.helpful_votes,
                likes=item.likes,
                shares=item.shares,
                replies=item.replies,
                author_followers=item.author_followers,
            ),
            "first_seen_at": now,
            "last_seen_at": now,
            "last_run_id": run_id,
        }
    return rows


def _known(
    session: Session, source_id: int, external_ids: list[str]
) -> tuple[dict[str, dict[str, Any]], rollups.Delta]:
    """The batch's known mentions (id, hash, counters by external id) and their rollup
    contributions before the write; locked on PostgreSQL, so that no other writer changes them
    between this read and the write (store.rollups)."""
    cols = [
        col(Mention.id),
        col(Mention.external_id),
        col(Mention.content_hash),
        *(getattr(Mention, c) for c in COUNTERS),
    ]
    postgres = bulk.is_postgres(session)
    stmt = select(*cols, *rollups.capture_columns())
    if postgres:
        stmt = stmt.where(col(Mention.id).in_(_ids_of(source_id, external_ids)))
        stmt = stmt.order_by(col(Mention.id)).with_for_update(of=Mention.__table__)  # type: ignore[attr-defined]
    else:
        stmt = stmt.where(
            Mention.source_id == source_id,
            Mention.external_id.in_(external_ids),  # type: ignore[attr-defined]
        )
    rows = session.execute(stmt).all()
    found = {
        row.external_id: dict(
            zip(("id", "external_id", "content_hash", *COUNTERS), row, strict=False)
        )
        for row in rows
    }
    return found, rollups.sums(row[len(cols) :] for row in rows)


def _ids_of(source_id: int, external_ids: list[str]) -> Any:
    """The ids of a source's mentions among ``external_ids`` (PostgreSQL): one probe of the
    (source, external id) index per key, whatever the statistics say.

    A plain ``IN`` lets the planner hash the keys against every mention of the source, and it
    does so while the statistics still describe a smaller table (a first crawl, a burst between
    two autovacuum runs): 45 ms a batch at 100,000 mentions, against 5 ms probed. The LIMIT
    keeps the lateral subquery from being merged back into such a join."""
    keys = func.unnest(bindparam("external_ids", external_ids, type_=ARRAY(String)))
    wanted = keys.table_valued("external_id").render_derived(name="wanted")
    stored = aliased(Mention)
    probe = (
        select(stored.id)
        .where(stored.source_id == source_id, stored.external_id == wanted.c.external_id)
        .limit(1)
        .lateral("probe")
    )
    return select(probe.c.id).select_from(wanted).join(probe, true())


def _changed(before: dict[str, Any], row: dict[str, Any]) -> bool:
    if before["content_hash"] != row["content_hash"]:
        return True
    return any(row[c] is not None and row[c] != before[c] for c in COUNTERS)


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
