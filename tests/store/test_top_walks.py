"""Top-N lists give the head of the full list: the influential mentions found by walking an
index and stopping early, and the complaints' LIMIT."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import exports, shelf, walks
from store.complaints import set_status
from store.db import session_scope
from store.loop import LoopParams
from store.models import Mention
from store.scope import (
    Scope,
    Weights,
    age_days,
    conditions,
    ensure_sql_math,
    published_between,
    ref_day,
)
from tests.store.helpers import M, fill, names_to_ids

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def complaints_world(engine: Engine) -> Engine:
    rng = random.Random(3)
    mentions = [
        M(
            f"c{i}",
            (date(2026, 1, 1) + timedelta(days=rng.randrange(70))).isoformat(),
            score=round(rng.uniform(-1.0, -0.21), 2),
            source=rng.choice(("reviews", "forum")),
            brand=rng.choice(("Acme", "Globex")),
            likes=rng.choice((None, 0, 1, 5, 30, 200, 5000)),
            followers=rng.choice((None, 10, 100_000)),
        )
        for i in range(600)
    ]
    ids = fill(engine, mentions)
    with session_scope(engine) as session:
        for external_id in rng.sample(sorted(ids), 40):
            set_status(session, mention_id=ids[external_id], status="resolved")
    return engine


def _ids(export: exports.Export) -> list[int]:
    return [row["id"] for row in export.rows]


@pytest.mark.parametrize(
    "walk",
    [None, walks.top_in_one_walk, walks.top_by_source],
    ids=["the database's walk", "one walk", "per source"],
)
@pytest.mark.parametrize("limit", [1, 20, 200])
def test_complaints_walk_equals_the_sorted_list(
    complaints_world: Engine, walk: walks.Walk | None, limit: int
) -> None:
    """Each walk, on both databases, gives the head of the full (sorted) list: same ids, same
    order, ties and statuses included."""
    engine = complaints_world
    brands, sources = names_to_ids(engine)
    longer = False
    for weights in (Weights(), Weights({sources["forum"]: 3.0})):
        for scope in (Scope(), Scope(brand_ids=(brands["Globex"],), start=date(2026, 2, 1))):
            for statuses in ((), ("new", "acknowledged")):
                kwargs = {
                    "scope": scope, "as_of": AS_OF, "half_life_days": 20.0, "weights": weights,
                    "statuses": statuses,
                }  # fmt: skip
                with Session(engine) as session:
                    everything = exports.complaints(session, **kwargs)  # type: ignore[arg-type]
                    top = exports.complaints(session, limit=limit, walk=walk, **kwargs)  # type: ignore[arg-type]
                longer |= len(everything.rows) > limit
                assert _ids(top) == _ids(everything)[:limit]
                assert [r["rank"] for r in top.rows] == list(range(1, len(top.rows) + 1))
    assert longer  # the walk had to stop early at least once


def test_influential_mentions_past_the_walk_cap_are_the_same(
    complaints_world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = complaints_world
    _, sources = names_to_ids(engine)
    weights = Weights({sources["forum"]: 2.5})
    with Session(engine) as session:
        walked = shelf.influential_mentions(
            session, scope=Scope(), on=AS_OF.date(), weights=weights
        )
        monkeypatch.setattr(walks, "WALK_CAP", 10)
        sorted_ = shelf.influential_mentions(
            session, scope=Scope(), on=AS_OF.date(), weights=weights
        )
    assert len(walked) == 20
    assert walked["id"].tolist() == sorted_["id"].tolist()
    assert walked["weight"].is_monotonic_decreasing


def _sorted_influential(
    session: Session, *, scope: Scope, on: date, weights: Weights, params: LoopParams, limit: int
) -> list[int]:
    """The ids of the plain sorted query: every mention of the window weighed, the first few."""
    ensure_sql_math(session)
    published = col(Mention.published_at)
    decay = func.power(0.5, age_days(published, ref_day(on)) / params.half_life_days)
    first = on - timedelta(days=params.lookback_days - 1)
    stmt = (
        select(col(Mention.id))
        .where(*conditions(scope, dates=False), *published_between(first, on, by_day=False))
        .order_by((weights.expr() * decay).desc(), published.desc(), col(Mention.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


@pytest.mark.parametrize(
    "walk",
    [None, walks.top_in_one_walk, walks.top_by_source],
    ids=["the database's walk", "one walk", "per source"],
)
@pytest.mark.parametrize("limit", [1, 20, 200])
def test_every_walk_lists_the_sorted_querys_influential_mentions(
    complaints_world: Engine, walk: walks.Walk | None, limit: int
) -> None:
    """SQLite's walk and PostgreSQL's, each on both databases, give the sorted query's rows."""
    engine = complaints_world
    brands, sources = names_to_ids(engine)
    params = LoopParams(half_life_days=20.0, lookback_days=50)
    scopes = (
        Scope(),
        Scope(brand_ids=(brands["Globex"],)),
        Scope(brand_ids=(brands["Acme"], brands["Globex"]), source_ids=(sources["forum"],)),
    )
    longer = False
    for weights in (Weights(), Weights({sources["forum"]: 3.0})):
        for scope in scopes:
            kwargs = {"scope": scope, "on": AS_OF.date(), "weights": weights, "params": params}
            with Session(engine) as session:
                everything = _sorted_influential(session, limit=1_000, **kwargs)  # type: ignore[arg-type]
                found = shelf.influential_mentions(session, limit=limit, walk=walk, **kwargs)  # type: ignore[arg-type]
            longer |= len(everything) > limit
            assert found["id"].tolist() == everything[:limit]
    assert longer  # the walks had to stop early at least once
