"""The daily cube: per series, UTC day, stage and sentiment — counts and (weighted) sums.

Most dashboard numbers (KPIs, volume and sentiment over time, per stage, the exposure index and
its stage contributions) are sums over mentions, so they all derive from one GROUP BY whose
result has at most (days × 6 stages × 4 sentiments) rows per series. It reads the daily
rollups (store.facts), a few rows per day and source instead of every mention.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from store.facts import facts
from store.scope import Scope, Weights, series_names, to_date

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
    f = facts(session)
    keys: list[Any] = [f.day, f.stage, f.sentiment]
    if scope.compare:
        keys.insert(0, f.brand_id)
    start = first if first is not None else scope.start
    end = last if last is not None else scope.end
    stmt = (
        f.select(
            *keys,
            f.count(),
            f.visibility(weights),
            f.visibility_score(weights),
            f.score_sum(),
            f.rated(),
            f.rating_sum(),
        )
        .where(*f.where(scope, dates=False), *f.between(start, end), *f.dated())
        .group_by(*keys)
        .having(*f.present())
    )
    rows = [tuple(r) for r in session.connection().execute(stmt).all()]
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
