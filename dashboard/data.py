"""The dashboard's only door to the data: cached engine and config, cached store queries.

The config path comes from ``UMOT_CONFIG`` (``umot dashboard`` sets it) and the database URL
from the config or ``UMOT_DATABASE_URL``; both are read once per process (``cache_resource``).
Query results are cached per filter value for ``TTL`` seconds (``cache_data``); writes (a
correction, a complaint status) clear the caches so the next run reads fresh numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.config import Config, load_config
from core.cron import next_runs as scheduled_runs
from core.labels import SENTIMENTS, STAGES
from core.words import describe_drops
from dashboard.filters import Choices, Filters, own_first
from store import analytics, browse, corrections, exports, loop
from store import complaints as complaint_status
from store import headline as headlines
from store import shelf as shelves
from store.browse import MentionSearch
from store.catalog import catalog_names
from store.complaints import ComplaintError
from store.corrections import CorrectionError
from store.db import SchemaOutdated, ensure_schema, make_engine, session_scope
from store.headline import MIN_MENTIONS
from store.models import COMPLAINT_STATUSES
from store.runs import run_history
from store.scope import Weights, weights_for
from store.spikes import Spike, detect_spikes
from store.status import DataState, data_state, empty_cause
from store.writers import FORMATS as EXPORT_FORMATS
from store.writers import MIME, render

__all__ = [
    "COMPLAINT_STATUSES",
    "DataState",
    "empty_cause",
    "MIN_MENTIONS",
    "MentionSearch",
    "EXPORT_FORMATS",
    "MIME",
    "SENTIMENTS",
    "STAGES",
    "ComplaintError",
    "CorrectionError",
    "SchemaOutdated",
]

TTL = 120


@st.cache_resource
def config() -> Config:
    return load_config()


@st.cache_resource
def engine() -> Engine:
    built = make_engine(config().database.url)
    ensure_schema(built)
    return built


@contextmanager
def session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as s:
        yield s


def params() -> loop.LoopParams:
    return loop.LoopParams.from_analytics(config().analytics)


@st.cache_data(ttl=TTL, show_spinner=False)
def weights() -> Weights:
    with session() as s:
        return weights_for(s, config().source_weight)


@st.cache_data(ttl=TTL, show_spinner=False)
def choices() -> Choices:
    with session() as s:
        names = catalog_names(s)
        span = loop.data_span(s, scope=Filters().scope)
    own = own_brands(names.brands, names.roles)
    return Choices(
        brands=own_first(names.brands, own),
        products=names.products,
        sources=names.sources,
        first_day=span[0] if span else None,
        last_day=span[1] if span else None,
        own=own,
    )


def own_first_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a per-brand frame (column ``series``) with the own brands first, then the
    competitors (the sidebar's order), keeping the order within a brand."""
    if frame.empty or "series" not in frame:
        return frame
    order = {name: i for i, name in enumerate(choices().brands.values())}
    rank = frame["series"].map(lambda name: order.get(name, len(order)))
    return frame.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


def brand_names() -> list[str]:
    """Brand names in reading order: own first, then competitors."""
    return list(choices().brands.values())


def own_brands(brands: dict[int, str], roles: dict[int, str]) -> tuple[int, ...]:
    """The own brands: the config's role for a configured brand (with no role anywhere, its
    first brand), else the role stored with the brand."""
    cfg = config()
    configured = {b.name for b in cfg.brands}
    return tuple(
        bid
        for bid, name in sorted(brands.items(), key=lambda kv: kv[1].casefold())
        if (cfg.brand_role(name) if name in configured else roles.get(bid)) == "own"
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def state() -> DataState:
    """Mentions, labelled mentions and failed sources: why a page may have nothing to show."""
    with session() as s:
        return data_state(s)


@st.cache_data(ttl=TTL, show_spinner="Counting…")
def kpis(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(analytics.kpis(s, scope=f.scope, weights=weights()))


@st.cache_data(ttl=TTL, show_spinner="Counting mentions over time…")
def volume_by_day(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(analytics.volume_by_day(s, scope=f.scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def by_source(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(analytics.by_source(s, scope=f.scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def by_stage(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(analytics.by_stage(s, scope=f.scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def by_topic(f: Filters) -> pd.DataFrame:
    with session() as s:
        return analytics.by_topic(s, scope=f.scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def stage_topic(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(analytics.stage_topic(s, scope=f.scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def sample_quotes(f: Filters, stage: str, topic: str, limit: int = 3) -> pd.DataFrame:
    with session() as s:
        return analytics.sample_quotes(s, scope=f.scope, stage=stage, topic=topic, limit=limit)


@st.cache_data(ttl=TTL, show_spinner="Computing the exposure index…")
def exposure_index(f: Filters) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(
            loop.exposure_index(s, scope=f.scope, weights=weights(), params=params())
        )


@st.cache_data(ttl=TTL, show_spinner="Computing loop contributions…")
def contributions(f: Filters, by: str) -> pd.DataFrame:
    with session() as s:
        return own_first_rows(
            loop.loop_contributions(s, scope=f.scope, by=by, weights=weights(), params=params())
        )


@st.cache_data(ttl=TTL, show_spinner=False)
def shelf(f: Filters, on: date) -> pd.DataFrame:
    with session() as s:
        return shelves.zmot_shelf(s, scope=f.scope, on=on, weights=weights(), params=params())


@st.cache_data(ttl=TTL, show_spinner=False)
def shelf_summary(f: Filters, on: date) -> pd.DataFrame:
    """Per source, the visibility-weighted sentiment of its shelf on ``on``."""
    return shelves.shelf_summary(shelf(f, on))


@st.cache_data(ttl=TTL, show_spinner=False)
def influential(f: Filters, on: date, limit: int = 20) -> pd.DataFrame:
    with session() as s:
        return shelves.influential_mentions(
            s, scope=f.scope, on=on, limit=limit, weights=weights(), params=params()
        )


def headline_brands(f: Filters) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Whose headline the Overview tells and against whom: the selected own brands (summed)
    against the selected competitors; with every brand together, the own brands against the
    rest; with only competitors selected, the first against the others."""
    c = choices()
    picked = f.brand_ids or tuple(c.brands)
    subject = tuple(b for b in picked if b in c.own) or (c.own if not f.brand_ids else ())
    subject = subject or picked[:1]
    return subject, tuple(b for b in picked if b not in subject)


def headline_until(f: Filters) -> date:
    """The headline's "until": the end of the range shown, at most the last day with data and
    today (the demo world's data ends before the clock: its last full week still has numbers)."""
    c = choices()
    days = [d for d in (f.end, c.last_day, datetime.now(UTC).date()) if d is not None]
    return min(days)


@st.cache_data(ttl=TTL, show_spinner="Computing the headline…")
def headline(f: Filters, period: str) -> headlines.Headline | None:
    """The headline (store.headline, the same numbers as `umot report`) for the brands in view."""
    subject, others = headline_brands(f)
    if not subject:
        return None
    with session() as s:
        return headlines.headline(
            s,
            brand_ids=subject,
            competitor_ids=others,
            period=period,
            until=headline_until(f),
            weights=weights(),
            params=params(),
        )


def reference_now(f: Filters) -> datetime:
    """'Now' for spikes and complaint recency: the end of the range shown, at most the clock."""
    clock = datetime.now(UTC)
    if f.end is None:
        return clock
    return min(clock, datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=UTC))


@st.cache_data(ttl=TTL, show_spinner=False)
def spikes(f: Filters) -> list[Spike]:
    alerts = config().alerts
    with session() as s:
        return detect_spikes(
            s,
            now=reference_now(f),
            min_negative=alerts.min_negative,
            ratio=alerts.ratio,
            brand_ids=f.brand_ids,
        )


@st.cache_data(ttl=TTL, show_spinner=False)
def search(f: Filters, search: MentionSearch, page: int, page_size: int = 50) -> pd.DataFrame:
    with session() as s:
        return browse.search_mentions(
            s,
            scope=f.scope,
            search=search,
            weights=weights(),
            limit=page_size,
            offset=page * page_size,
        )


@st.cache_data(ttl=TTL, show_spinner=False)
def count(f: Filters, search: MentionSearch) -> int:
    """How many mentions the Mentions page's search finds, over all its pages."""
    with session() as s:
        return browse.count_mentions(s, scope=f.scope, search=search)


def mention(mention_id: int) -> dict[str, Any] | None:
    with session() as s:
        return browse.mention_detail(s, mention_id=mention_id)


@st.cache_data(ttl=3600, show_spinner=False)
def topics() -> list[str]:
    with session() as s:
        return browse.known_topics(s)


def as_of(f: Filters) -> datetime:
    """The one "as of" time of a page's lists and their downloads: the end of the range shown,
    at most the clock (to the minute, so a page's queries stay cached for a minute). A page
    takes it once and passes it to the list it shows and to the file it offers, which then
    agree to the last digit and carry it in their ``as_of`` column (`umot export --as-of`)."""
    clock = datetime.now(UTC).replace(second=0, microsecond=0)
    if f.end is None:
        return clock
    return min(clock, datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=UTC))


@st.cache_data(ttl=TTL, show_spinner="Ranking advocates…")
def advocates(f: Filters, as_of: datetime, limit: int | None = 100) -> exports.Export:
    with session() as s:
        return exports.advocates(s, scope=f.scope, as_of=as_of, weights=weights(), limit=limit)


@st.cache_data(ttl=TTL, show_spinner="Ranking complaints…")
def complaints(
    f: Filters, statuses: tuple[str, ...], as_of: datetime, limit: int | None = 200
) -> exports.Export:
    with session() as s:
        return exports.complaints(
            s,
            scope=f.scope,
            as_of=as_of,
            half_life_days=config().analytics.half_life_days,
            weights=weights(),
            statuses=statuses,
            limit=limit,
        )


def export_file(f: Filters, kind: str, fmt: str, as_of: datetime) -> bytes:
    """The full export as of the page's ``as_of``, rendered exactly as `umot export` writes it."""
    with session() as s:
        export = exports.build_export(
            s,
            kind=kind,
            scope=f.scope,
            as_of=as_of,
            weights=weights(),
            half_life_days=config().analytics.half_life_days,
        )
    return render(export.rows, export.columns, fmt, title=kind)


@st.cache_data(ttl=30, show_spinner=False)
def runs(limit: int = 200) -> pd.DataFrame:
    with session() as s:
        rows = [
            {
                "source": name,
                "run": run.id,
                "status": run.status,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "pages": run.pages,
                "new": run.new,
                "updated": run.updated,
                "dropped": run.dropped,
                "drop_reasons": describe_drops(run.drop_reasons),
                "error": run.error,
            }
            for name, run in run_history(s, limit=limit)
        ]
    return pd.DataFrame(rows)


def next_runs() -> dict[str, datetime | None]:
    """When each scheduled source runs next, by the same cron rule as `umot schedule`."""
    return scheduled_runs(config())


def save_correction(
    *,
    mention_id: int,
    sentiment: str | None,
    stage: str | None,
    topics: list[str] | None,
    note: str | None,
) -> None:
    """Store a reader's correction of one mention's labels (raises CorrectionError)."""
    with writing() as s:
        corrections.save_correction(
            s,
            mention_id=mention_id,
            sentiment=sentiment,
            stage=stage,
            topics=topics,
            note=note,
            author="dashboard",
        )


def clear_correction(mention_id: int) -> None:
    """Remove a mention's correction: the model's labels count again."""
    with writing() as s:
        corrections.clear_correction(s, mention_id=mention_id)


def set_complaint_status(*, mention_id: int, status: str, note: str | None) -> None:
    """Move a complaint to ``status`` with an optional note (raises ComplaintError)."""
    with writing() as s:
        complaint_status.set_status(
            s, mention_id=mention_id, status=status, note=note, updated_by="dashboard"
        )


def changed() -> None:
    """After a write: drop cached query results so every page reads fresh numbers."""
    st.cache_data.clear()


@contextmanager
def writing() -> Iterator[Session]:
    """A session for one write from a page; commits, then clears the caches. It holds SQLite's
    write lock from its start, so a crawl writing meanwhile makes it wait, not fail."""
    with session_scope(engine(), write=True) as s:
        yield s
    changed()
