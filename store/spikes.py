"""Spike detection (docs/loop.md): negative-mention volume against its own recent baseline.

Windows are rolling and end at ``now``: the *day* check compares the last 24 hours with the mean
of the 14 24-hour windows before it (all sources); the *hour* check compares the last hour with
the mean of the 12 hours before it, on social sources only (their volume moves by the hour). Each
check runs per brand (all stages together, ``stage == ""``) and per brand and stage. A window is a
spike when it holds at least ``min_negative`` negative mentions and at least ``ratio`` times the
baseline mean. One SQL query per check: a CASE maps ``published_at`` to its window number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal
from sqlmodel import Session, col, select

from store.models import Brand, Mention, Source

SOCIAL_SPIDERS = ("reddit", "hackernews", "mastodon", "bluesky", "youtube")


@dataclass(frozen=True, slots=True)
class Spike:
    brand_id: int
    brand: str
    stage: str  # "" = all stages
    period: str  # "day" or "hour"
    period_start: datetime
    observed: int
    baseline: float

    @property
    def ratio(self) -> float:
        return self.observed / self.baseline if self.baseline else float("inf")

    def describe(self) -> str:
        where = f" at {self.stage}" if self.stage else ""
        span = "24 hours" if self.period == "day" else "hour"
        return (
            f"{self.brand}: {self.observed} negative mentions{where} in the last {span} "
            f"(usual: {self.baseline:.1f})"
        )


def detect_spikes(
    session: Session,
    *,
    now: datetime,
    min_negative: int = 5,
    ratio: float = 2.0,
    brand_ids: Sequence[int] = (),
) -> list[Spike]:
    """Spikes of negative volume per brand and per brand × stage, day and hour checks."""
    spikes = _check(session, now, timedelta(days=1), 14, "day", min_negative, ratio, brand_ids)
    spikes += _check(
        session, now, timedelta(hours=1), 12, "hour", min_negative, ratio, brand_ids, social=True
    )
    return sorted(spikes, key=lambda s: (-s.observed / max(s.baseline, 1e-9), s.brand, s.stage))


def _check(
    session: Session,
    now: datetime,
    width: timedelta,
    previous: int,
    period: str,
    min_negative: int,
    ratio: float,
    brand_ids: Sequence[int],
    *,
    social: bool = False,
) -> list[Spike]:
    bounds = [now - width * k for k in range(previous + 2)]  # bounds[0] = now
    window = case(
        *[(col(Mention.published_at) >= bounds[k + 1], literal(k)) for k in range(previous + 1)],
        else_=literal(-1),
    ).label("window")
    stmt: Any = select(col(Mention.brand_id), col(Mention.stage), window, func.count()).where(
        col(Mention.sentiment) == "negative",
        col(Mention.brand_id).is_not(None),
        col(Mention.published_at) >= bounds[-1],
        col(Mention.published_at) < now,
    )
    if brand_ids:
        stmt = stmt.where(col(Mention.brand_id).in_(brand_ids))
    if social:
        stmt = stmt.join(Source, col(Source.id) == col(Mention.source_id)).where(
            col(Source.spider).in_(SOCIAL_SPIDERS)
        )
    stmt = stmt.group_by(col(Mention.brand_id), col(Mention.stage), window)
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * (previous + 1))
    for brand_id, stage, k, n in session.exec(stmt).all():
        if k < 0:
            continue
        counts[(brand_id, "")][k] += n
        if stage:
            counts[(brand_id, stage)][k] += n
    names = dict(session.exec(select(Brand.id, Brand.name)).all())
    spikes = []
    for (brand_id, stage), series in counts.items():
        observed, baseline = series[0], sum(series[1:]) / previous
        if observed >= min_negative and observed >= ratio * baseline:
            spikes.append(
                Spike(
                    brand_id=brand_id,
                    brand=names.get(brand_id, str(brand_id)),
                    stage=stage,
                    period=period,
                    period_start=bounds[1],
                    observed=observed,
                    baseline=baseline,
                )
            )
    return spikes
