"""The daily rollups give the same figures as the mentions they sum.

A varied world is written through the real write paths (upserts, classification, corrections,
re-crawls that move visibility, labels and dates, re-classification), part of the journal folded
and part not; then every aggregate the dashboard and the report read is computed on 200 random
filter combinations from the rollups and from the mentions, and compared.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store import advocacy, analytics, exports, headline, loop, rollups
from store.classifications import claim_unclassified, save_results
from store.corrections import clear_correction, save_correction
from store.cube import daily_cube
from store.db import make_engine, session_scope, upgrade
from store.facts import RAW
from store.mentions import upsert_many
from store.models import (
    AdvocateChange,
    AdvocateTotal,
    Mention,
    MentionDay,
    MentionDayTopics,
    Product,
)
from store.schemas import LabelResult, MentionIn
from store.scope import Scope, Weights
from tests.store.helpers import M, fill, names_to_ids

STAGES = ("zmot", "fmot", "amot", "smot", "umot")
TOPICS = ("delivery", "design", "price_value", "size_fit")
FIRST = date(2026, 1, 1)
DAYS = 60
AUTHORS = tuple(f"user{k}" for k in range(30))
WORLD = {
    "brands": ("Acme", "Globex", "Initech"),
    "sources": (("reviews", "jsonld"), ("forum", "reddit"), ("social", "mastodon")),
}


def _world(rng: random.Random, n: int = 400) -> list[M]:
    mentions = []
    for i in range(n):
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        hour = rng.randrange(24)
        mentions.append(
            M(
                f"m{i}",
                "" if rng.random() < 0.03 else f"{day.isoformat()}T{hour:02d}:30",
                score=None if rng.random() < 0.15 else round(rng.uniform(-1, 1), 3),
                stage=rng.choice(STAGES),
                topics=rng.sample(TOPICS, rng.choice((0, 1, 1, 2))),
                source=rng.choice(("reviews", "forum", "social")),
                brand=rng.choice(("Acme", "Globex", "Initech", None)),
                likes=rng.choice((None, 0, 3, 40, 900)),
                followers=rng.choice((None, 10, 5000)),
                rating=rng.choice((None, 1.0, 3.0, 5.0)),
                author=rng.choice((None, "", *AUTHORS)),
            )
        )
    for m in mentions:
        if m.brand and rng.random() < 0.5:
            m.product = "Widget"
    return mentions


def _recrawl(engine: Engine, rng: random.Random, world: list[M]) -> None:
    """Seen again: engagement moves, some texts change, a few dates are corrected."""
    _, sources = names_to_ids(engine)
    with session_scope(engine) as session:
        for source in ("reviews", "forum", "social"):
            again = [m for m in world if m.source == source and rng.random() < 0.4]
            items = [
                MentionIn(
                    external_id=m.external_id,
                    text=(m.text or f"mention {m.external_id}") + (" edited" * rng.randrange(2)),
                    published_at=(
                        m.published + timedelta(days=rng.choice((0, 0, 1))) if m.published else None
                    ),
                    likes=(m.likes or 0) + rng.randrange(50),
                )
                for m in again
            ]
            upsert_many(session, source_id=sources[source], items=items)


def _relabel(engine: Engine, rng: random.Random, model: str) -> None:
    """A new model version labels everything again (other scores, stages, topics)."""
    with session_scope(engine) as session:
        pending = claim_unclassified(session, model_version=model, limit=10_000)
        save_results(
            session,
            model_version=model,
            results=[_result(rng, p.id) for p in pending if rng.random() < 0.7],
        )


def _result(rng: random.Random, mention_id: int) -> LabelResult:
    """A random result; one in eight in a language the model does not read (no labels), one in
    sixteen with a per-language model's sentiment and no stage or topics."""
    draw = rng.random()
    if draw < 0.125:
        language = rng.choice(("de", "fr"))
        return LabelResult(
            mention_id=mention_id,
            sentiment=None,
            sentiment_score=None,
            stage=None,
            topics=[],
            language=language,
            unlabelled=f"unsupported language: {language}",
        )
    score = round(rng.uniform(-1, 1), 3)
    only_sentiment = draw < 0.1875
    return LabelResult(
        mention_id=mention_id,
        sentiment="positive" if score > 0.2 else "negative" if score < -0.2 else "neutral",
        sentiment_score=score,
        stage=None if only_sentiment else rng.choice(STAGES),
        topics=[] if only_sentiment else rng.sample(TOPICS, rng.choice((0, 1, 2))),
        unlabelled="sentiment only: de" if only_sentiment else None,
    )


def _correct(engine: Engine, rng: random.Random, ids: list[int]) -> None:
    with session_scope(engine) as session:
        for mention_id in rng.sample(ids, 25):
            sentiment = rng.choice(("negative", "neutral", "positive", None))
            stage = rng.choice((*STAGES, None))
            topics = rng.choice((None, [], ["delivery"]))
            if sentiment is None and stage is None and topics is None:
                sentiment = "positive"  # a correction corrects something
            save_correction(
                session, mention_id=mention_id, sentiment=sentiment, stage=stage, topics=topics
            )
        for mention_id in rng.sample(ids, 5):
            clear_correction(session, mention_id=mention_id)


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, random.Random]:
    rng = random.Random(21)
    mentions = _world(rng)
    ids = list(fill(engine, mentions, **WORLD).values())
    rollups.fold_all(engine)  # part folded …
    _recrawl(engine, rng, mentions)
    _relabel(engine, rng, "model-2")
    _correct(engine, rng, ids)
    with engine.connect() as conn:  # … part still in the journal
        assert rollups.pending(conn) > 0
        # Mentions the model left unlabelled (their language) are among those compared.
        unlabelled = conn.execute(
            select(Mention.unlabelled, func.count()).group_by(Mention.unlabelled)
        ).all()
    kinds = {(reason or "").split(":")[0] for reason, _ in unlabelled}
    assert {"", "unsupported language", "sentiment only"} <= kinds
    return engine, rng


def _scopes(
    rng: random.Random, brands: dict[str, int], sources: dict[str, int], product_ids: list[int]
) -> list[Scope]:
    scopes = []
    for _ in range(200):
        start = FIRST + timedelta(days=rng.randrange(-5, DAYS))
        end = start + timedelta(days=rng.randrange(0, 40))
        scopes.append(
            Scope(
                brand_ids=tuple(rng.sample(sorted(brands.values()), rng.choice((0, 0, 1, 2)))),
                product_id=rng.choice((None, None, None, *product_ids)),
                source_ids=tuple(rng.sample(sorted(sources.values()), rng.choice((0, 0, 1, 2)))),
                start=rng.choice((start, start, None)),
                end=rng.choice((end, end, None)),
            )
        )
    return scopes


def _aggregates(scope: Scope, weights: Weights, end: date) -> dict[str, Callable[[Session], Any]]:
    params = loop.LoopParams(lookback_days=30, half_life_days=7)
    span_end = scope.end or end
    span_start = scope.start or span_end - timedelta(days=20)
    return {
        "daily_cube": lambda s: daily_cube(s, scope=scope, weights=weights),
        "kpis": lambda s: analytics.kpis(s, scope=scope, weights=weights),
        "volume_by_day": lambda s: analytics.volume_by_day(s, scope=scope),
        "by_source": lambda s: analytics.by_source(s, scope=scope),
        "by_stage": lambda s: analytics.by_stage(s, scope=scope),
        "by_topic": lambda s: analytics.by_topic(s, scope=scope),
        "stage_topic": lambda s: analytics.stage_topic(s, scope=scope),
        "exposure_index": lambda s: loop.exposure_index(
            s, scope=scope, weights=weights, params=params
        ),
        "contributions by stage": lambda s: loop.loop_contributions(
            s, scope=scope, by="stage", weights=weights, params=params
        ),
        "contributions by topic": lambda s: loop.loop_contributions(
            s, scope=scope, by="topic", weights=weights, params=params
        ),
        "period contributions": lambda s: loop.period_contributions(
            s, scope=scope, start=span_start, end=span_end, weights=weights, params=params
        ),
    }


@contextmanager
def _sessions(engine: Engine) -> Iterator[tuple[Session, Session]]:
    """One session reading the mentions, one reading the rollups."""
    with Session(engine, info={RAW: True}) as raw, Session(engine, info={RAW: False}) as rolled:
        yield raw, rolled


def _same(raw: Any, rolled: Any, what: str) -> None:
    """Equal up to row order and float rounding (the rows are sorted by their key columns)."""
    if not isinstance(raw, pd.DataFrame):
        assert raw == rolled, what
        return
    keys = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    assert not raw.duplicated(keys).any(), f"{what}: key columns {keys} do not identify rows"
    if keys:
        raw = raw.sort_values(keys, ignore_index=True, key=lambda c: c.astype(str))
        rolled = rolled.sort_values(keys, ignore_index=True, key=lambda c: c.astype(str))
    pd.testing.assert_frame_equal(raw, rolled, check_dtype=False, rtol=1e-9, atol=1e-9, obj=what)


def test_rollups_equal_raw_queries_on_200_random_filters(world: tuple[Engine, Any]) -> None:
    engine, rng = world
    brands, sources = names_to_ids(engine)
    with Session(engine) as session:
        products = list(session.exec(select(Product.id)).scalars())
    weights_choices = [Weights(), Weights({sources["reviews"]: 2.0, sources["social"]: 0.5})]
    compared = 0
    for scope in _scopes(rng, brands, sources, products):
        weights = rng.choice(weights_choices)
        for name, query in _aggregates(scope, weights, FIRST + timedelta(days=DAYS)).items():
            with (
                Session(engine, info={RAW: True}) as raw,
                Session(engine, info={RAW: False}) as rolled,
            ):
                _same(query(raw), query(rolled), f"{name} on {scope}")
            compared += 1
    assert compared == 200 * 11


@pytest.mark.parametrize(
    ("period", "until"),
    [("week", date(2026, 2, 20)), ("month", date(2026, 3, 2)), ("quarter", date(2026, 4, 2))],
)
def test_the_headline_is_the_same_from_rollups(
    world: tuple[Engine, Any], period: str, until: date
) -> None:
    engine, _ = world
    brands, sources = names_to_ids(engine)
    weights = Weights({sources["reviews"]: 2.0})
    with _sessions(engine) as (raw, rolled):
        made = [
            headline.headline(
                s,
                brand_ids=(brands["Acme"],),
                competitor_ids=(brands["Globex"], brands["Initech"]),
                period=period,
                until=until,
                weights=weights,
            ).to_dict()
            for s in (raw, rolled)
        ]
    assert made[0] == made[1]
    assert made[0]["metrics"]["mentions"]["value"] > 0


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with Session(engine) as session:
        for table in (MentionDay, MentionDayTopics, AdvocateTotal):
            rows = session.exec(select(table)).scalars().all()
            out[table.__tablename__] = sorted(  # type: ignore[attr-defined]
                tuple(
                    round(v, 6) if isinstance(v, float) else v
                    for v in (getattr(r, c) for c in sorted(r.model_fields))
                )
                for r in rows
            )
    return out


def test_folding_the_journal_gives_what_a_rebuild_gives(world: tuple[Engine, Any]) -> None:
    engine, _ = world
    rollups.fold_all(engine)
    with engine.connect() as conn:
        assert rollups.pending(conn) == 0
    folded = _contents(engine)
    assert folded["mention_day"] and folded["mention_day_topics"] and folded["advocate_total"]
    assert all(row[sorted(MentionDay.model_fields).index("mentions")] > 0
               for row in folded["mention_day"])  # fmt: skip
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _contents(engine) == folded


def _raw_advocates(engine: Engine) -> dict[tuple[str, int, int], tuple[int, float]]:
    """Positive mentions and their visibility per (author, source, brand 0 for none), summed
    from the mentions."""
    brand = func.coalesce(Mention.brand_id, 0)
    stmt = (
        select(Mention.author, Mention.source_id, brand, func.count(), func.sum(Mention.visibility))
        .where(Mention.sentiment == "positive", Mention.author.is_not(None), Mention.author != "")  # type: ignore[union-attr]
        .group_by(Mention.author, Mention.source_id, brand)
    )
    with engine.connect() as conn:
        return {(a, s, b): (n, round(v, 9)) for a, s, b, n, v in conn.execute(stmt)}


def _kept_advocates(engine: Engine) -> dict[tuple[str, int, int], tuple[int, float]]:
    """The same from the totals plus the journal not folded yet."""
    sums: dict[tuple[str, int, int], list[float]] = {}
    with engine.connect() as conn:
        for table in (AdvocateTotal, AdvocateChange):
            for a, s, b, n, v in conn.execute(
                select(
                    table.author, table.source_id, table.brand_id, table.mentions, table.visibility
                )  # fmt: skip
            ):
                total = sums.setdefault((a, s, b), [0, 0.0])
                total[0] += n
                total[1] += v
    return {k: (int(n), round(v, 9)) for k, (n, v) in sums.items() if n}


def test_advocate_totals_equal_the_mentions_folded_or_not(world: tuple[Engine, Any]) -> None:
    """Re-crawls (visibility, dates), relabelling and corrections keep the totals exact."""
    engine, _ = world
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AdvocateChange)) > 0
    raw = _raw_advocates(engine)
    assert len(raw) > 20
    assert _kept_advocates(engine) == raw
    rollups.fold_all(engine)
    assert _kept_advocates(engine) == raw


@pytest.mark.parametrize("folded", [False, True], ids=["journal pending", "folded"])
def test_the_advocates_walk_gives_the_head_of_the_sorted_list(
    world: tuple[Engine, Any], folded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On random filters and weights, the walked top N is the full list's first N (same
    groups, order and sums), and so is the sorted query past the walk cap."""
    engine, rng = world
    if folded:
        rollups.fold_all(engine)
    monkeypatch.setattr(advocacy, "FIRST_CHUNK", 3)  # several chunks per source, early stops
    brands, sources = names_to_ids(engine)
    with Session(engine) as session:
        products = list(session.exec(select(Product.id)).scalars())
    weights_choices = [Weights(), Weights({sources["reviews"]: 2.0, sources["social"]: 0.5})]
    as_of = datetime.combine(FIRST + timedelta(days=DAYS - 10), datetime.min.time(), tzinfo=UTC)
    longer = 0
    for scope in _scopes(rng, brands, sources, products)[:60]:
        weights, limit = rng.choice(weights_choices), rng.choice((1, 5, 20))
        with Session(engine) as session:
            full = exports.advocates(session, scope=scope, as_of=as_of, weights=weights).rows
            top = exports.advocates(
                session, scope=scope, as_of=as_of, weights=weights, limit=limit
            ).rows
            sorted_ = exports.advocates(
                session, scope=scope, as_of=as_of, weights=weights, limit=limit, walk=False
            ).rows
            with monkeypatch.context() as capped:
                capped.setattr(advocacy, "WALK_CAP", 1)
                past_cap = exports.advocates(
                    session, scope=scope, as_of=as_of, weights=weights, limit=limit
                ).rows
        assert top == full[:limit] == sorted_ == past_cap, scope
        longer += len(full) > limit
    assert longer >= 10  # the walks had to stop early


@pytest.mark.postgres
def test_concurrent_workers_and_folders_keep_the_rollups_exact(postgres_url: str) -> None:
    """Two classify workers and a crawl write at once, each folding after every batch, while
    the journal is also folded from a fourth thread: the rollups still equal the mentions."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    rng = random.Random(5)
    world = _world(rng, n=600)
    for m in world:
        m.score = None  # nothing labelled yet: the workers do it
    fill(engine, world, **WORLD)
    _, sources = names_to_ids(engine)
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        local = random.Random(seed)
        try:
            while True:
                with Session(engine) as session:
                    pending = claim_unclassified(session, model_version="m", limit=40)
                    if not pending:
                        return
                    save_results(
                        session, model_version="m", results=[_result(local, p.id) for p in pending]
                    )
                    session.commit()
                with engine.connect() as conn:
                    rollups.fold(conn)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def crawl() -> None:
        try:
            for round_ in range(5):
                with session_scope(engine) as session:
                    upsert_many(
                        session,
                        source_id=sources["forum"],
                        items=[
                            MentionIn(
                                external_id=f"new{round_}-{i}",
                                text="new",
                                published_at=datetime(2026, 1, 3, tzinfo=UTC),
                                likes=i,
                            )
                            for i in range(30)
                        ]
                        + [
                            MentionIn(external_id=m.external_id, text="x", likes=round_ * 7)
                            for m in world
                            if m.source == "forum"
                        ],
                    )
                with engine.connect() as conn:
                    rollups.fold(conn)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in (1, 2)]
    threads.append(threading.Thread(target=crawl))
    threads.append(threading.Thread(target=lambda: [rollups.fold_all(engine) for _ in range(20)]))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    scope = Scope()
    for name, query in _aggregates(scope, Weights(), FIRST + timedelta(days=DAYS)).items():
        with _sessions(engine) as (raw, rolled):
            _same(query(raw), query(rolled), name)
    assert _kept_advocates(engine) == _raw_advocates(engine)
    rollups.fold_all(engine)
    with engine.connect() as conn:
        assert rollups.pending(conn) == 0
    assert _kept_advocates(engine) == _raw_advocates(engine)
    engine.dispose()


@pytest.mark.postgres
def test_two_crawls_writing_the_same_new_mentions_count_them_once(postgres_url: str) -> None:
    """Two crawl processes share a source, and a listing shows the same new mention to both:
    the second writes while the first has not committed. It must see the first's rows as
    known, not insert-then-update them on top of a count the first already journalled."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    fill(engine, [], **WORLD)
    _, sources = names_to_ids(engine)
    items = [
        MentionIn(
            external_id=f"shared-{i}",
            text="seen by both",
            published_at=datetime(2026, 1, 5, tzinfo=UTC),
            likes=i,
        )
        for i in range(20)
    ]
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with session_scope(engine) as session:
                upsert_many(session, source_id=sources["forum"], items=items)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    with Session(engine) as first:
        upsert_many(first, source_id=sources["forum"], items=items)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)  # the second is now waiting on the first
        first.commit()
    thread.join(timeout=60)
    assert not thread.is_alive() and not errors, errors
    rollups.fold_all(engine)
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(Mention))
        rolled = session.scalar(select(func.sum(MentionDay.mentions)))
    assert stored == rolled == len(items)
    engine.dispose()
