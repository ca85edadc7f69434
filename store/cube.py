"""The daily cube: per series, UTC day, stage and sentiment — counts and (weighted) sums.

Most dashboard numbers (KPIs, volume and sentiment over time, per stage, the exposure index and
its stage contributions) are sums over mentions, so they all derive from one GROUP BY whose
result has at most (days × 6 stages × 4 sentiments) rows per series. On SQLite the query is
steered to the expression indexes of migration 0002, which hold every column it reads in the
GROUP BY order: SQLite streams the groups from the index without touching the table or sorting
(given the planner statistics, which ``store.db.refresh_statistics`` keeps fresh).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import Mention
from store.scope import (
    Scope,
    Weights,
    conditions,
    published_between,
    series_names,
    to_date,
    utc_day,
)

CUBE_COLUMNS = [
    "series", "day", "stage", "sentiment", "mentions", "w", "ws", "score_sum", "rating_n",
    "rating_sum",
]  # fmt: skip


def daily_cube(
    session: Session,
    *,
    scope: Scope,
    weights: Weights | None = None,
    first: date | None = None,
    last: date | None = None,
) -> pd.DataFrame:
    """Rows (series, day, stage, sentiment) with mentions, ``w = Σ v·w_source``,
    ``ws = Σ v·w_source·s``, ``score_sum = Σ s``, ``rating_n``, ``rating_sum``.

    Days ``first`` … ``last`` when given, else the scope's own range. ``series`` is the brand
    name when comparing brands, else "All brands". Stage and sentiment are None when unlabelled.
    """
    weights = weights or Weights()
    day = utc_day(col(Mention.published_at))
    keys: list[Any] = [day, col(Mention.stage), col(Mention.sentiment)]
    if scope.compare:
        keys.insert(0, col(Mention.brand_id))
    weight = weights.expr()
    stmt: Any = select(
        *keys,
        func.count(),
        func.sum(weight),
        func.sum(weight * col(Mention.sentiment_score)),
        func.sum(col(Mention.sentiment_score)),
        func.count(col(Mention.rating)),
        func.sum(col(Mention.rating)),
    )
    start = first if first is not None else scope.start
    end = last if last is not None else scope.end
    stmt = stmt.where(
        *conditions(scope, dates=False),
        *published_between(start, end),
        col(Mention.published_at).is_not(None),
    ).group_by(*keys)
    rows = [tuple(r) for r in session.exec(stmt).all()]
    names = series_names(session, scope)
    if not scope.compare:
        rows = [(0, *r) for r in rows]
    frame = pd.DataFrame(rows, columns=CUBE_COLUMNS)
    frame["series"] = frame["series"].map(lambda k: names.get(k, "(no brand)"))
    frame["day"] = frame["day"].map(to_date)
    for name in ("mentions", "rating_n"):
        frame[name] = frame[name].astype(int)
    for name in ("w", "ws", "score_sum", "rating_sum"):
        frame[name] = frame[name].astype(float).fillna(0.0)
    return frame
