"""Dashboard query times on a database of 1,000,000 mentions (SQLite by default).

    python bench/dashboard_queries.py [--db /tmp/umot-bench.db] [--mentions 1000000] [--fresh]
        [--pages headline,loop]

Generates the mentions through the real store (``upsert_many`` then ``save_results``, in batches;
engagement snapshots off to save time, they are not read by the dashboard), unless the file
already holds them: an existing file is reused as it is, its schema brought to head through the
product's own ``store.db.upgrade`` (which also refreshes SQLite's planner statistics, as the
product does on its own: no ANALYZE of the bench's). Then times every query each dashboard page
runs, for three filter sets: every brand over the last 365 days, one brand, and two brands side
by side, and the headline (store.headline) with the report built on it for each period kind.
Prints each query's first (cold in this process) and best-of-3 time in ms, the slowest,
the median and the machine's load average (other work on a small machine slows every query).
Bar: ≤ 1 s each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from store import analytics, browse, exports, headline, loop, rollups, shelf
from store.catalog import BrandSpec, SourceSpec, sync_catalog
from store.classifications import save_results
from store.db import make_engine, upgrade
from store.mentions import upsert_many
from store.models import Brand, Mention, Product, Source
from store.runs import finish_run, run_history, start_run
from store.schemas import LabelResult, MentionIn
from store.scope import Scope, weights_for
from store.spikes import detect_spikes
from store.status import data_state
from umot.report import render_html

BRANDS = ("Acme", "Globex", "Initech", "Umbrella")
SOURCES = (
    ("shop-reviews", "jsonld"), ("trustpilot", "trustpilot"), ("appstore", "appstore"),
    ("reddit", "reddit"), ("hn", "hackernews"), ("mastodon", "mastodon"), ("bluesky", "bluesky"),
    ("youtube", "youtube"), ("blog-rss", "rss"), ("shop-reviews-2", "jsonld"),
    ("trustpilot-2", "trustpilot"), ("appstore-2", "appstore"),
)  # fmt: skip
STAGES = ("zmot", "fmot", "amot", "smot", "umot")
TOPICS = ("product_quality", "size_fit", "design", "price_value", "delivery", "customer_service",
          "website_app", "returns_refunds", "recommendation")  # fmt: skip
PHRASES = {
    "zmot": "Thinking of buying the linen shirt, any recommendations before I order",
    "fmot": "The checkout page kept rejecting my card and the size chart was missing",
    "amot": "The parcel arrived late and tracking never updated for days",
    "smot": "The fabric is soft but the seams fell apart after one wash",
    "umot": "I recommend them to everyone and bought it again in three colours",
}
MODEL = "bench-model"
BRAND_SPECS = [BrandSpec(b, (f"{b} shirt", f"{b} app")) for b in BRANDS]
SOURCE_SPECS = [SourceSpec(name, spider) for name, spider in SOURCES]
DAYS = 730
BATCH = 10_000


def generate(db: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    end = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    with Session(engine) as session:
        catalog = sync_catalog(session, brands=BRAND_SPECS, sources=SOURCE_SPECS)
        session.commit()
        for source_id in catalog.sources.values():
            run = start_run(session, source_id=source_id)
            finish_run(session, run_id=run.id, status="ok", pages=40, new=n // len(SOURCES))
        session.commit()
    source_ids = list(catalog.sources.values())
    products = {b: catalog.products[(b, f"{b} shirt")] for b in BRANDS}
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        by_source: dict[int, list[tuple[MentionIn, tuple[Any, ...]]]] = {}
        for i in range(done, done + size):
            brand = rng.choice(BRANDS)
            stage = rng.choice(STAGES)
            sentiment = rng.choices(("negative", "neutral", "positive"), (3, 2, 5))[0]
            score = {"negative": -rng.uniform(0.3, 1), "neutral": rng.uniform(-0.2, 0.2),
                     "positive": rng.uniform(0.3, 1)}[sentiment]  # fmt: skip
            topics = rng.sample(TOPICS, rng.choice((0, 1, 1, 2)))
            item = MentionIn(
                external_id=f"m{i}",
                text=f"{PHRASES[stage]} ({brand}, #{i})",
                kind="review",
                url=f"https://example.test/m/{i}",
                author=f"user{rng.randrange(50_000)}",
                author_followers=int(rng.paretovariate(1.2)) if rng.random() < 0.5 else None,
                rating=float(rng.randint(1, 5)),
                published_at=end - timedelta(seconds=rng.randrange(DAYS * 86_400)),
                likes=int(rng.expovariate(0.3)) if rng.random() < 0.6 else None,
                replies=rng.randrange(5) if rng.random() < 0.3 else None,
                brand_id=catalog.brands[brand],
                product_id=products[brand] if rng.random() < 0.5 else None,
            )  # fmt: skip
            labels = (sentiment, score, stage, topics)
            by_source.setdefault(rng.choice(source_ids), []).append((item, labels))
        with Session(engine) as session:
            results = []
            for source_id, pairs in by_source.items():
                upserted = upsert_many(
                    session, source_id=source_id, items=[p[0] for p in pairs], snapshots=False
                )
                for mention_id, (_, (sentiment, score, stage, topics)) in zip(
                    upserted.ids, pairs, strict=True
                ):
                    results.append(LabelResult(mention_id, sentiment, score, stage, topics))
            save_results(session, model_version=MODEL, results=results)
            session.commit()
        done += size
        rate = done / (time.perf_counter() - t0)
        print(f"\r  generated {done:,} / {n:,} ({rate:,.0f} mentions/s)", end="", flush=True)
    print(f"\n  generation took {time.perf_counter() - t0:.0f} s")
    engine.dispose()


def source_weight(name: str) -> float:
    """The benches' source weights (a config's ``source_weight``): Trustpilot counts double."""
    return 2.0 if name.startswith("trustpilot") else 1.0


def filter_sets(brands: dict[str, int], now: datetime) -> dict[str, Scope]:
    """The three filter sets every query runs with: all brands, one, two side by side."""
    end = now.date()
    start = end - timedelta(days=364)
    return {
        "all brands, 365 days": Scope(start=start, end=end),
        "one brand, 365 days": Scope(brand_ids=(brands["Acme"],), start=start, end=end),
        "two brands side by side": Scope(
            brand_ids=(brands["Acme"], brands["Globex"]), start=start, end=end
        ),
    }


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], min(times), result


def headline_queries(
    s: Session,
    scope: Scope,
    weights: Any,
    params: loop.LoopParams,
    now: datetime,
    brands: dict[str, int],
) -> dict[str, Callable[[], Any]]:
    """The Overview's headline and `umot report`: Acme against the filter set's other brands
    (every other brand when it names one or none, the worst case: all the mentions in play)."""
    own = scope.brand_ids[:1] or (brands["Acme"],)
    others = scope.brand_ids[1:] or tuple(i for i in brands.values() if i not in own)

    def run(kind: str) -> headline.Headline:
        return headline.headline(s, brand_ids=own, competitor_ids=others, period=kind,
                                 until=now.date(), weights=weights, params=params)  # fmt: skip

    queries: dict[str, Callable[[], Any]] = {
        f"headline ({kind})": (lambda kind=kind: run(kind)) for kind in headline.PERIOD_KINDS
    }
    queries["report (quarter, headline + HTML)"] = lambda: render_html(run("quarter"))
    return queries


def page_queries(
    s: Session,
    scope: Scope,
    weights: Any,
    params: loop.LoopParams,
    now: datetime,
    brands: dict[str, int],
) -> dict[str, dict[str, Callable[[], Any]]]:
    on = scope.end or now.date()
    return {
        "headline": headline_queries(s, scope, weights, params, now, brands),
        "app": {
            "catalogue + data span": lambda: (
                s.exec(select(Brand.id, Brand.name)).all(),
                s.exec(select(Product.id, Product.name)).all(),
                s.exec(select(Source.id, Source.name)).all(),
                loop.data_span(s, scope=Scope()),
            ),
            "data state (what an empty page explains)": lambda: data_state(s),
        },
        "overview": {
            "kpis": lambda: analytics.kpis(s, scope=scope, weights=weights),
            "exposure_index": lambda: loop.exposure_index(
                s, scope=scope, weights=weights, params=params
            ),
            "spikes": lambda: detect_spikes(s, now=now, brand_ids=scope.brand_ids),
            "volume_by_day": lambda: analytics.volume_by_day(s, scope=scope),
            "by_source": lambda: analytics.by_source(s, scope=scope),
        },
        "journey": {
            "by_stage": lambda: analytics.by_stage(s, scope=scope),
            "stage_topic": lambda: analytics.stage_topic(s, scope=scope),
            "sample_quotes": lambda: analytics.sample_quotes(
                s, scope=scope, stage="amot", topic="delivery"
            ),
            "sample_quotes (no topic)": lambda: analytics.sample_quotes(
                s, scope=scope, stage="fmot", topic="(no topic)"
            ),
        },
        "loop": {
            "exposure_index": lambda: loop.exposure_index(
                s, scope=scope, weights=weights, params=params
            ),
            "contributions by stage": lambda: loop.loop_contributions(
                s, scope=scope, by="stage", weights=weights, params=params
            ),
            "contributions by topic": lambda: loop.loop_contributions(
                s, scope=scope, by="topic", weights=weights, params=params
            ),
            "zmot_shelf": lambda: shelf.zmot_shelf(
                s, scope=scope, on=on, weights=weights, params=params
            ),
            "influential_mentions": lambda: shelf.influential_mentions(
                s, scope=scope, on=on, weights=weights, params=params
            ),
        },
        "mentions": {
            "known_topics": lambda: browse.known_topics(s),
            "search (page 1)": lambda: browse.search_mentions(s, scope=scope, weights=weights),
            "search text 'seams'": lambda: browse.search_mentions(
                s, scope=scope, search=browse.MentionSearch(text="seams"), weights=weights
            ),
            "search negative amot": lambda: browse.search_mentions(
                s,
                scope=scope,
                search=browse.MentionSearch(sentiment="negative", stage="amot"),
                weights=weights,
            ),
            "mention_detail": lambda: browse.mention_detail(s, mention_id=1),
        },
        "advocates_complaints": {
            "advocates (top 100)": lambda: exports.advocates(
                s, scope=scope, as_of=now, weights=weights, limit=100
            ),
            "complaints (top 200)": lambda: exports.complaints(
                s,
                scope=scope,
                as_of=now,
                half_life_days=params.half_life_days,
                weights=weights,
                statuses=("new", "acknowledged"),
                limit=200,
            ),  # fmt: skip
        },
        "crawls": {"run_history": lambda: run_history(s, limit=200)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/tmp/umot-bench.db"))
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="Regenerate even if the file exists.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pages", default="", help="Only these pages, comma-separated (e.g. headline,loop)."
    )
    args = parser.parse_args()

    if args.fresh and args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{args.db}")
    upgrade(engine)
    with Session(engine) as s:
        have = s.scalar(select(func.count()).select_from(Mention)) or 0
    if have < args.mentions:
        print(f"generating {args.mentions - have:,} mentions into {args.db} …")
        engine.dispose()
        generate(args.db, args.mentions - have)
        engine = make_engine(f"sqlite:///{args.db}")
        rollups.fold_all(engine)
    with Session(engine) as s:
        total = s.scalar(select(func.count()).select_from(Mention)) or 0
        brands = dict(s.exec(select(Brand.name, Brand.id)).all())
        weights = weights_for(s, source_weight)
    now = datetime.now(UTC)
    params = loop.LoopParams()
    print(f"{total:,} mentions in {args.db}; times in ms (first run, best of {args.repeat})")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    results: list[tuple[float, str]] = []
    for label, scope in filter_sets(brands, now).items():
        print(f"\n== {label}")
        with Session(engine) as s:
            for page, queries in page_queries(s, scope, weights, params, now, brands).items():
                if args.pages and page not in args.pages.split(","):
                    continue
                for name, fn in queries.items():
                    first, best, _ = _timed(fn, args.repeat)
                    results.append((first, f"{label} · {page} · {name}"))
                    flag = "  OVER 1 s" if first > 1000 else ""
                    print(f"  {page:22} {name:34} {first:8.1f} {best:8.1f}{flag}")
    slowest = max(results)
    print(f"\nslowest (first run): {slowest[0]:.1f} ms — {slowest[1]}")
    print(f"median query: {statistics.median(r[0] for r in results):.1f} ms; "
          f"over 1 s: {sum(1 for r in results if r[0] > 1000)} of {len(results)}")  # fmt: skip
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
