"""What every analytics query shares: the filter scope, source weights, and day arithmetic in SQL.

``Scope`` is the store's view of the dashboard's global filters (brands side by side, product,
sources, date range). Day arithmetic is done in UTC whole days, with one compiled construct per
dialect so the same query runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Float, String, case, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from store.models import Brand, Mention, Source
from store.types import UTCDateTime

ALL_SERIES = "All brands"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which mentions a query sees.

    ``brand_ids`` non-empty: only those brands, each its own series (side by side); empty: all
    mentions as one series. ``start``/``end`` are inclusive UTC days on ``published_at``.
    """

    brand_ids: tuple[int, ...] = ()
    product_id: int | None = None
    source_ids: tuple[int, ...] = ()
    start: date | None = None
    end: date | None = None

    @property
    def compare(self) -> bool:
        return bool(self.brand_ids)


@dataclass(frozen=True, slots=True)
class Weights:
    """Source weights by source id (``w_source``, docs/loop.md); absent = 1."""

    by_source: Mapping[int, float] = field(default_factory=dict)

    def expr(self) -> ColumnElement[float]:
        """``visibility × w_source`` as SQL (a CASE on source_id only when a weight is not 1)."""
        factor = self.factor(col(Mention.source_id))
        return col(Mention.visibility) if factor is None else col(Mention.visibility) * factor

    def factor(self, source_id: ColumnElement[Any]) -> ColumnElement[float] | None:
        """``w_source`` as SQL on a source id column; None when every weight is 1."""
        special = {sid: float(w) for sid, w in self.by_source.items() if w != 1.0}
        if not special:
            return None
        return case(special, value=source_id, else_=literal(1.0, Float))

    def of(self, source_id: int) -> float:
        return float(self.by_source.get(source_id, 1.0))


def weights_for(session: Session, weight_of_name: Any) -> Weights:
    """Weights of every stored source from a callable name -> weight (config.source_weight)."""
    rows = session.exec(select(Source.id, Source.name)).all()
    return Weights({sid: float(weight_of_name(name)) for sid, name in rows if sid is not None})


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet ``condition``."""
    return func.sum(case((condition, 1), else_=0))


def conditions(
    scope: Scope, *, dates: bool = True, by_day: bool = True
) -> list[ColumnElement[bool]]:
    """WHERE clauses for a scope (the date range only when ``dates``).

    ``by_day`` compares the day text on SQLite (aggregates over the day-cube indexes); without
    it, timestamps (queries that walk another index, such as newest-first or by visibility).
    """
    where: list[ColumnElement[bool]] = []
    if scope.brand_ids:
        where.append(col(Mention.brand_id).in_(scope.brand_ids))
    if scope.product_id is not None:
        where.append(col(Mention.product_id) == scope.product_id)
    if scope.source_ids:
        where.append(col(Mention.source_id).in_(scope.source_ids))
    if dates:
        where.extend(published_between(scope.start, scope.end, by_day=by_day))
    return where


def published_between(
    start: date | None, end: date | None, *, by_day: bool = True
) -> list[ColumnElement[bool]]:
    """Published on UTC days ``start`` … ``end`` (inclusive; either may be open).

    Written as plain comparisons on ``day_key(published_at)`` so that SQLite compares the day
    text (served by the expression indexes of migration 0002) and PostgreSQL the timestamps.
    """
    if start is None and end is None:
        return []
    where: list[ColumnElement[bool]] = [col(Mention.published_at).is_not(None)]
    if not by_day:
        if start is not None:
            where.append(col(Mention.published_at) >= day_start(start))
        if end is not None:
            where.append(col(Mention.published_at) < day_start(end + timedelta(days=1)))
        return where
    key = day_key(col(Mention.published_at))
    if start is not None:
        where.append(key >= day_bound(start))
    if end is not None:
        where.append(key < day_bound(end + timedelta(days=1)))
    return where


class day_key(FunctionElement[Any]):  # noqa: N801 - SQL construct naming
    """What day ranges compare: the day text on SQLite, the timestamp itself on PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(day_key)
def _day_key_sqlite(element: day_key, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(day_key, "postgresql")
def _day_key_pg(element: day_key, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


class day_bound(FunctionElement[Any]):  # noqa: N801
    """The start of a UTC day, as ``day_key`` compares it ('YYYY-MM-DD' or a timestamptz)."""

    type = String()
    inherit_cache = False

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__()


@compiles(day_bound)
def _day_bound_sqlite(element: day_bound, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(literal(element.day.isoformat()), **kw))


@compiles(day_bound, "postgresql")
def _day_bound_pg(element: day_bound, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(literal(day_start(element.day), UTCDateTime), **kw))


def series_expr(scope: Scope) -> ColumnElement[Any]:
    """The series key: the brand id when comparing brands, else one constant series."""
    if scope.compare:
        return col(Mention.brand_id)
    return literal(0)


def series_names(session: Session, scope: Scope) -> dict[Any, str]:
    if not scope.compare:
        return {0: ALL_SERIES}
    rows = session.exec(select(Brand.id, Brand.name).where(col(Brand.id).in_(scope.brand_ids)))
    return dict(rows.all())


class utc_day(FunctionElement[Any]):  # noqa: N801 - SQL function naming
    """The UTC calendar day of a timestamp column (SQLite: 'YYYY-MM-DD' text; PG: date)."""

    type = String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    # SQLite stores UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text (store.types): the day
    # is its first ten characters, several times cheaper than date() at a million rows.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_pg(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


class utc_hour(FunctionElement[Any]):  # noqa: N801
    """The start of the UTC hour of a timestamp, as text 'YYYY-MM-DD HH'."""

    type = String()
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_pg(element: utc_hour, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner} AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24')"


class age_days(FunctionElement[Any]):  # noqa: N801
    """Whole UTC days from a timestamp's day to a reference day: ``age_days(ts, ref_day)``."""

    type = Float()
    inherit_cache = True


@compiles(age_days)
def _age_sqlite(element: age_days, compiler: Any, **kw: Any) -> str:
    ts, ref = list(element.clauses)
    return (
        f"(julianday({compiler.process(ref, **kw)}) - "
        f"julianday(date({compiler.process(ts, **kw)})))"
    )


@compiles(age_days, "postgresql")
def _age_pg(element: age_days, compiler: Any, **kw: Any) -> str:
    ts, ref = list(element.clauses)
    return (
        f"(CAST({compiler.process(ref, **kw)} AS DATE) - "
        f"CAST(({compiler.process(ts, **kw)} AT TIME ZONE 'UTC') AS DATE))"
    )


def decay_on(day: date, published: datetime, half_life_days: float) -> float:
    """``0.5^(age / H)`` with the age in whole UTC days from ``published``'s day to ``day``, as
    SQL weighs it with :class:`age_days` (a naive time is taken as UTC)."""
    moment = published.replace(tzinfo=UTC) if published.tzinfo is None else published
    age = (day - moment.astimezone(UTC).date()).days
    return 0.5 ** (age / half_life_days)


def ref_day(day: date) -> ColumnElement[Any]:
    """A reference day as a bound parameter both dialects accept."""
    return literal(day, Date)


def to_date(value: Any) -> date:
    """A day value as returned by ``utc_day`` (text on SQLite, date on PostgreSQL)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def ensure_sql_math(session: Session) -> None:
    """Give SQLite a ``power()`` when its build lacks the math functions (pre-3.35 builds or
    ones compiled without them); PostgreSQL always has it. Cheap to call before each query."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    raw = session.connection().connection.driver_connection
    try:
        raw.execute("SELECT power(2.0, 1.0)")
    except Exception:  # sqlite3.OperationalError: no such function
        import math

        raw.create_function("power", 2, math.pow, deterministic=True)
