"""The headline: how a brand did in the last full period, against the period before
and against its competitors, and what moved it — one function, :func:`headline`, for the
dashboard's Overview, ``umot report`` and its JSON.

Two aggregate queries do the work, both grouped in SQL: per brand and UTC day over the look-back
window of the previous period's end through the period's end (counts, sentiment counts,
ratings, visibility, and the index's daily sums ``Σ w_src``, ``Σ w_src·s``), and per day and
(stage, topics list) over the period for the brand's drivers (:func:`store.loop.
period_contributions`); then one small query per driver for its quote. Every figure is defined
in docs/loop.md ("The headline"). Numbers are rounded here, once, to what a reader is shown, so
the page, the report and the JSON agree to the last digit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.labels import STAGE_ORDER, display_name
from store import walks
from store.facts import facts
from store.loop import UNKNOWN_STAGE, LoopParams, decayed_sums, period_contributions
from store.models import Brand, Mention, MentionTopic, Source
from store.scope import (
    Scope,
    Weights,
    conditions,
    to_date,
)
from store.topics import NO_TOPIC

PeriodKind = Literal["week", "month", "quarter"]
PERIOD_KINDS: tuple[str, ...] = ("week", "month", "quarter")
# The next longer period, which rests on more mentions: where to look when one moved nothing.
LONGER_PERIOD = {"week": "month", "month": "quarter"}
# A figure over fewer mentions is shown greyed with its n and never ranks (docs/loop.md).
MIN_MENTIONS = 5
DRIVERS = 3

# Metric name -> (display name, decimals); the JSON's keys, in the order shown.
METRICS: dict[str, tuple[str, int]] = {
    "mentions": ("Mentions", 0),
    "net_sentiment": ("Net sentiment", 1),
    "exposure_index": ("ZMOT exposure index", 1),
    "average_rating": ("Average rating", 2),
    "share_of_voice": ("Share of voice", 1),
    "weighted_share_of_voice": ("Share of voice, weighted by visibility", 1),
}


@dataclass(frozen=True, slots=True)
class Span:
    """UTC days ``start`` … ``end``, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def last_full_period(kind: str, until: date) -> Span:
    """The last full calendar week (Monday–Sunday), month or quarter ending on or before
    ``until``: ``until`` itself when it is the period's last day, else the one before."""
    if kind == "week":
        end = until - timedelta(days=(until.weekday() + 1) % 7)  # the Sunday on or before
        return Span(end - timedelta(days=6), end)
    if kind == "month":
        end = until if (until + timedelta(days=1)).day == 1 else until.replace(day=1) - _ONE_DAY
        return Span(end.replace(day=1), end)
    if kind == "quarter":
        first_month = 3 * ((until.month - 1) // 3) + 1
        quarter_start = until.replace(month=first_month, day=1)
        next_start = _add_months(quarter_start, 3)
        end = until if until == next_start - _ONE_DAY else quarter_start - _ONE_DAY
        return Span(end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1), end)
    raise ValueError(f"a period is 'week', 'month' or 'quarter', not {kind!r}")


def previous_period(kind: str, period: Span) -> Span:
    """The full period of the same kind just before ``period``."""
    return last_full_period(kind, period.start - _ONE_DAY)


_ONE_DAY = timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def describe_period(kind: str, period: Span) -> str:
    """The period in words: "week of 13–19 Apr 2026", "April 2026", "Q2 2026"."""
    if kind == "month":
        return period.start.strftime("%B %Y")
    if kind == "quarter":
        return f"Q{(period.start.month - 1) // 3 + 1} {period.start.year}"
    return f"week of {describe_day(period.start)} – {describe_day(period.end)}"


def describe_day(day: date) -> str:
    """A day in words: "13 Apr 2026"."""
    return f"{day.day} {day.strftime('%b %Y')}"


@dataclass(frozen=True, slots=True)
class Metric:
    """A figure for the period and the previous one, rounded as shown; ``change`` is
    ``value − previous`` of the rounded figures. ``n`` / ``previous_n``: how many mentions the
    figure rests on (classified ones for sentiment and the index, rated ones for the rating) —
    under 5 it is shown greyed with its n (docs/loop.md); not part of the JSON."""

    value: float | int | None
    previous: float | int | None
    change: float | int | None
    n: int = 0
    previous_n: int = 0

    def to_dict(self) -> dict[str, float | int | None]:
        return {"value": self.value, "previous": self.previous, "change": self.change}


@dataclass(frozen=True, slots=True)
class BrandFigures:
    brand: str
    metrics: dict[str, Metric]

    def to_dict(self) -> dict[str, Any]:
        return {"brand": self.brand, "metrics": _metrics_dict(self.metrics)}


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    url: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"text": self.text, "url": self.url}


@dataclass(frozen=True, slots=True)
class Driver:
    """A (stage, topic) cell that moved the exposure index in the period. ``stage`` and
    ``topic`` are codes (None: unknown stage, no topic); ``points`` is signed (down < 0)."""

    stage: str | None
    topic: str | None
    direction: Literal["up", "down"]
    points: float
    mentions: int
    sentence: str
    quote: Quote | None

    @property
    def name(self) -> str:
        return cell_name(self.stage, self.topic)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "topic": self.topic,
            "direction": self.direction,
            "points": self.points,
            "mentions": self.mentions,
            "sentence": self.sentence,
            "quote": self.quote.to_dict() if self.quote else None,
        }


@dataclass(frozen=True, slots=True)
class Headline:
    """The brand's figures for ``period`` against ``previous``, each competitor's, and the
    drivers ordered by |points|. ``to_dict``/``to_json`` give the JSON of issue 18."""

    brand: str
    kind: str
    period: Span
    previous: Span
    metrics: dict[str, Metric]
    competitors: list[BrandFigures] = field(default_factory=list)
    drivers: list[Driver] = field(default_factory=list)
    # The day of the brand's latest dated mention, whenever it is (None: none stored). Not in
    # the JSON; the report uses it to say why a period is empty.
    latest_day: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "period": self.period.to_dict(),
            "previous": self.previous.to_dict(),
            "metrics": _metrics_dict(self.metrics),
            "competitors": [c.to_dict() for c in self.competitors],
            "drivers": [d.to_dict() for d in self.drivers],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def _metrics_dict(metrics: dict[str, Metric]) -> dict[str, dict[str, float | int | None]]:
    return {name: metric.to_dict() for name, metric in metrics.items()}


def cell_name(stage: str | None, topic: str | None) -> str:
    """A (stage, topic) cell in display names: "Delivery & service (AMOT) · Delivery"."""
    stage_name = display_name(stage) if stage else "Unknown stage"
    topic_name = display_name(topic) if topic else "no particular topic"
    return f"{stage_name} · {topic_name}"


def driver_sentence(
    stage: str | None, topic: str | None, points: float, mentions: int, kind: str
) -> str:
    """The template sentence of a driver (no language model writes it)."""
    moved = "pushed the exposure index up" if points > 0 else "pulled the exposure index down"
    noun = "mention" if mentions == 1 else "mentions"
    return (
        f"{cell_name(stage, topic)} {moved} {abs(points):.1f} points this {kind} "
        f"({mentions} {noun})."
    )


def headline(
    session: Session,
    *,
    brand_ids: Sequence[int],
    competitor_ids: Sequence[int] = (),
    period: str = "week",
    until: date,
    weights: Weights | None = None,
    params: LoopParams | None = None,
    min_mentions: int = MIN_MENTIONS,
    top: int = DRIVERS,
) -> Headline:
    """The headline of ``brand_ids`` (one brand, or several own brands summed) for the last full
    ``period`` ending on or before ``until``, against the previous one and each competitor."""
    own = tuple(dict.fromkeys(brand_ids))
    if not own:
        raise ValueError("the headline needs at least one brand")
    others = tuple(b for b in dict.fromkeys(competitor_ids) if b not in own)
    weights, params = weights or Weights(), params or LoopParams()
    current = last_full_period(period, until)
    before = previous_period(period, current)
    first = min(before.start, before.end - timedelta(days=params.lookback_days - 1))
    names = dict(
        session.exec(select(Brand.id, Brand.name).where(col(Brand.id).in_(own + others))).all()
    )
    everyone = own + others
    days = _brand_days(session, brand_ids=everyone, first=first, last=current.end, weights=weights)
    figures = _Figures(days, first=first, current=current, before=before, params=params)
    metrics = figures.metrics(own, everyone)
    competitors = [
        BrandFigures(names.get(b, f"brand {b}"), figures.metrics((b,), everyone)) for b in others
    ]
    older = figures.older_sums(own)
    cells = period_contributions(
        session, scope=Scope(brand_ids=own), start=current.start, end=current.end,
        weights=weights, params=params, older=older,
    )  # fmt: skip
    drivers = _drivers(
        session, cells, own=own, period=current, kind=period, weights=weights,
        min_mentions=min_mentions, top=top,
    )  # fmt: skip
    return Headline(
        brand=" + ".join(names.get(b, f"brand {b}") for b in own),
        kind=period,
        period=current,
        previous=before,
        metrics=metrics,
        competitors=competitors,
        drivers=drivers,
        latest_day=latest_mention_day(session, own),
    )


def latest_mention_day(session: Session, brand_ids: Sequence[int]) -> date | None:
    """The UTC day of the latest dated mention of ``brand_ids`` (an index seek per brand)."""
    latest = session.exec(
        select(func.max(Mention.published_at)).where(col(Mention.brand_id).in_(brand_ids))
    ).one()
    if isinstance(latest, datetime) and latest.tzinfo is not None:
        latest = latest.astimezone(UTC)
    return to_date(latest) if latest is not None else None


_DAY_COLUMNS = [
    "brand", "day", "mentions", "classified", "positive", "negative", "rated", "rating_sum",
    "visibility", "a", "b",
]  # fmt: skip


def _brand_days(
    session: Session, *, brand_ids: Sequence[int], first: date, last: date, weights: Weights
) -> pd.DataFrame:
    """Per brand and UTC day: the sums every headline figure derives from (store.facts)."""
    f = facts(session)
    stmt = (
        f.select(
            f.brand_id,
            f.day,
            f.count(),
            f.classified(),
            f.count_if(f.sentiment == "positive"),
            f.count_if(f.sentiment == "negative"),
            f.rated(),
            f.rating_sum(),
            f.visibility(weights),
            f.visibility_scored(weights),
            f.visibility_score(weights),
        )
        .where(f.brand_id.in_(brand_ids), *f.between(first, last))
        .group_by(f.brand_id, f.day)
        .having(*f.present())
    )
    rows = [tuple(r) for r in session.connection().execute(stmt).all()]
    frame = pd.DataFrame(rows, columns=_DAY_COLUMNS)
    frame["offset"] = frame["day"].map(lambda d: (to_date(d) - first).days)
    for name in ("rating_sum", "visibility", "a", "b"):
        frame[name] = frame[name].astype(float).fillna(0.0)
    for name in ("mentions", "classified", "positive", "negative", "rated"):
        frame[name] = frame[name].fillna(0).astype(int)
    return frame


class _Figures:
    """The per-brand daily sums, summed over any group of brands and any span of days."""

    def __init__(
        self, days: pd.DataFrame, *, first: date, current: Span, before: Span, params: LoopParams
    ) -> None:
        self.days, self.first, self.params = days, first, params
        self.current, self.before = current, before
        # Per brand, the sums over each of the two periods (the metrics add brands up).
        self.totals = {
            span: self._rows(days["brand"].unique(), span).groupby("brand")[_DAY_COLUMNS[2:]].sum()
            for span in (current, before)
        }

    def _offset(self, day: date) -> int:
        return (day - self.first).days

    def _rows(self, brands: Sequence[int], span: Span | None = None) -> pd.DataFrame:
        rows = self.days[self.days["brand"].isin(brands)]
        if span is not None:
            offsets = rows["offset"]
            rows = rows[(offsets >= self._offset(span.start)) & (offsets <= self._offset(span.end))]
        return rows

    def _sums(self, brands: Sequence[int], span: Span) -> pd.Series:
        totals = self.totals[span]
        return totals[totals.index.isin(brands)].sum().reindex(_DAY_COLUMNS[2:], fill_value=0)

    def _index(self, brands: Sequence[int], on: date) -> tuple[float | None, int]:
        """The exposure index on ``on`` and the classified mentions in its window."""
        rows = self._rows(brands)
        offsets = rows["offset"].to_numpy(dtype=float)
        den, num = decayed_sums(
            offsets, rows["a"].to_numpy(), rows["b"].to_numpy(), self._offset(on), self.params
        )
        ages = self._offset(on) - offsets
        inside = (ages >= 0) & (ages < self.params.lookback_days)
        n = int(rows["classified"].to_numpy()[inside].sum())
        return (100.0 * num / den if den > 0 else None), n

    def older_sums(self, brands: Sequence[int]) -> tuple[float, float]:
        """``(Σ w, Σ w·s)`` on the period's end of what the brands published before it."""
        rows = self._rows(brands)
        rows = rows[rows["offset"] < self._offset(self.current.start)]
        return decayed_sums(
            rows["offset"].to_numpy(dtype=float), rows["a"].to_numpy(), rows["b"].to_numpy(),
            self._offset(self.current.end), self.params,
        )  # fmt: skip

    def metrics(self, brands: Sequence[int], everyone: Sequence[int]) -> dict[str, Metric]:
        values: dict[str, list[tuple[float | None, int]]] = {name: [] for name in METRICS}
        for span in (self.current, self.before):
            mine, total = self._sums(brands, span), self._sums(everyone, span)
            mentions, classified = int(mine["mentions"]), int(mine["classified"])
            rated = int(mine["rated"])
            net = 100.0 * (mine["positive"] - mine["negative"]) / classified if classified else None
            values["mentions"].append((mentions, mentions))
            values["net_sentiment"].append((net, classified))
            values["exposure_index"].append(self._index(brands, span.end))
            values["average_rating"].append((mine["rating_sum"] / rated if rated else None, rated))
            values["share_of_voice"].append(
                (100.0 * mentions / total["mentions"] if total["mentions"] else None, mentions)
            )
            values["weighted_share_of_voice"].append(
                (
                    100.0 * mine["visibility"] / total["visibility"]
                    if total["visibility"] > 0
                    else None,
                    mentions,
                )
            )
        return {
            name: _metric(now, then, METRICS[name][1])
            for name, (now, then) in values.items()  # type: ignore[misc]
        }


def _metric(now: tuple[float | None, int], then: tuple[float | None, int], digits: int) -> Metric:
    value, previous = _round(now[0], digits), _round(then[0], digits)
    change = None if value is None or previous is None else _round(value - previous, digits)
    return Metric(value, previous, change, n=now[1], previous_n=then[1])


def _round(value: float | None, digits: int) -> float | int | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if digits == 0:
        return int(round(value))
    rounded = round(float(value), digits)
    return rounded + 0.0  # no "-0.0" in the JSON


def _drivers(
    session: Session,
    cells: pd.DataFrame,
    *,
    own: Sequence[int],
    period: Span,
    kind: str,
    weights: Weights,
    min_mentions: int,
    top: int,
) -> list[Driver]:
    """The ``top`` cells with the largest |contribution| among those with at least
    ``min_mentions`` mentions and a contribution that rounds to more than 0.0 points."""
    if cells.empty:
        return []
    cells = cells.assign(points=cells["contribution"].round(1))
    cells = cells[(cells["new_mentions"] >= min_mentions) & (cells["points"] != 0)]
    cells = cells.assign(
        magnitude=cells["contribution"].abs(),
        order=cells["stage"].map(lambda s: STAGE_ORDER.get(s, len(STAGE_ORDER))),
    ).sort_values(["magnitude", "order", "topic"], ascending=[False, True, True])
    drivers, quoted = [], []
    sources = list(session.exec(select(Source.id)).all())
    for cell in cells.head(top).itertuples():
        stage = None if cell.stage == UNKNOWN_STAGE else str(cell.stage)
        topic = None if cell.topic == NO_TOPIC else str(cell.topic)
        points = float(cell.points) + 0.0
        s_old = float(cell.index_without_period) / 100.0
        quote, quote_id = _quote(
            session, own=own, period=period, stage=stage, topic=topic, up=points > 0,
            s_old=s_old, weights=weights, sources=sources, avoid=quoted,
        )  # fmt: skip
        if quote_id is not None:
            quoted.append(quote_id)
        drivers.append(
            Driver(
                stage=stage,
                topic=topic,
                direction="up" if points > 0 else "down",
                points=points,
                mentions=int(cell.new_mentions),
                sentence=driver_sentence(stage, topic, points, int(cell.new_mentions), kind),
                quote=quote,
            )
        )
    return drivers


def _quote(
    session: Session,
    *,
    own: Sequence[int],
    period: Span,
    stage: str | None,
    topic: str | None,
    up: bool,
    s_old: float,
    weights: Weights,
    sources: Sequence[int],
    avoid: Sequence[int] = (),
) -> tuple[Quote | None, int | None]:
    """The cell's most visible mention of the period among those that pull the index the
    driver's way (a score above what was already there for "up", below it for "down"), and
    its id. A mention already quoted by a bigger driver (one with two topics sits in two
    cells) is passed over while the cell has another."""
    score = col(Mention.sentiment_score)
    scope = Scope(start=period.start, end=period.end)
    best = select(
        col(Mention.id),
        col(Mention.visibility).label("order"),
        col(Mention.source_id),
        col(Mention.published_at),
    ).where(
        *conditions(scope),
        score > s_old if up else score < s_old,
        col(Mention.stage) == stage if stage is not None else col(Mention.stage).is_(None),
    )
    tagged = select(MentionTopic.mention_id).where(col(MentionTopic.mention_id) == Mention.id)
    if topic is None:
        best = best.where(~tagged.exists())
    else:
        best = best.where(tagged.where(col(MentionTopic.topic) == topic).exists())
    for avoiding in [avoid, ()] if avoid else [()]:
        found = _most_visible(
            session, best, own=own, sources=sources, avoid=avoiding, weights=weights
        )
        if found is not None:
            row = session.exec(
                select(col(Mention.text), col(Mention.url)).where(col(Mention.id) == found)
            ).one()
            return Quote(text=row[0], url=row[1]), found
    return None, None


def _most_visible(
    session: Session,
    best: Any,
    *,
    own: Sequence[int],
    sources: Sequence[int],
    avoid: Sequence[int],
    weights: Weights,
) -> int | None:
    """The id of ``best``'s mention with the highest v·w_source (newest, then lowest id, on a
    tie), or None. One walk down the stage's visibility index (migration 0009) stops at the
    first row no later one can beat (store.walks: w ≤ v · the largest source weight), where
    one ORDER BY v·w_source would sort the whole period; past the walk's cap, each brand and
    source is asked for its top row instead."""
    query = best.where(col(Mention.brand_id).in_(own))
    if avoid:
        query = query.where(col(Mention.id).not_in(avoid))

    def weighted(row: Any) -> float:
        return row.order * weights.of(row.source_id)

    def rank(row: Any) -> tuple[float, float, int]:
        published = row.published_at.timestamp() if row.published_at else 0.0
        return (-weighted(row), -published, row.id)

    found = walks.top_in_one_walk(
        session, query, order=col(Mention.visibility), sources=sources,
        ceiling=lambda order, source: order * weights.of(source), value=weighted, rank=rank,
        limit=1,
    )  # fmt: skip
    if found is None:  # a rare cell deep in a large period: one small query per brand, source
        found = []
        for brand in own:
            for source in sources:
                top = query.where(
                    col(Mention.brand_id) == brand, col(Mention.source_id) == source
                ).order_by(
                    col(Mention.visibility).desc(), col(Mention.published_at).desc(),
                    col(Mention.id),
                ).limit(1)  # fmt: skip
                found.extend(session.exec(top))
    return min(found, key=rank).id if found else None
