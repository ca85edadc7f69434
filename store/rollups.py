"""Keep the daily rollups and the advocate totals equal to the mentions they sum.

Every writer of a rollup-relevant mention column (``store.mentions.upsert_many`` and
``store.classifications.write_effective_labels``, the only two) wraps its change in
:func:`tracking`: it reads the rows' rollup keys and values before and after, and appends the
difference to the journals in the same transaction: ``mention_day_change`` for the daily sums,
``advocate_change`` for the positive mentions' count and visibility per author, source and
brand. Appending never waits on another writer, so crawls and classify workers stay as parallel
as before; :func:`fold` then moves the journals into ``mention_day``, ``mention_day_topics`` and
``advocate_total`` in a short transaction of its own (one folder at a time). Readers
(``store.facts``, ``store.advocacy``) add the journals, so every figure is exact whether or not
it has been folded yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal_column, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from store import bulk
from store.models import (
    AdvocateChange,
    AdvocateTotal,
    Mention,
    MentionDay,
    MentionDayChange,
    MentionDayTopics,
)
from store.scope import to_date, utc_day
from store.topics import topics_text

NO_DAY = date(1900, 1, 1)  # the day of a mention without a publication date
KEYS = ("day", "brand_id", "product_id", "source_id", "stage", "sentiment")
SUMS = (
    "mentions", "scored", "rated", "visibility", "visibility_scored", "visibility_score",
    "score_sum", "rating_sum",
)  # fmt: skip
ADVOCATE_KEYS = ("author", "source_id", "brand_id")
ADVOCATE_SUMS = ("mentions", "visibility")
_FOLD_LOCK = 0x756D6F74  # pg_advisory_xact_lock key of the folder ("umot")
_CAPTURE_CHUNK = 5_000


# Constants written into the SQL rather than bound: these columns are also RETURNed by the
# batch upsert, and SQLite's multi-row INSERT … RETURNING misplaces parameters bound there.
_ZERO, _ONE, _NONE = literal_column("0"), literal_column("1"), literal_column("''")
_ZERO_F = literal_column("0.0")
_NO_DAY = literal_column(f"'{NO_DAY.isoformat()}'")
_POSITIVE = literal_column("'positive'")


def _key_columns() -> list[Any]:
    """The rollup key of a mention, as SQL (placeholders for NULL, see store.models)."""
    return [
        func.coalesce(utc_day(col(Mention.published_at)), _NO_DAY),
        func.coalesce(col(Mention.brand_id), _ZERO),
        func.coalesce(col(Mention.product_id), _ZERO),
        col(Mention.source_id),
        func.coalesce(col(Mention.stage), _NONE),
        func.coalesce(col(Mention.sentiment), _NONE),
        func.coalesce(topics_text(), _NONE),
    ]


def _value_columns() -> list[Any]:
    """One mention's contribution to each sum, as SQL (a row of ``SUMS``)."""
    score, visibility = col(Mention.sentiment_score), col(Mention.visibility)
    scored = score.is_not(None)
    return [
        _ONE,
        case((scored, _ONE), else_=_ZERO),
        case((col(Mention.rating).is_not(None), _ONE), else_=_ZERO),
        visibility,
        case((scored, visibility), else_=_ZERO_F),
        func.coalesce(visibility * score, _ZERO_F),
        func.coalesce(score, _ZERO_F),
        func.coalesce(col(Mention.rating), _ZERO_F),
    ]


def _advocate_column() -> Any:
    """The author a mention counts for among the advocates (a positive mention with an
    author), else NULL."""
    author = col(Mention.author)
    advocate = and_(col(Mention.sentiment) == _POSITIVE, author.is_not(None), author != _NONE)
    return case((advocate, author), else_=None)


Key = tuple[Any, ...]  # KEYS + topics
AdvocateKey = tuple[str, int, int]  # author, source, brand (0: none)
_WIDTH = len(KEYS) + 1  # key columns of a captured row (KEYS + topics), then SUMS, then author
_BRAND, _SOURCE = KEYS.index("brand_id"), KEYS.index("source_id")
_VISIBILITY = _WIDTH + SUMS.index("visibility")


@dataclass(slots=True)
class Delta:
    """Changes to the rollups: ``days``, per rollup key, a row of ``SUMS``; ``advocates``, per
    (author, source, brand), the positive mentions and their visibility (``ADVOCATE_SUMS``)."""

    days: dict[Key, list[float]] = field(default_factory=dict)
    advocates: dict[AdvocateKey, list[float]] = field(default_factory=dict)


def capture_columns() -> list[Any]:
    """A mention's rollup key and contributions, as SQL columns to select or return."""
    return [*_key_columns(), *_value_columns(), _advocate_column()]


def sums(rows: Iterable[Sequence[Any]]) -> Delta:
    """Rows of :func:`capture_columns` values, summed per rollup key and per advocate."""
    days: dict[Key, list[float]] = defaultdict(lambda: [0.0] * len(SUMS))
    advocates: dict[AdvocateKey, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        total = days[(to_date(row[0]), *row[1:_WIDTH])]
        for i, value in enumerate(row[_WIDTH : _WIDTH + len(SUMS)]):
            total[i] += float(value)
        author = row[_WIDTH + len(SUMS)]
        if author is not None:
            advocate = advocates[(author, row[_SOURCE], row[_BRAND])]
            advocate[0] += 1
            advocate[1] += float(row[_VISIBILITY])
    return Delta(dict(days), dict(advocates))


def capture(session: Session, ids: Sequence[int], *, lock: bool = True) -> Delta:
    """The rollup contributions of mentions ``ids``, summed per key (rows locked on PostgreSQL,
    so a concurrent writer cannot change them between this read and the caller's write)."""
    postgres = bulk.is_postgres(session)
    rows: list[Any] = []
    for start in range(0, len(ids), _CAPTURE_CHUNK):
        chunk = list(ids[start : start + _CAPTURE_CHUNK])
        wanted = bulk.one_of(col(Mention.id), chunk) if postgres else col(Mention.id).in_(chunk)
        stmt = select(*capture_columns()).where(wanted)
        if lock and postgres:
            stmt = stmt.order_by(col(Mention.id)).with_for_update(of=Mention.__table__)  # type: ignore[attr-defined]
        rows.extend(session.connection().execute(stmt))
    return sums(rows)


def _changes(before: dict[Any, list[float]], after: dict[Any, list[float]], width: int) -> dict:
    out = {}
    for key in before.keys() | after.keys():
        old = before.get(key, [0.0] * width)
        new = after.get(key, [0.0] * width)
        change = [n - o for n, o in zip(new, old, strict=True)]
        if any(change):
            out[key] = change
    return out


def difference(before: Delta, after: Delta) -> Delta:
    """``after − before`` per key, keys whose sums did not move left out."""
    return Delta(
        _changes(before.days, after.days, len(SUMS)),
        _changes(before.advocates, after.advocates, len(ADVOCATE_SUMS)),
    )


def record(session: Session, delta: Delta) -> int:
    """Append ``delta`` to the journals (in the caller's transaction); returns rows written."""
    days = [
        {
            **dict(zip((*KEYS, "topics"), key, strict=True)),
            **{
                name: (int(v) if name in _COUNTS else v) for name, v in zip(SUMS, sums, strict=True)
            },
        }
        for key, sums in sorted(delta.days.items(), key=lambda item: _sortable(item[0]))
    ]
    advocates = [
        {**dict(zip(ADVOCATE_KEYS, key, strict=True)), "mentions": int(n), "visibility": v}
        for key, (n, v) in sorted(delta.advocates.items())
    ]
    _append(session, MentionDayChange, days)
    _append(session, AdvocateChange, advocates)
    return len(days) + len(advocates)


def _append(session: Session, journal: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if bulk.is_postgres(session):
        names = list(rows[0])
        table = journal.__table__
        bulk.copy_rows(session, table, names, ([r[n] for n in names] for r in rows))
    else:
        session.connection().execute(insert(journal), rows)


_COUNTS = frozenset({"mentions", "scored", "rated"})


def _sortable(key: Key) -> tuple[Any, ...]:
    return (key[0].toordinal(), *key[1:])


@contextmanager
def tracking(session: Session, ids: Sequence[int]) -> Iterator[None]:
    """Around a change to existing mentions ``ids``: record what it did to the rollups."""
    before = capture(session, ids)
    yield
    session.flush()
    record(session, difference(before, capture(session, ids, lock=False)))


def _upsert(table: Any, dialect: str) -> Any:
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert_fn(table)


def _fold_into(
    conn: Connection, table: Any, moved: Any, keys: Sequence[str], sums: Sequence[str]
) -> None:
    """``table`` += the moved journal rows summed per ``keys``; rows that reach zero go."""
    grouped = select(
        *(moved.c[k] for k in keys), *(func.sum(moved.c[s]).label(s) for s in sums)
    ).group_by(*(moved.c[k] for k in keys))
    stmt = _upsert(table, conn.dialect.name).from_select([*keys, *sums], grouped)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={s: table.c[s] + stmt.excluded[s] for s in sums},
    )
    conn.execute(stmt)
    key = tuple_(*(table.c[k] for k in keys))
    folded = select(*(moved.c[k] for k in keys)).where(moved.c.mentions < 0)
    conn.execute(delete(table).where(table.c.mentions == 0, key.in_(folded)))


def fold(conn: Connection, *, limit: int = 200_000) -> int:
    """Move up to ``limit`` journal rows into the rollups; returns how many moved.

    Call outside a writer's transaction (it commits on its own). On PostgreSQL one folder runs
    at a time (an advisory lock, taken before the transaction so that its snapshot is newer
    than the last folder's commit; a second folder returns 0 at once), in one snapshot
    (REPEATABLE READ): a journal row a writer commits meanwhile, even with a lower id, is
    neither summed nor deleted, and waits for the next fold."""
    if conn.dialect.name != "postgresql":
        with conn.begin():
            return _fold(conn, limit)
    locked = conn.scalar(text(f"SELECT pg_try_advisory_lock({_FOLD_LOCK})"))
    conn.commit()
    if not locked:
        return 0
    try:
        snapshot = conn.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            return _fold(snapshot, limit)
    finally:
        conn.execute(text(f"SELECT pg_advisory_unlock({_FOLD_LOCK})"))
        conn.commit()


# Each journal and what it folds into: (table, key columns, summed columns).
_JOURNALS: tuple[tuple[Any, tuple[tuple[Any, Sequence[str], Sequence[str]], ...]], ...] = (
    (
        MentionDayChange,
        ((MentionDayTopics, (*KEYS, "topics"), SUMS), (MentionDay, KEYS, SUMS)),
    ),
    (AdvocateChange, ((AdvocateTotal, ADVOCATE_KEYS, ADVOCATE_SUMS),)),
)


def _fold(conn: Connection, limit: int) -> int:
    moved = 0
    for model, targets in _JOURNALS:
        journal = model.__table__
        if (last := _last_to_fold(conn, journal, limit)) is None:
            continue
        rows = select(journal).where(journal.c.id <= last).subquery()
        for target, keys, sums in targets:
            _fold_into(conn, target.__table__, rows, keys, sums)
        moved += conn.execute(delete(journal).where(journal.c.id <= last)).rowcount or 0
    return moved


def _last_to_fold(conn: Connection, journal: Any, limit: int) -> int | None:
    """The id of the ``limit``-th journal row (or of the last, when there are fewer)."""
    nth = select(journal.c.id).order_by(journal.c.id).offset(limit - 1).limit(1)
    last = conn.scalar(nth)
    if last is None:  # fewer than ``limit`` rows: all of them
        last = conn.scalar(select(func.max(journal.c.id)))
    return last


def fold_all(engine: Any) -> int:
    """Fold the whole journal (in chunks); returns the rows moved."""
    total = 0
    with engine.connect() as conn:
        while moved := fold(conn):
            total += moved
    return total


def rebuild(conn: Connection) -> None:
    """Recompute the rollups and the advocate totals from the mentions and empty the journals
    (after a bulk load, or to repair them). Runs in the caller's transaction."""
    topics_table = MentionDayTopics.__table__  # type: ignore[attr-defined]
    day_table = MentionDay.__table__  # type: ignore[attr-defined]
    names = (*KEYS, "topics")
    per_mention = select(
        *(k.label(n) for k, n in zip(_key_columns(), names, strict=True)),
        *(v.label(s) for v, s in zip(_value_columns(), SUMS, strict=True)),
    ).subquery()
    for table, source, keys in (
        (topics_table, per_mention, names),
        (day_table, topics_table, KEYS),
    ):
        conn.execute(delete(table))
        grouped = select(
            *(source.c[k] for k in keys), *(func.sum(source.c[s]) for s in SUMS)
        ).group_by(*(source.c[k] for k in keys))
        conn.execute(insert(table).from_select([*keys, *SUMS], grouped))
    conn.execute(delete(MentionDayChange.__table__))  # type: ignore[attr-defined]
    totals = AdvocateTotal.__table__  # type: ignore[attr-defined]
    conn.execute(delete(totals))
    group = [
        _advocate_column(),
        col(Mention.source_id),
        func.coalesce(col(Mention.brand_id), _ZERO),
    ]
    grouped = (
        select(*group, func.count(), func.sum(col(Mention.visibility)))
        .where(group[0].is_not(None))
        .group_by(*group)
    )
    conn.execute(insert(totals).from_select([*ADVOCATE_KEYS, *ADVOCATE_SUMS], grouped))
    conn.execute(delete(AdvocateChange.__table__))  # type: ignore[attr-defined]


def pending(conn: Connection) -> int:
    """Journal rows not folded yet (both journals)."""
    return sum(
        conn.scalar(select(func.count()).select_from(model.__table__)) or 0
        for model, _ in _JOURNALS
    )
