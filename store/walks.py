"""Top-N lists of single mentions, found by walking indexes from the top and stopping early.

The influential mentions rank mentions by a value SQL could sort every mention in range by: a
year of a large brand, millions of rows. But the value is a quantity an index is ordered by
(``order``: the visibility) times factors that are at most known constants (the source's weight,
a decay ≤ 1). So, per source (whose weight is then one constant), the rows are read down that
index in chunks, and the walk of a source ends once ``order`` × its weight falls below the N-th
best value found so far: no later row can enter. Each value is computed as SQL computes it, so
the list is the sorted query's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col

from store.models import Mention

FIRST_CHUNK, MAX_CHUNK = 50, 2_000  # rows per query of a walk: few first, more as it goes on
MARGIN = 1e-9  # relative: the bound and the values are rounded in different orders
WALK_CAP = 50_000  # rows all walks together read before handing over to one sorted query

Rank = Callable[[Any], tuple[Any, ...]]  # a row's sort key: smaller ranks first


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
    walked per source in descending ``order``. ``ceiling(order, source)`` bounds the value of
    any row with that ``order`` from that source; ``value(row)`` is the row's value, the larger
    the better, and ``rank`` breaks ties among equal values as the sorted query does."""
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
