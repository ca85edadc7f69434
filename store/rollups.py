"""Keep the daily rollups and the advocate totals equal to the mentions they sum.

Every writer of a rollup-relevant mention column (``store.mentions.upsert_many`` and
``store.classifications.write_effective_labels``, the only two) keeps what the rows contribute
before its change in a temporary table (:func:`hold`; on PostgreSQL the rows locked, in id
order) and, in the same transaction, appends what they contribute after it minus that to the
journals (:func:`journal`, computed in SQL): ``mention_day_change`` for the daily sums,
``advocate_change`` for the positive mentions' count and visibility per author, source and
brand. :func:`tracking` wraps a change to known mentions; the upsert attaches the same
statements to its own. Appending never waits on another writer, so crawls and classify workers
stay as parallel as before; :func:`fold` then moves the journals into ``mention_day``,
``mention_day_topics`` and ``advocate_total`` in a short transaction of its own (one folder at
a time). Readers (``store.facts``, ``store.advocacy``) add the journals, so every figure is
exact whether or not it has been folded yet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from store import bulk
from store.db import FOLD_LOCK, lock_for_writing
from store.models import (
    AdvocateChange,
    AdvocateTotal,
    Mention,
    MentionDay,
    MentionDayChange,
    MentionDayTopics,
)
from store.scope import utc_day
from store.topics import topics_text

NO_DAY = date(1900, 1, 1)  # the day of a mention without a publication date
KEYS = ("day", "brand_id", "product_id", "source_id", "stage", "sentiment")
SUMS = (
    "mentions", "scored", "rated", "visibility", "visibility_scored", "visibility_score",
    "score_sum", "rating_sum",
)  # fmt: skip
ADVOCATE_KEYS = ("author", "source_id", "brand_id")
ADVOCATE_SUMS = ("mentions", "visibility")
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


# The names of a captured row's columns: the rollup key, the sums, the advocate's author.
CAPTURED = (*KEYS, "topics", *SUMS, "author")
_BEFORE = "umot_rollup_before"


def capture_columns() -> list[Any]:
    """A mention's rollup key, its contributions and the author it counts for among the
    advocates, as SQL columns labelled ``CAPTURED`` (to select, or to return from a write)."""
    columns = [*_key_columns(), *_value_columns(), _advocate_column()]
    return [c.label(name) for c, name in zip(columns, CAPTURED, strict=True)]


BEFORE = sql_table(_BEFORE, sql_column("mention_id"), *(sql_column(n) for n in CAPTURED))


def prepare(session: Session) -> None:
    """Make this connection's ``BEFORE`` table, once: what mentions contributed before a
    change, ``mention_id`` and ``CAPTURED`` (temporary; :func:`release` empties it)."""
    dialect = session.get_bind().dialect
    if dialect.name not in _BEFORE_DDL:
        _BEFORE_DDL[dialect.name] = _before_ddl(dialect)
    session.execute(text(_BEFORE_DDL[dialect.name]))


_BEFORE_DDL: dict[str, str] = {}  # per dialect name: the DDL compiles once


def _before_ddl(dialect: Any) -> str:
    captured = select(col(Mention.id).label("mention_id"), *capture_columns())
    sql = str(captured.compile(dialect=dialect))
    create = f"CREATE TEMP TABLE IF NOT EXISTS {_BEFORE}"
    if dialect.name == "postgresql":
        return f"{create} ON COMMIT DELETE ROWS AS {sql} WITH NO DATA"
    return f"{create} AS {sql} LIMIT 0"


def hold(rows: Any) -> Any:
    """The INSERT that keeps ``rows`` (a selectable with ``mention_id`` and ``CAPTURED``) in
    ``BEFORE``, to execute or to attach as a CTE (after :func:`prepare`)."""
    names = ["mention_id", *CAPTURED]
    return insert(BEFORE).from_select(names, select(*(rows.c[n] for n in names)))


def journal(after: Any) -> list[Any]:
    """The INSERTs that append ``after`` − the before table to both journals, per key, keys
    that did not move left out. ``after`` is a selectable with ``CAPTURED``: the changed
    mentions as written (a read, or an upsert's RETURNING as a CTE). Execute them, or attach
    them as CTEs of the statement that makes ``after``; then :func:`release`."""
    before = BEFORE
    plus, minus = literal_column("1"), literal_column("-1")
    moved = union_all(
        select(*(after.c[n] for n in CAPTURED), plus.label("sign")),
        select(*(before.c[n] for n in CAPTURED), minus.label("sign")),
    ).subquery("moved")
    day_keys = [moved.c[k] for k in (*KEYS, "topics")]
    day_sums = [func.sum(moved.c.sign * moved.c[s]) for s in SUMS]
    days = insert(MentionDayChange).from_select(
        [*KEYS, "topics", *SUMS],
        select(*day_keys, *day_sums)
        .group_by(*day_keys)
        .having(or_(*(total != 0 for total in day_sums))),
    )
    advocate_keys = [moved.c.author, moved.c.source_id, moved.c.brand_id]
    advocate_sums = [func.sum(moved.c.sign), func.sum(moved.c.sign * moved.c.visibility)]
    advocates = insert(AdvocateChange).from_select(
        [*ADVOCATE_KEYS, *ADVOCATE_SUMS],
        select(*advocate_keys, *advocate_sums)
        .where(moved.c.author.is_not(None))
        .group_by(*advocate_keys)
        .having(or_(*(total != 0 for total in advocate_sums))),
    )
    return [days, advocates]


def release(session: Session) -> None:
    """Empty ``BEFORE`` for the next change in this transaction. A DELETE, not a TRUNCATE (a
    new file each time, 2 ms): on PostgreSQL the commit truncates the table anyway."""
    session.execute(delete(BEFORE))


@contextmanager
def tracking(session: Session, ids: Sequence[int]) -> Iterator[None]:
    """Around a change to existing mentions ``ids``: journal what it did to the rollups.

    Their contributions are kept before the change (the rows locked on PostgreSQL, in id
    order, so that no other writer changes them before this one commits) and subtracted from
    what they contribute after it, in SQL."""
    postgres = bulk.is_postgres(session)
    prepare(session)
    for start in range(0, len(ids), _CAPTURE_CHUNK):
        chunk = list(ids[start : start + _CAPTURE_CHUNK])
        wanted = bulk.one_of(col(Mention.id), chunk) if postgres else col(Mention.id).in_(chunk)
        rows = select(col(Mention.id).label("mention_id"), *capture_columns()).where(wanted)
        if postgres:
            rows = rows.order_by(col(Mention.id)).with_for_update(of=Mention.__table__)  # type: ignore[attr-defined]
        session.execute(hold(rows.cte("locked")))
    yield
    session.flush()
    after = select(*capture_columns()).where(col(Mention.id).in_(select(BEFORE.c.mention_id)))
    for statement in journal(after.subquery("after")):
        session.execute(statement)
    release(session)


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
            lock_for_writing(conn)  # it reads the journal, then writes: one folder at a time
            return _fold(conn, limit)
    locked = conn.scalar(text(f"SELECT pg_try_advisory_lock({FOLD_LOCK})"))
    conn.commit()
    if not locked:
        return 0
    try:
        snapshot = conn.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            return _fold(snapshot, limit)
    finally:
        conn.execute(text(f"SELECT pg_advisory_unlock({FOLD_LOCK})"))
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
