"""What the dashboard's aggregates read: the daily rollups, or the mentions themselves.

Every aggregate is a sum over mentions grouped by day, brand, product, source, stage, sentiment
or topics list. ``Facts`` offers those keys and sums under the same names for both sources, so
each query is written once. The rollups (``mention_day``, ``mention_day_topics``, plus the
journal of changes not yet folded in: store.rollups) are what the product reads on PostgreSQL;
the raw form reads the mentions, on SQLite, and is what the rollups are tested against
(``session.info["raw_facts"]``: True for the mentions, False for the rollups).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Float, case, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from store.models import Mention, MentionDay, MentionDayChange, MentionDayTopics
from store.rollups import KEYS, NO_DAY, SUMS
from store.scope import (
    Scope,
    Weights,
    age_days,
    conditions,
    count_if,
    published_between,
    ref_day,
    utc_day,
)
from store.topics import topics_text

RAW = "raw_facts"  # session.info: True reads the mentions, False the rollups, absent by dialect


class _days_before(FunctionElement[Any]):  # noqa: N801 - SQL function naming
    """Whole days from a DATE column to a reference day: ``_days_before(day, ref)``."""

    type = Float()
    inherit_cache = True


@compiles(_days_before)
def _days_before_sqlite(element: _days_before, compiler: Any, **kw: Any) -> str:
    day, ref = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({ref}) - julianday({day}))"


@compiles(_days_before, "postgresql")
def _days_before_pg(element: _days_before, compiler: Any, **kw: Any) -> str:
    day, ref = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({ref} AS DATE) - {day})"


@dataclass(frozen=True)
class Facts:
    """Keys and sums of one source of facts (see the module's docstring)."""

    rollup: bool
    table: Any  # what the SELECT reads from
    day: ColumnElement[Any]
    brand_id: ColumnElement[Any]
    product_id: ColumnElement[Any]
    source_id: ColumnElement[Any]
    stage: ColumnElement[Any]
    sentiment: ColumnElement[Any]
    topics: ColumnElement[Any]

    # -- sums ---------------------------------------------------------------------------------
    def _sum(self, name: str) -> ColumnElement[Any]:
        return func.sum(self.table.c[name])

    def count(self) -> ColumnElement[Any]:
        return self._sum("mentions") if self.rollup else func.count()

    def count_if(self, condition: ColumnElement[bool]) -> ColumnElement[Any]:
        if self.rollup:
            return func.sum(case((condition, self.table.c.mentions), else_=0))
        return count_if(condition)

    def classified(self) -> ColumnElement[Any]:
        return (
            self.count_if(self.sentiment.is_not(None))
            if self.rollup
            else func.count(col(Mention.sentiment))
        )

    def rated(self) -> ColumnElement[Any]:
        return self._sum("rated") if self.rollup else func.count(col(Mention.rating))

    def rating_sum(self) -> ColumnElement[Any]:
        return self._sum("rating_sum") if self.rollup else func.sum(col(Mention.rating))

    def score_sum(self) -> ColumnElement[Any]:
        return self._sum("score_sum") if self.rollup else func.sum(col(Mention.sentiment_score))

    def _weighted(self, name: str, weights: Weights, decay: Any = None) -> ColumnElement[Any]:
        """Σ over rows of a visibility sum × the source weight (× ``decay`` when given)."""
        if self.rollup:
            value: Any = self.table.c[name]
            factor = weights.factor(self.source_id)
        else:
            score = col(Mention.sentiment_score)
            value = {
                "visibility": col(Mention.visibility),
                "visibility_scored": case((score.is_not(None), col(Mention.visibility)), else_=0.0),
                "visibility_score": col(Mention.visibility) * score,
            }[name]
            factor = weights.factor(col(Mention.source_id))
        if factor is not None:
            value = value * factor
        if decay is not None:
            value = value * decay
        return func.sum(value)

    def visibility(self, weights: Weights) -> ColumnElement[Any]:
        """Σ v·w_source over every mention."""
        return self._weighted("visibility", weights)

    def visibility_scored(self, weights: Weights) -> ColumnElement[Any]:
        """Σ v·w_source over the classified mentions."""
        return self._weighted("visibility_scored", weights)

    def visibility_score(self, weights: Weights, decay: Any = None) -> ColumnElement[Any]:
        """Σ v·w_source·s (× decay)."""
        return self._weighted("visibility_score", weights, decay)

    # -- the classified mentions only ----------------------------------------------------------
    def scored_sums(self, weights: Weights, decay: Any = None) -> list[ColumnElement[Any]]:
        """``A = Σ w``, ``B = Σ w·s`` and the count, over classified mentions: use with
        :meth:`scored_where` and :meth:`scored_having`."""
        if self.rollup:
            return [
                self._weighted("visibility_scored", weights, decay),
                self._weighted("visibility_score", weights, decay),
                self._sum("scored"),
            ]
        return [
            self._weighted("visibility", weights, decay),
            self._weighted("visibility_score", weights, decay),
            func.count(),
        ]

    def scored_where(self) -> list[ColumnElement[bool]]:
        return [] if self.rollup else [col(Mention.sentiment_score).is_not(None)]

    def present(self) -> list[ColumnElement[bool]]:
        """HAVING: groups with mentions (journal rows can cancel a group out to zero)."""
        return [self._sum("mentions") > 0] if self.rollup else []

    def scored_having(self) -> list[ColumnElement[bool]]:
        return [self._sum("scored") > 0] if self.rollup else []

    # -- filters and day arithmetic -----------------------------------------------------------
    def where(self, scope: Scope, *, dates: bool = True) -> list[ColumnElement[bool]]:
        """The scope's filters (its date range only when ``dates``)."""
        if not self.rollup:
            return conditions(scope, dates=dates)
        where: list[ColumnElement[bool]] = []
        if scope.brand_ids:
            where.append(self.brand_id.in_(scope.brand_ids))
        if scope.product_id is not None:
            where.append(self.product_id == scope.product_id)
        if scope.source_ids:
            where.append(self.source_id.in_(scope.source_ids))
        if dates:
            where.extend(self.between(scope.start, scope.end))
        return where

    def between(self, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
        """Published on days ``first`` … ``last`` (inclusive; either may be open)."""
        if not self.rollup:
            return published_between(first, last)
        if first is None and last is None:
            return []
        where = [self.day > NO_DAY] if first is None else [self.day >= first]
        if last is not None:
            where.append(self.day < last + timedelta(days=1))
        return where

    def dated(self) -> list[ColumnElement[bool]]:
        """Only mentions with a publication date."""
        return [self.day > NO_DAY] if self.rollup else [col(Mention.published_at).is_not(None)]

    def age(self, on: date) -> ColumnElement[Any]:
        """Whole days from a row's day to ``on``."""
        if self.rollup:
            return _days_before(self.day, ref_day(on))
        return age_days(col(Mention.published_at), ref_day(on))

    def select(self, *columns: Any) -> Any:
        return select(*columns).select_from(self.table)


def _raw() -> Facts:
    return Facts(
        rollup=False,
        table=Mention.__table__,  # type: ignore[attr-defined]
        day=utc_day(col(Mention.published_at)),
        brand_id=col(Mention.brand_id),
        product_id=col(Mention.product_id),
        source_id=col(Mention.source_id),
        stage=col(Mention.stage),
        sentiment=col(Mention.sentiment),
        topics=topics_text(),
    )


def _rolled(*, topics: bool) -> Facts:
    table = (MentionDayTopics if topics else MentionDay).__table__  # type: ignore[attr-defined]
    journal = MentionDayChange.__table__  # type: ignore[attr-defined]
    names = [*KEYS, *(["topics"] if topics else []), *SUMS]
    both = union_all(
        select(*(table.c[n] for n in names)), select(*(journal.c[n] for n in names))
    ).subquery("facts")
    return Facts(
        rollup=True,
        table=both,
        day=both.c.day,
        brand_id=both.c.brand_id,
        product_id=both.c.product_id,
        source_id=both.c.source_id,
        stage=func.nullif(both.c.stage, ""),
        sentiment=func.nullif(both.c.sentiment, ""),
        topics=func.nullif(both.c.topics, "") if topics else literal(None),
    )


def facts(session: Session, *, topics: bool = False) -> Facts:
    """The facts a query on ``session`` reads: on PostgreSQL the rollups (by topics list when
    ``topics``), on SQLite the mentions, or what ``session.info[RAW]`` says (tests and the
    bench compare the two).

    Chosen by measurement: at ten million mentions on PostgreSQL the rollups turned 47 queries
    of 84 over a second into 9; at a million on SQLite, spread over two years and twelve
    sources, they are barely smaller than the mentions, and the covering day indexes stream the
    same sums faster (median query 98 ms against 320 ms)."""
    raw = session.info.get(RAW)
    if raw is None:
        raw = session.get_bind().dialect.name == "sqlite"
    return _raw() if raw else _rolled(topics=topics)
