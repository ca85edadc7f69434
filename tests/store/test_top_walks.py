"""Top-N lists give the head of the full list: the influential mentions found by walking an
index and stopping early, and the complaints' LIMIT."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store import exports, shelf, walks
from store.complaints import set_status
from store.db import session_scope
from store.scope import Scope, Weights
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


@pytest.mark.parametrize("limit", [1, 20, 200])
def test_complaints_walk_equals_the_sorted_list(complaints_world: Engine, limit: int) -> None:
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
                    top = exports.complaints(session, limit=limit, **kwargs)  # type: ignore[arg-type]
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
