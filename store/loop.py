"""The UMOT → ZMOT loop in SQL: exposure index and weekly loop contributions.

The definitions and their reasons are in docs/loop.md. What matters for the code: ages are whole
UTC days, so SQL returns per-day sums ``A_j = Σ w_src`` and ``B_j = Σ w_src·s`` and the index on
day d is a convolution of those sums with ``0.5^((d−j)/H)`` over at most L + (days shown)
buckets, instead of a pass over every mention. ``w_src = v(m) · w_source`` is applied in SQL
(a CASE on ``source_id``); unclassified mentions are left out of every loop metric. The shelf
and the most influential mentions are in :mod:`store.shelf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import AnalyticsConfig
from store.facts import facts
from store.models import Mention
from store.scope import (
    Scope,
    Weights,
    conditions,
    ensure_sql_math,
    series_names,
    to_date,
)
from store.topics import expand

UNKNOWN_STAGE = "(unknown)"


@dataclass(frozen=True, slots=True)
class LoopParams:
    half_life_days: float = 90.0
    lookback_days: int = 365
    shelf_size: int = 10

    @classmethod
    def from_analytics(cls, analytics: AnalyticsConfig) -> LoopParams:
        """The loop's parameters as the config's ``[analytics]`` section sets them."""
        return cls(
            half_life_days=analytics.half_life_days,
            lookback_days=analytics.lookback_days,
            shelf_size=analytics.shelf_size,
        )

    def decay(self, ages: np.ndarray) -> np.ndarray:
        return np.power(0.5, ages / self.half_life_days)


def data_span(session: Session, *, scope: Scope) -> tuple[date, date] | None:
    """The first and last UTC day with a published mention in scope (dates ignored)."""
    # Two ORDER BY … LIMIT 1 probes: SQLite turns a min() and a max() in one query into a scan.
    where = [*conditions(scope, dates=False), col(Mention.published_at).is_not(None)]
    stmt = select(col(Mention.published_at)).where(*where).limit(1)
    first = session.exec(stmt.order_by(col(Mention.published_at))).first()
    last = session.exec(stmt.order_by(col(Mention.published_at).desc())).first()
    if first is None or last is None:
        return None
    return first.date(), last.date()


def display_range(session: Session, *, scope: Scope) -> tuple[date, date] | None:
    """The days to show: the scope's range, filled in from the data where open."""
    span = data_span(session, scope=scope)
    if span is None and (scope.start is None or scope.end is None):
        return None
    start = scope.start or (span[0] if span else None)
    end = scope.end or (span[1] if span else None)
    assert start is not None and end is not None
    return (start, end) if start <= end else None


def _daily_sums(
    session: Session,
    *,
    scope: Scope,
    weights: Weights,
    first: date,
    last: date,
    by: str | None,
) -> pd.DataFrame:
    """Per series, UTC day (and stage) over classified mentions: A = Σ w_src, B = Σ w_src·s,
    mentions. Grouped in the order of the day-cube indexes, so SQLite streams the groups."""
    f = facts(session)
    keys: list[Any] = [f.day]
    if scope.compare:
        keys.insert(0, f.brand_id)
    if by == "stage":
        keys.append(f.stage)
    stmt = (
        f.select(*keys, *f.scored_sums(weights))
        .where(*f.where(scope, dates=False), *f.between(first, last), *f.scored_where())
        .group_by(*keys)
        .having(*f.scored_having())
    )
    rows = _rows(session, stmt)
    if not scope.compare:
        rows = [(0, *r) for r in rows]
    columns = ["series", "day", *(["key"] if by else []), "a", "b", "mentions"]
    frame = pd.DataFrame(rows, columns=columns)
    names = series_names(session, scope)
    frame["series"] = _per_value(frame["series"], lambda k: names.get(k, "(no brand)"))
    frame["day"] = _per_value(frame["day"], to_date)
    if by == "stage":
        frame["key"] = frame["key"].fillna(UNKNOWN_STAGE)
    return _with_offsets(frame, first)


def _rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """A statement's rows as tuples, through Core: tens of thousands of rows skip the ORM's
    per-row loading (about a tenth of the time of the per-topic sums)."""
    return [tuple(r) for r in session.connection().execute(stmt).all()]


def _per_value(values: pd.Series, fn: Any) -> pd.Series:
    """``values.map(fn)`` calling ``fn`` once per distinct value (a few hundred days or series
    against tens of thousands of rows)."""
    return values.map({v: fn(v) for v in values.unique()})


def _with_offsets(frame: pd.DataFrame, first: date) -> pd.DataFrame:
    frame["offset"] = _per_value(frame["day"], lambda d: (d - first).days).astype(int)
    frame["a"] = frame["a"].astype(float)
    frame["b"] = frame["b"].astype(float)
    return frame


def _topic_sums(
    session: Session, *, scope: Scope, weights: Weights, first: date, last: date
) -> pd.DataFrame:
    """Per series, day and topic: a mention's weight split evenly over its topics."""
    f = facts(session, topics=True)
    keys: list[Any] = [f.day, f.topics]
    if scope.compare:
        keys.insert(0, f.brand_id)
    stmt = (
        f.select(*keys, *f.scored_sums(weights))
        .where(*f.where(scope, dates=False), *f.between(first, last), *f.scored_where())
        .group_by(*keys)
        .having(*f.scored_having())
    )
    rows = _rows(session, stmt)
    if not scope.compare:
        rows = [(0, *r) for r in rows]
    raw = pd.DataFrame(rows, columns=["series", "day", "topics", "a", "b", "mentions"])
    names = series_names(session, scope)
    raw["series"] = _per_value(raw["series"], lambda k: names.get(k, "(no brand)"))
    raw["day"] = _per_value(raw["day"], to_date)
    long = expand(raw, sums=["a", "b"], split=True).rename(columns={"topic": "key"})
    return long.groupby(["series", "day", "key"], as_index=False)[["a", "b", "mentions"]].sum()


def _kernel(params: LoopParams) -> np.ndarray:
    return params.decay(np.arange(params.lookback_days, dtype=float))


def _decayed(values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """out[t] = Σ_{a < L} values[t − a] · kernel[a] (the decayed window sum ending at t)."""
    return np.convolve(values, kernel)[: len(values)]


def exposure_index(
    session: Session,
    *,
    scope: Scope,
    weights: Weights | None = None,
    params: LoopParams | None = None,
) -> pd.DataFrame:
    """The ZMOT exposure index per series and day over the scope's range (see module doc).

    Columns: series, day, index (×100, NaN when no classified mention is in the window),
    reading_weight (Σ w), mentions_in_window (classified mentions in the look-back window).
    """
    weights, params = weights or Weights(), params or LoopParams()
    shown = display_range(session, scope=scope)
    names = series_names(session, scope)
    columns = ["series", "day", "index", "reading_weight", "mentions_in_window"]
    if shown is None:
        return pd.DataFrame(columns=columns)
    start, end = shown
    first = start - timedelta(days=params.lookback_days - 1)
    sums = _daily_sums(session, scope=scope, weights=weights, first=first, last=end, by=None)
    n_days = (end - first).days + 1
    kernel = _kernel(params)
    window = np.ones(params.lookback_days)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    skip = params.lookback_days - 1
    frames = []
    for name in names.values():
        part = sums[sums["series"] == name]
        a, b, n = (np.zeros(n_days) for _ in range(3))
        np.add.at(a, part["offset"].to_numpy(), part["a"].to_numpy(dtype=float))
        np.add.at(b, part["offset"].to_numpy(), part["b"].to_numpy(dtype=float))
        np.add.at(n, part["offset"].to_numpy(), part["mentions"].to_numpy(dtype=float))
        den, num = _decayed(a, kernel)[skip:], _decayed(b, kernel)[skip:]
        with np.errstate(invalid="ignore", divide="ignore"):
            index = np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1.0), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "series": name,
                    "day": pd.to_datetime(days),
                    "index": index,
                    "reading_weight": den,
                    "mentions_in_window": _decayed(n, window)[skip:].round().astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def loop_contributions(
    session: Session,
    *,
    scope: Scope,
    by: str = "stage",
    weights: Weights | None = None,
    params: LoopParams | None = None,
) -> pd.DataFrame:
    """Weekly loop contributions by ``stage`` or ``topic`` (see module doc for the definition).

    One row per series, week and stage/topic that published something that week. Columns:
    series, week (its Monday), week_end (the day t it is measured on), key, contribution (index
    points), new_mentions, new_sentiment (weighted mean score × 100 of that key's new mentions),
    new_weight_share (their share of the reading weight on t), index (on t), index_without_week.
    """
    if by not in ("stage", "topic"):
        raise ValueError(f"loop contributions are by 'stage' or 'topic', not {by!r}")
    weights, params = weights or Weights(), params or LoopParams()
    columns = [
        "series", "week", "week_end", "key", "contribution", "new_mentions", "new_sentiment",
        "new_weight_share", "index", "index_without_week",
    ]  # fmt: skip
    shown = display_range(session, scope=scope)
    if shown is None:
        return pd.DataFrame(columns=columns)
    start, end = shown
    first = start - timedelta(days=params.lookback_days - 1)
    if by == "stage":  # one scan: per-stage sums over the whole window give the totals too
        sums = _daily_sums(session, scope=scope, weights=weights, first=first, last=end, by=by)
        totals = sums.groupby(["series", "day", "offset"], as_index=False)[["a", "b"]].sum()
    else:  # per-topic sums for the days shown; their split weights add up to the day totals
        sums = _with_offsets(
            _topic_sums(session, scope=scope, weights=weights, first=start, last=end), first
        )
        in_range = sums.groupby(["series", "day", "offset"], as_index=False)[["a", "b"]].sum()
        before = _daily_sums(
            session, scope=scope, weights=weights, first=first, last=start - timedelta(days=1),
            by=None,
        )  # fmt: skip
        totals = pd.concat([before, in_range], ignore_index=True)
    n_days = (end - first).days + 1
    kernel = _kernel(params)
    rows: list[dict[str, Any]] = []
    for name in series_names(session, scope).values():
        part = sums[sums["series"] == name]
        if part.empty:
            continue
        keys = sorted(part["key"].unique())
        key_index = part["key"].map({k: i for i, k in enumerate(keys)}).to_numpy()
        where = (key_index, part["offset"].to_numpy())
        a, b, n = (np.zeros((len(keys), n_days)) for _ in range(3))
        np.add.at(a, where, part["a"].to_numpy(dtype=float))
        np.add.at(b, where, part["b"].to_numpy(dtype=float))
        np.add.at(n, where, part["mentions"].to_numpy(dtype=float))
        whole = totals[totals["series"] == name]
        a_all, b_all = np.zeros(n_days), np.zeros(n_days)
        np.add.at(a_all, whole["offset"].to_numpy(), whole["a"].to_numpy(dtype=float))
        np.add.at(b_all, whole["offset"].to_numpy(), whole["b"].to_numpy(dtype=float))
        den_all, num_all = _decayed(a_all, kernel), _decayed(b_all, kernel)
        for week_start, t in _weeks(start, end):
            t_off, w_off = (t - first).days, (week_start - first).days
            den, num = den_all[t_off], num_all[t_off]
            counts = n[:, w_off : t_off + 1].sum(axis=1)
            if den <= 0 or not counts.any():
                continue
            ages = t_off - np.arange(w_off, t_off + 1)
            decay = np.where(ages < len(kernel), kernel[np.minimum(ages, len(kernel) - 1)], 0.0)
            d_key = a[:, w_off : t_off + 1] @ decay
            n_key = b[:, w_off : t_off + 1] @ decay
            d_week, n_week = float(d_key.sum()), float(n_key.sum())
            older = den - d_week
            s_old = (num - n_week) / older if older > den * 1e-12 else 0.0
            for i in np.flatnonzero(counts):
                rows.append(
                    {
                        "series": name,
                        "week": pd.Timestamp(week_start),
                        "week_end": pd.Timestamp(t),
                        "key": keys[i],
                        "contribution": 100.0 * (n_key[i] - d_key[i] * s_old) / den,
                        "new_mentions": int(counts[i]),
                        "new_sentiment": 100.0 * n_key[i] / d_key[i] if d_key[i] > 0 else np.nan,
                        "new_weight_share": d_key[i] / den,
                        "index": 100.0 * num / den,
                        "index_without_week": 100.0 * s_old,
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def _weeks(start: date, end: date) -> list[tuple[date, date]]:
    """(Monday of the week, last day of the week within [start, end]) for each ISO week."""
    weeks = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        weeks.append((max(monday, start), min(monday + timedelta(days=6), end)))
        monday += timedelta(days=7)
    return weeks


def decayed_sums(
    offsets: np.ndarray, a: np.ndarray, b: np.ndarray, on: int, params: LoopParams
) -> tuple[float, float]:
    """``(Σ w, Σ w·s)`` on day offset ``on`` from per-day sums ``a = Σ w_src``, ``b = Σ w_src·s``
    at day ``offsets`` (same origin): the index's denominator and numerator on that day, over
    the days whose age is in ``[0, L)``."""
    ages = on - np.asarray(offsets, dtype=float)
    inside = (ages >= 0) & (ages < params.lookback_days)
    decay = params.decay(ages[inside])
    return (
        float(np.asarray(a, dtype=float)[inside] @ decay),
        float(np.asarray(b, dtype=float)[inside] @ decay),
    )


def period_contributions(
    session: Session,
    *,
    scope: Scope,
    start: date,
    end: date,
    weights: Weights | None = None,
    params: LoopParams | None = None,
    older: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """How the content published on days ``start`` … ``end`` moved the index on ``end``, split
    by (stage, topic) cell — the weekly contributions of docs/loop.md over any period, with a
    mention's weight split evenly over its topics (``(no topic)`` when it has none).

    Every mention in ``scope`` counts as one series (several brands are summed: the own brands
    of a headline); the scope's own dates are ignored. ``older`` is ``(Σ w, Σ w·s)`` on ``end``
    of what was published before ``start`` inside the look-back, when the caller has it (the
    headline does); else it is queried.

    One row per cell that published something. Columns: stage, topic, contribution (index
    points), new_mentions (a mention counts under each of its topics), new_sentiment (weighted
    mean score × 100 of the cell's new mentions), new_weight_share (their share of the reading
    weight on ``end``), index (on ``end``), index_without_period (``100 · s_old``).
    """
    weights, params = weights or Weights(), params or LoopParams()
    columns = [
        "stage", "topic", "contribution", "new_mentions", "new_sentiment", "new_weight_share",
        "index", "index_without_period",
    ]  # fmt: skip
    first_in_window = end - timedelta(days=params.lookback_days - 1)
    first = max(start, first_in_window)
    if first > end:
        return pd.DataFrame(columns=columns)
    if older is None:
        older = _older_sums(
            session, scope=scope, end=end, before=first, weights=weights, params=params
        )
    per_cell = _cell_sums(
        session, scope=scope, first=first, last=end, weights=weights, params=params
    )
    if per_cell.empty:
        return pd.DataFrame(columns=columns)
    d_old, n_old = older
    d_new = float(per_cell["d"].sum())
    n_new = float(per_cell["n"].sum())
    den = d_old + d_new
    if den <= 0:
        return pd.DataFrame(columns=columns)
    s_old = n_old / d_old if d_old > den * 1e-12 else 0.0
    d, n = per_cell["d"].to_numpy(), per_cell["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        new_sentiment = np.where(d > 0, 100.0 * n / np.where(d > 0, d, 1.0), np.nan)
    frame = pd.DataFrame(
        {
            "stage": per_cell["stage"],
            "topic": per_cell["topic"],
            "contribution": 100.0 * (n - d * s_old) / den,
            "new_mentions": per_cell["mentions"].round().astype(int),
            "new_sentiment": new_sentiment,
            "new_weight_share": d / den,
            "index": 100.0 * (n_old + n_new) / den,
            "index_without_period": 100.0 * s_old,
        }
    )
    return frame[columns]


def _older_sums(
    session: Session,
    *,
    scope: Scope,
    end: date,
    before: date,
    weights: Weights,
    params: LoopParams,
) -> tuple[float, float]:
    """``(Σ w, Σ w·s)`` on ``end`` of the scope's classified mentions published in the look-back
    window of ``end`` before day ``before`` (all brands of the scope together)."""
    first = end - timedelta(days=params.lookback_days - 1)
    if first >= before:
        return 0.0, 0.0
    f = facts(session)
    a, b, _ = f.scored_sums(weights)
    stmt = (
        f.select(f.day, a, b)
        .where(
            *f.where(scope, dates=False),
            *f.between(first, before - timedelta(days=1)),
            *f.scored_where(),
        )
        .group_by(f.day)
        .having(*f.scored_having())
    )
    rows = _rows(session, stmt)
    if not rows:
        return 0.0, 0.0
    offsets = np.array([(to_date(r[0]) - end).days for r in rows], dtype=float)
    a = np.array([float(r[1] or 0.0) for r in rows])
    b = np.array([float(r[2] or 0.0) for r in rows])
    return decayed_sums(offsets, a, b, 0, params)


def _cell_sums(
    session: Session,
    *,
    scope: Scope,
    first: date,
    last: date,
    weights: Weights,
    params: LoopParams,
) -> pd.DataFrame:
    """Per (stage, topic) cell over the classified mentions published on days ``first`` …
    ``last``: d = Σ w, n = Σ w·s with the reading weight on ``last`` (the decay applied in SQL,
    per whole day of age: a few hundred groups instead of one per day), split evenly over a
    mention's topics, and mentions (counted under each topic)."""
    ensure_sql_math(session)
    f = facts(session, topics=True)
    decay = func.power(0.5, f.age(last) / params.half_life_days)
    keys: list[Any] = [f.stage, f.topics]
    stmt = (
        f.select(*keys, *f.scored_sums(weights, decay))
        .where(*f.where(scope, dates=False), *f.between(first, last), *f.scored_where())
        .group_by(*keys)
        .having(*f.scored_having())
    )
    raw = pd.DataFrame(_rows(session, stmt), columns=["stage", "topics", "d", "n", "mentions"])
    if raw.empty:
        return raw.drop(columns=["topics"]).assign(topic=pd.Series(dtype=object))
    raw["stage"] = raw["stage"].fillna(UNKNOWN_STAGE)
    raw["d"] = raw["d"].astype(float)
    raw["n"] = raw["n"].astype(float)
    long = expand(raw, sums=["d", "n"], split=True)
    return long.groupby(["stage", "topic"], as_index=False)[["d", "n", "mentions"]].sum()
