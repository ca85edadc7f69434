"""The ZMOT shelf and the most influential mentions (docs/loop.md; definitions in store.loop).

Both rank single mentions rather than sum them, so they walk indexes in visibility order and
stop early instead of aggregating: the shelf runs one ``LIMIT K`` query per series and source on
the (source, visibility) index; the influential mentions walk the window by descending v(m)
(store.walks, the dialect's walk) and stop once no later mention could enter the top
(w ≤ v(m) · w_source), then read those few rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from store import walks
from store.loop import LoopParams
from store.models import Mention, Source
from store.scope import (
    Scope,
    Weights,
    age_days,
    conditions,
    decay_on,
    ensure_sql_math,
    published_between,
    ref_day,
    series_expr,
    series_names,
)


def _decay(on: date, params: LoopParams) -> Any:
    """A mention's decay on ``on`` as SQL (callers run ``ensure_sql_math`` first)."""
    return func.power(0.5, age_days(col(Mention.published_at), ref_day(on)) / params.half_life_days)


def _mention_columns(weights: Weights, on: date, params: LoopParams) -> list[Any]:
    """Mention fields plus its weight on ``on`` (callers run ``ensure_sql_math`` first)."""
    decay = _decay(on, params)
    return [
        col(Mention.id),
        col(Source.name).label("source"),
        col(Mention.author),
        col(Mention.text),
        col(Mention.url),
        col(Mention.sentiment),
        col(Mention.sentiment_score),
        col(Mention.sentiment_confidence),
        col(Mention.stage),
        col(Mention.stage_confidence),
        col(Mention.topics),
        col(Mention.published_at),
        weights.expr().label("visibility"),
        (weights.expr() * decay).label("weight"),
    ]


_MENTION_COLUMNS = [
    "id", "source", "author", "text", "url", "sentiment", "score", "confidence", "stage",
    "stage_confidence", "topics", "published_at", "visibility", "weight",
]  # fmt: skip


def _window(scope: Scope, on: date, params: LoopParams, *, by_day: bool) -> list[Any]:
    """The look-back window ending on ``on``. ``by_day`` as in :func:`store.scope.conditions`:
    chosen per query so that SQLite's planner walks the visibility index it should."""
    first = on - timedelta(days=params.lookback_days - 1)
    return [*conditions(scope, dates=False), *published_between(first, on, by_day=by_day)]


def zmot_shelf(
    session: Session,
    *,
    scope: Scope,
    on: date,
    weights: Weights | None = None,
    params: LoopParams | None = None,
) -> pd.DataFrame:
    """Per series and source, the K most visible mentions of the look-back window ending on ``on``.

    Columns: series, source, rank (1 = first seen), then id, author, text, url, sentiment, score,
    confidence, stage, stage_confidence, topics, published_at, visibility (v(m)·w_source),
    weight (decayed on ``on``).
    One small query per series and source, walking the (source, visibility) index from the top.
    """
    weights, params = weights or Weights(), params or LoopParams()
    ensure_sql_math(session)
    names = series_names(session, scope)
    source_ids = list(scope.source_ids) or list(
        session.exec(select(Source.id).order_by(Source.name)).all()
    )
    rows: list[tuple[Any, ...]] = []
    for series_key, name in names.items():
        brand = [col(Mention.brand_id) == series_key] if scope.compare else []
        for source_id in source_ids:
            stmt = (
                select(*_mention_columns(weights, on, params))
                .join(Source, col(Source.id) == col(Mention.source_id))
                .where(
                    *_window(scope, on, params, by_day=True),
                    col(Mention.source_id) == source_id,
                    *brand,
                )
                .order_by(col(Mention.visibility).desc(), col(Mention.published_at).desc())
                .limit(params.shelf_size)
            )
            found = session.exec(stmt).all()
            rows.extend((name, rank, *r) for rank, r in enumerate(found, start=1))
    frame = pd.DataFrame(rows, columns=["series", "rank", *_MENTION_COLUMNS])
    frame = frame.sort_values(["series", "source", "rank"], ignore_index=True)
    return frame[["series", "source", "rank", *_MENTION_COLUMNS[:1], *_MENTION_COLUMNS[2:]]]


def shelf_summary(shelf: pd.DataFrame) -> pd.DataFrame:
    """Per series and source: shelf size and the visibility-weighted sentiment (×100) on it."""
    if shelf.empty:
        return pd.DataFrame(columns=["series", "source", "mentions", "shelf_sentiment"])
    scored = shelf.dropna(subset=["score"]).assign(ws=lambda f: f["visibility"] * f["score"])
    sums = scored.groupby(["series", "source"])[["ws", "visibility"]].sum()
    counts = shelf.groupby(["series", "source"]).size().rename("mentions")
    out = counts.to_frame().join(sums)
    out["shelf_sentiment"] = 100.0 * out["ws"] / out["visibility"]
    return out.reset_index()[["series", "source", "mentions", "shelf_sentiment"]]


def influential_mentions(
    session: Session,
    *,
    scope: Scope,
    on: date,
    limit: int = 20,
    weights: Weights | None = None,
    params: LoopParams | None = None,
    walk: walks.Walk | None = None,
) -> pd.DataFrame:
    """The mentions with the largest reading weight w on day ``on`` (ties: the newer first).

    The ids come from a walk that stops early (:func:`_most_influential`), so the answer is
    exact without weighing every mention; then only those rows are read. ``walk``: which walk
    (default: the one fast on the session's database, :func:`store.walks.walk_for`).
    """
    weights, params = weights or Weights(), params or LoopParams()
    ensure_sql_math(session)
    series = series_expr(scope).label("series")
    window = _window(scope, on, params, by_day=False)
    sources = scope.source_ids or tuple(session.exec(select(Source.id)).all())
    top = _most_influential(
        session, window, on=on, limit=limit, weights=weights, params=params, source_ids=sources,
        walk=walk or walks.walk_for(session),
    )  # fmt: skip
    stmt = (
        select(series, *_mention_columns(weights, on, params))
        .join(Source, col(Source.id) == col(Mention.source_id))
        .where(*window)
    )
    if top is not None:
        stmt = stmt.where(col(Mention.id).in_(top))
    else:  # a narrow filter: sorting what it lets through is the fast way
        stmt = stmt.order_by(
            (weights.expr() * _decay(on, params)).desc(),
            col(Mention.published_at).desc(),
            col(Mention.id),
        ).limit(limit)
    found = [tuple(r) for r in session.exec(stmt).all()]
    columns = ["series", *_MENTION_COLUMNS]
    weight, published, mid = (columns.index(c) for c in ("weight", "published_at", "id"))
    found.sort(
        key=lambda r: (
            -(r[weight] or 0.0),
            -(r[published].timestamp() if r[published] else 0),
            r[mid],
        )
    )
    frame = pd.DataFrame(found, columns=columns)
    names = series_names(session, scope)
    frame["series"] = frame["series"].map(lambda k: names.get(k, "(no brand)"))
    return frame


def _most_influential(
    session: Session,
    window: list[Any],
    *,
    on: date,
    limit: int,
    weights: Weights,
    params: LoopParams,
    source_ids: Sequence[int],
    walk: walks.Walk,
) -> list[int] | None:
    """The ids of the ``limit`` mentions of largest weight on ``on`` without weighing every
    mention (``walk`` down a visibility index; w ≤ v · w_source); None when the walk would read
    too much (then the sorted query is the fast one)."""

    known: dict[int, float] = {}  # by id: each chunk's sort asks again for the rows kept

    def weight(row: Any) -> float:
        if row.id not in known:
            decay = decay_on(on, row.published_at, params.half_life_days)
            known[row.id] = row.order * weights.of(row.source_id) * decay
        return known[row.id]

    visibility = col(Mention.visibility)
    base = select(
        col(Mention.id),
        visibility.label("order"),
        col(Mention.source_id),
        col(Mention.published_at),
    ).where(*window)
    found = walk(
        session, base, order=visibility, sources=source_ids,
        ceiling=lambda order, source: order * weights.of(source), value=weight,
        rank=lambda row: (-weight(row), -row.published_at.timestamp(), row.id), limit=limit,
    )  # fmt: skip
    return None if found is None else [row.id for row in found]
