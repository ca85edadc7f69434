"""Top-N lists of single mentions, found by walking indexes from the top and stopping early.

The influential mentions and the complaint list rank mentions by a value SQL could sort every
mention in range by: a year of a large brand, millions of rows. But the value is a quantity an
index is ordered by (``order``: the visibility, or a complaint's ``v(m)·(1 + |s|)``) times
factors that are at most known constants (the source's weight, a decay ≤ 1). So the rows are
read down that index, and a walk ends once ``order`` × the weight bound falls below the N-th
best value found so far: no later row can enter. Each value is computed as SQL computes it, so
the list is the sorted query's.

Two walks, one per dialect (:func:`walk_for`): per source (:func:`top_by_source`, where the
weight is one constant: PostgreSQL at ten million mentions), or one stream down the whole
visibility order bounded by the largest weight (:func:`top_in_one_walk`: SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import or_
from sqlmodel import Session, col

from store.models import Mention

FIRST_CHUNK, MAX_CHUNK = 50, 2_000  # rows per query (or fetch) of a walk: few first, then more
MARGIN = 1e-9  # relative: the bound and the values are rounded in different orders
WALK_CAP = 50_000  # rows all walks together read before handing over to one sorted query

Rank = Callable[[Any], tuple[Any, ...]]  # a row's sort key: smaller ranks first


class Walk(Protocol):
    """A top-N walk: the ``limit`` rows of ``base`` that ``rank`` puts first, or None past
    ``WALK_CAP`` rows read (arguments as :func:`top_by_source`; ``sources`` names every source
    whose rows ``base`` may select)."""

    def __call__(
        self,
        session: Session,
        base: Any,
        *,
        order: Any,
        sources: Sequence[int],
        ceiling: Callable[[float, int], float],
        value: Callable[[Any], float],
        rank: Rank,
        limit: int,
    ) -> list[Any] | None: ...


def walk_for(session: Session) -> Walk:
    """The walk that is fast on the session's database."""
    # SQLite plans each per-source query on (source_id, published_at) and sorts the source's year.
    return top_in_one_walk if session.get_bind().dialect.name == "sqlite" else top_by_source


def top_by_source(
    session: Session,
    base: Any,
    *,
    order: Any,
    sources: Sequence[int],
    ceiling: Callable[[float, int], float],
    value: Callable[[Any], float],
    rank: Rank,
    limit: int,
) -> list[Any] | None:
    """The ``limit`` rows of ``base`` that ``rank`` puts first, or None past ``WALK_CAP``.

    ``base`` selects ``order`` (labelled ``order``) and ``Mention.id`` among its columns; it is
    walked per source in descending ``order``, in keyset-paginated chunks. ``ceiling(order,
    source)`` bounds the value of any row with that ``order`` from that source; ``value(row)`` is
    the row's value, the larger the better, and ``rank`` breaks ties among equal values as the
    sorted query does."""
    found: list[Any] = []
    walked = 0
    for source in sources:
        after: tuple[float, int] | None = None
        chunk = FIRST_CHUNK
        while True:
            query = base.where(col(Mention.source_id) == source)
            if after is not None:
                last, last_id = after
                # "order <= last" first: a range the index can seek to (an OR alone is not)
                query = query.where(order <= last, or_(order < last, col(Mention.id) > last_id))
            rows = session.execute(query.order_by(order.desc(), col(Mention.id)).limit(chunk)).all()
            walked += len(rows)
            found = sorted([*found, *rows], key=rank)[:limit]
            if len(rows) < chunk:
                break  # this source has no more rows
            after = (rows[-1].order, rows[-1].id)
            bound = ceiling(rows[-1].order, source) * (1.0 + MARGIN)
            if len(found) == limit and value(found[-1]) > bound:
                break  # no later row of this source can enter
            chunk = min(chunk * 4, MAX_CHUNK)
            if walked >= WALK_CAP:
                return None
    return found


def top_in_one_walk(
    session: Session,
    base: Any,
    *,
    order: Any,
    sources: Sequence[int],
    ceiling: Callable[[float, int], float],
    value: Callable[[Any], float],
    rank: Rank,
    limit: int,
) -> list[Any] | None:
    """As :func:`top_by_source`, in one stream of ``base`` in descending ``order`` (all of
    ``sources`` together), ended once ``value`` of the ``limit``-th row beats the largest
    ``ceiling`` of the last ``order`` read.

    Ordered by ``order`` alone: then SQLite reads a visibility index in its order, whatever the
    filters (a tie-break column made it sort the filtered rows instead). The stop needs no
    tie-break: it is strict, so no unread row can equal the ``limit``-th value."""
    if not sources:
        return []
    found: list[Any] = []
    walked, chunk = 0, FIRST_CHUNK
    stream = session.execute(
        base.order_by(order.desc()).limit(WALK_CAP), execution_options={"yield_per": MAX_CHUNK}
    )
    try:
        while rows := stream.fetchmany(chunk):
            walked += len(rows)
            found = sorted([*found, *rows], key=rank)[:limit]
            bound = max(ceiling(rows[-1].order, source) for source in sources) * (1.0 + MARGIN)
            if len(found) == limit and value(found[-1]) > bound:
                return found  # no later row can enter
            chunk = min(chunk * 4, MAX_CHUNK)
    finally:
        stream.close()
    return found if walked < WALK_CAP else None
