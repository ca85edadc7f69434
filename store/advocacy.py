"""The head of the advocates list without summing every positive mention in range.

The list ranks (author, source, brand) groups by the range's summed ``v(m)·w_source``. A group's
sum over any range is at most its all-time sum, kept in ``advocate_total`` (store.rollups), and
the source weight is one constant per group. So, per source, the totals are read from the top,
the range is summed exactly (by the list's own grouped query) for the authors reached, and the
source's walk ends once its weight × the next total falls below the N-th best exact sum: no
later group can enter. Groups with journal rows not folded yet are summed exactly from the
start, since their folded total may be behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from store import bulk
from store.models import AdvocateChange, AdvocateTotal, Mention, Source
from store.scope import Weights

FIRST_CHUNK, MAX_CHUNK = 100, 2_000  # totals per query of a walk: few first, then more
MARGIN = 1e-9  # relative: the totals and the range sums are added up in different orders
WALK_CAP = 20_000  # totals all walks together read before handing over to the sorted query

Rank = Callable[[Any], tuple[Any, ...]]


def top_groups(
    session: Session,
    grouped: Any,
    *,
    brand_ids: Sequence[int],
    source_ids: Sequence[int],
    weights: Weights,
    summed: Callable[[Any], float],
    rank: Rank,
    limit: int,
) -> list[Any] | None:
    """The ``limit`` rows of ``grouped`` (the list's query: one row per author, source and
    brand, filtered to ``brand_ids`` and ``source_ids`` when given) that ``rank`` puts first, or
    None past ``WALK_CAP`` totals read. ``summed(row)`` is a row's weighted sum.

    The sources are walked side by side, a chunk of totals each per round, so that one query
    sums the range for every author a round reached."""
    found: dict[tuple[Any, ...], Any] = {}
    best: list[Any] = []

    def add(rows: Iterable[Any]) -> None:
        nonlocal best
        for row in rows:
            found[(row[0], row[1], row[2])] = row
        best = sorted(found.values(), key=rank)[:limit]

    add(_exact(session, grouped, _journal_authors(session, brand_ids, source_ids)))
    sources = source_ids or session.exec(select(Source.id)).all()
    walks = {source: _SourceWalk(source) for source in sorted(s for s in sources if s is not None)}
    walked = 0
    while walks:
        reached: set[str] = set()
        for walk in walks.values():
            totals = session.exec(
                _totals(walk.source, brand_ids).offset(walk.offset).limit(walk.chunk)  # type: ignore[arg-type]
            ).all()
            walked += len(totals)
            walk.read(totals)
            reached.update(author for author, _ in totals)
        add(_exact(session, grouped, sorted(reached)))
        for source, walk in list(walks.items()):
            bound = weights.of(source) * walk.last * (1.0 + MARGIN)
            if walk.exhausted or (len(best) == limit and summed(best[-1]) > bound):
                del walks[source]  # no later group of this source can enter
        if walks and walked >= WALK_CAP:
            return None
    return best


@dataclass(slots=True)
class _SourceWalk:
    """Where one source's walk down its totals stands."""

    source: int
    offset: int = 0
    chunk: int = FIRST_CHUNK
    last: float = 0.0  # the last total read: no unread total is larger
    exhausted: bool = False

    def read(self, totals: Sequence[Any]) -> None:
        self.exhausted = len(totals) < self.chunk
        self.offset += len(totals)
        if totals:
            self.last = float(totals[-1][1])
        self.chunk = min(self.chunk * 4, MAX_CHUNK)


def _totals(source: int, brand_ids: Sequence[int]) -> Any:
    """A source's totals, largest first (author, visibility)."""
    stmt = select(col(AdvocateTotal.author), col(AdvocateTotal.visibility)).where(
        col(AdvocateTotal.source_id) == source
    )
    if brand_ids:
        stmt = stmt.where(col(AdvocateTotal.brand_id).in_(brand_ids))
    return stmt.order_by(
        col(AdvocateTotal.visibility).desc(), col(AdvocateTotal.author), col(AdvocateTotal.brand_id)
    )


def _journal_authors(
    session: Session, brand_ids: Sequence[int], source_ids: Sequence[int]
) -> list[str]:
    """Authors with changes not folded into the totals yet."""
    stmt = select(col(AdvocateChange.author)).distinct()
    if brand_ids:
        stmt = stmt.where(col(AdvocateChange.brand_id).in_(brand_ids))
    if source_ids:
        stmt = stmt.where(col(AdvocateChange.source_id).in_(source_ids))
    return sorted(session.exec(stmt).all())


def _exact(session: Session, grouped: Any, authors: Sequence[str]) -> list[Any]:
    """``grouped``'s rows for ``authors``: their range sums, exactly as the list sums them."""
    if not authors:
        return []
    if bulk.is_postgres(session):
        wanted = bulk.one_of(col(Mention.author), authors, text=True)
    else:
        wanted = col(Mention.author).in_(authors)
    return list(session.exec(grouped.where(wanted)).all())
