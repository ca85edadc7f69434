"""The loop metrics (SPEC §6) against hand-computed values, on SQLite and PostgreSQL.

The hand case (H = 10 days, look-back 11 days, forum weighted 3):
  a  2026-01-01  reviews  s=+1  v=1   smot  [size_fit, delivery]
  b  2026-01-01  forum    s=-1  v=3   amot  []
  c  2026-01-11  reviews  s=+1  v=1   umot  [recommendation]
On 01-01: (1 − 3) / 4 = −0.5 → −50. On 01-06 both halved by 0.5^0.5: still −50.
On 01-11: a, b decayed 0.5 → w = 0.5, 1.5; c w = 1: (0.5 − 1.5 + 1) / 3 = 0 → 0.
With a 10-day look-back a and b (age 10) are out: only c → 100.
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from store.db import session_scope
from store.loop import LoopParams, exposure_index, loop_contributions, period_contributions
from store.scope import Scope, Weights
from store.shelf import influential_mentions, shelf_summary, zmot_shelf
from tests.store.helpers import M, fill, names_to_ids

PARAMS = LoopParams(half_life_days=10, lookback_days=11, shelf_size=1)
RANGE = Scope(start=date(2026, 1, 1), end=date(2026, 1, 11))


@pytest.fixture
def hand(engine: Engine) -> tuple[Engine, Weights, dict[str, int]]:
    fill(
        engine,
        [
            M("a", "2026-01-01", 1.0, "smot", ["size_fit", "delivery"], author="alice"),
            M("b", "2026-01-01T23:00", -1.0, "amot", [], source="forum", author="bob"),
            M("c", "2026-01-11T08:00", 1.0, "umot", ["recommendation"], author="alice"),
            M("u", "2026-01-05", None),  # unclassified: in no loop metric
        ],
    )
    brands, sources = names_to_ids(engine)
    return engine, Weights({sources["forum"]: 3.0}), brands


def _index(engine: Engine, weights: Weights, params: LoopParams = PARAMS, scope: Scope = RANGE):
    with session_scope(engine) as session:
        frame = exposure_index(session, scope=scope, weights=weights, params=params)
    return {row.day.date(): row.index for row in frame.itertuples()}, frame


def test_exposure_index_by_hand(hand) -> None:
    engine, weights, _ = hand
    index, frame = _index(engine, weights)
    assert len(index) == 11
    assert index[date(2026, 1, 1)] == pytest.approx(-50.0)
    assert index[date(2026, 1, 6)] == pytest.approx(-50.0)
    assert index[date(2026, 1, 11)] == pytest.approx(0.0, abs=1e-9)
    last = frame.iloc[-1]
    assert last["reading_weight"] == pytest.approx(3.0)
    assert last["mentions_in_window"] == 3


def test_lookback_drops_old_mentions(hand) -> None:
    engine, weights, _ = hand
    index, _ = _index(engine, weights, LoopParams(half_life_days=10, lookback_days=10))
    assert index[date(2026, 1, 10)] == pytest.approx(-50.0)
    assert index[date(2026, 1, 11)] == pytest.approx(100.0)


def test_without_source_weights_every_mention_counts_once(hand) -> None:
    engine, _, _ = hand
    index, _ = _index(engine, Weights())
    assert index[date(2026, 1, 1)] == pytest.approx(0.0, abs=1e-9)  # (1 − 1) / 2
    # 01-11: (0.5 − 0.5 + 1) / 2 = 0.5
    assert index[date(2026, 1, 11)] == pytest.approx(50.0)


def test_stage_contributions_by_hand(hand) -> None:
    engine, weights, _ = hand
    with session_scope(engine) as session:
        frame = loop_contributions(session, scope=RANGE, weights=weights, params=PARAMS)
    got = {(r.week.date(), r.key): r.contribution for r in frame.itertuples()}
    # Week 1 (Thu 01-01 … Sun 01-04): nothing older, so s_old = 0: a adds +25, b −75.
    assert got[(date(2026, 1, 1), "smot")] == pytest.approx(25.0)
    assert got[(date(2026, 1, 1), "amot")] == pytest.approx(-75.0)
    # Week 2 (01-05 … 01-11), measured on 01-11: D = 3, N = 0; c: N_W = D_W = 1;
    # s_old = (0 − 1) / (3 − 1) = −0.5; contribution = 100 · (1 − 1 · −0.5) / 3 = 50.
    assert got[(date(2026, 1, 5), "umot")] == pytest.approx(50.0)
    week2 = frame[frame["week"] == "2026-01-05"].iloc[0]
    assert week2["index"] == pytest.approx(0.0, abs=1e-9)
    assert week2["index_without_week"] == pytest.approx(-50.0)
    assert week2["new_weight_share"] == pytest.approx(1 / 3)
    # Each week's contributions add up to its move of the index.
    for _, week in frame.groupby("week"):
        move = week["index"].iloc[0] - week["index_without_week"].iloc[0]
        assert week["contribution"].sum() == pytest.approx(move)


def test_topic_contributions_split_a_mention_over_its_topics(hand) -> None:
    engine, weights, _ = hand
    with session_scope(engine) as session:
        frame = loop_contributions(session, scope=RANGE, by="topic", weights=weights, params=PARAMS)
    got = {(r.week.date(), r.key): r.contribution for r in frame.itertuples()}
    assert got[(date(2026, 1, 1), "size_fit")] == pytest.approx(12.5)
    assert got[(date(2026, 1, 1), "delivery")] == pytest.approx(12.5)
    assert got[(date(2026, 1, 1), "(no topic)")] == pytest.approx(-75.0)
    assert got[(date(2026, 1, 5), "recommendation")] == pytest.approx(50.0)


def test_period_contributions_by_stage_and_topic_cell(hand) -> None:
    engine, weights, _ = hand
    with session_scope(engine) as session:
        first = period_contributions(
            session, scope=Scope(), start=date(2026, 1, 1), end=date(2026, 1, 4),
            weights=weights, params=PARAMS,
        )  # fmt: skip
        second = period_contributions(
            session, scope=Scope(), start=date(2026, 1, 5), end=date(2026, 1, 11),
            weights=weights, params=PARAMS,
        )  # fmt: skip
    # The weeks of test_stage_contributions_by_hand, split by (stage, topic): a's +25 half
    # under each of its two topics, b's −75 under (no topic).
    got = {(r.stage, r.topic): r.contribution for r in first.itertuples()}
    assert got == pytest.approx(
        {("smot", "size_fit"): 12.5, ("smot", "delivery"): 12.5, ("amot", "(no topic)"): -75.0}
    )
    assert list(first["new_mentions"]) == [1, 1, 1]
    [cell] = second.itertuples()
    assert (cell.stage, cell.topic) == ("umot", "recommendation")
    assert cell.contribution == pytest.approx(50.0)
    assert cell.index_without_period == pytest.approx(-50.0)


def test_shelf_keeps_the_most_visible_per_source(hand) -> None:
    engine, weights, _ = hand
    with session_scope(engine) as session:
        shelf = zmot_shelf(
            session, scope=RANGE, on=date(2026, 1, 11), weights=weights, params=PARAMS
        )
        wider = zmot_shelf(
            session,
            scope=RANGE,
            on=date(2026, 1, 11),
            weights=weights,
            params=LoopParams(half_life_days=10, lookback_days=11, shelf_size=5),
        )
    top = {r.source: r for r in shelf.itertuples()}
    assert set(top) == {"reviews", "forum"}
    assert top["reviews"].text == "mention c"  # v ties at 1: the newer first
    assert top["forum"].visibility == pytest.approx(3.0)
    assert top["forum"].weight == pytest.approx(1.5)
    assert list(wider[wider["source"] == "reviews"]["text"]) == [
        "mention c",
        "mention u",  # unclassified mentions are on the shelf too
        "mention a",
    ]
    summary = shelf_summary(wider).set_index("source")
    assert summary.loc["forum", "shelf_sentiment"] == pytest.approx(-100.0)
    assert summary.loc["reviews", "mentions"] == 3  # a, c and the unclassified one


def test_influential_mentions_rank_by_decayed_weight(hand) -> None:
    engine, weights, _ = hand
    with session_scope(engine) as session:
        top = influential_mentions(
            session, scope=RANGE, on=date(2026, 1, 11), weights=weights, params=PARAMS, limit=4
        )
    assert list(top["text"]) == ["mention b", "mention c", "mention u", "mention a"]
    assert list(top["weight"]) == pytest.approx([1.5, 1.0, 0.5**0.6, 0.5])


def test_influential_mentions_page_through_chunks_and_ties(engine: Engine) -> None:
    """More mentions than one chunk (500 rows for a top 50): 480 with likes (visibility > 1),
    then 420 tied at visibility 1, half of them on a forum weighing 10, about 15 a day. The
    heaviest are forum mentions inside the tie, past the first chunk's end: the early stop must
    not end the walk there. The top 50 must equal the first 50 of all 900 weighed at once (a
    limit above the count: one chunk)."""
    fill(
        engine,
        [
            M(f"m{i}", f"2026-01-{1 + i % 28:02d}", 0.5, likes=1 + i % 6 if i < 480 else 0,
              followers=0, source="forum" if i >= 480 and i % 2 == 0 else "reviews")
            for i in range(900)
        ],
    )  # fmt: skip
    _, sources = names_to_ids(engine)
    weights = Weights({sources["forum"]: 10.0})
    params = LoopParams(half_life_days=5, lookback_days=28)
    on = date(2026, 1, 28)
    with session_scope(engine) as session:
        top = influential_mentions(
            session, scope=Scope(), on=on, weights=weights, params=params, limit=50
        )
        every = influential_mentions(
            session, scope=Scope(), on=on, weights=weights, params=params, limit=1000
        )
    assert len(every) == 900
    assert list(top["id"]) == list(every["id"][:50])
    assert list(top["weight"]) == pytest.approx(list(every["weight"][:50]))


def test_single_mention_sets_the_index(engine: Engine) -> None:
    fill(engine, [M("only", "2026-02-10", -0.4, "fmot", ["website_app"])])
    scope = Scope(start=date(2026, 2, 9), end=date(2026, 2, 12))
    index, _ = _index(engine, Weights(), LoopParams(), scope)
    assert math.isnan(index[date(2026, 2, 9)])
    assert index[date(2026, 2, 10)] == pytest.approx(-40.0)
    assert index[date(2026, 2, 12)] == pytest.approx(-40.0)
    with session_scope(engine) as session:
        frame = loop_contributions(session, scope=scope)
    assert list(frame["key"]) == ["fmot"]
    assert frame["contribution"].iloc[0] == pytest.approx(-40.0)


def test_engagement_raises_visibility(engine: Engine) -> None:
    fill(
        engine,
        [
            M("quiet", "2026-03-01", -1.0),
            M("loud", "2026-03-01", 1.0, likes=9, followers=0),  # v = 1 + ln 10
        ],
    )
    index, _ = _index(
        engine, Weights(), LoopParams(), Scope(start=date(2026, 3, 1), end=date(2026, 3, 1))
    )
    v = 1 + math.log(10)
    assert index[date(2026, 3, 1)] == pytest.approx(100 * (v - 1) / (v + 1))


def test_brand_with_no_mentions(hand) -> None:
    engine, weights, brands = hand
    scope = Scope(brand_ids=(brands["Globex"],), start=date(2026, 1, 1), end=date(2026, 1, 3))
    with session_scope(engine) as session:
        index = exposure_index(session, scope=scope, weights=weights, params=PARAMS)
        contrib = loop_contributions(session, scope=scope, weights=weights, params=PARAMS)
        shelf = zmot_shelf(session, scope=scope, on=date(2026, 1, 3), weights=weights)
    assert list(index["series"].unique()) == ["Globex"]
    assert index["index"].isna().all()
    assert contrib.empty
    assert shelf.empty


def test_brands_side_by_side(hand) -> None:
    engine, weights, brands = hand
    fill(engine, [M("g1", "2026-01-02", 0.5, brand="Globex")])
    scope = Scope(brand_ids=(brands["Acme"], brands["Globex"]), start=RANGE.start, end=RANGE.end)
    with session_scope(engine) as session:
        frame = exposure_index(session, scope=scope, weights=weights, params=PARAMS)
    last = frame.groupby("series")["index"].last()
    assert last["Acme"] == pytest.approx(0.0, abs=1e-9)
    assert last["Globex"] == pytest.approx(50.0)


def test_empty_database(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert exposure_index(session, scope=Scope()).empty
        assert loop_contributions(session, scope=Scope()).empty
        assert zmot_shelf(session, scope=Scope(), on=date(2026, 1, 1)).empty
        assert influential_mentions(session, scope=Scope(), on=date(2026, 1, 1)).empty


def test_shelf_and_influential_rows_carry_both_confidences(engine: Engine) -> None:
    fill(
        engine,
        [
            M("sure", "2026-01-10", 0.9, "umot", confidence=0.97, stage_confidence=0.88),
            M("unsure", "2026-01-09", -0.4, "amot", confidence=0.51, stage_confidence=0.42),
            M("unscored", "2026-01-08", None),
        ],
    )
    on = date(2026, 1, 11)
    params = LoopParams(half_life_days=10, lookback_days=11, shelf_size=5)
    with session_scope(engine) as session:
        shelf = zmot_shelf(session, scope=RANGE, on=on, params=params)
        top = influential_mentions(session, scope=RANGE, on=on, params=params)
    for frame in (shelf, top):
        rows = frame.set_index("text")
        assert rows.loc["mention sure", ["confidence", "stage_confidence"]].tolist() == [
            pytest.approx(0.97),
            pytest.approx(0.88),
        ]
        assert rows.loc["mention unsure", "stage_confidence"] == pytest.approx(0.42)
        assert rows.loc["mention unscored", ["confidence", "stage_confidence"]].isna().all()
    assert list(top["text"]) == ["mention sure", "mention unsure", "mention unscored"]
