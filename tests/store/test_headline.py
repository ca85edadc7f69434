"""The headline (store.headline) against hand-computed figures, on SQLite and PostgreSQL.

The hand case: H = 7 days (a week halves a weight), look-back 28 days, the forum weighted 2,
every v(m) = 1. Week 12–18 Jan 2026 against 5–11 Jan; Acme against Globex.

Acme, measured on Sun 18 Jan (ages 0, 7, 14 → decay 1, ½, ¼):
  before the week   p1 04 Jan +1 smot                     w ¼     → D_old = 1.25, N_old = 0.25
                    q1 11 Jan +0.5 umot   q2 11 Jan −0.5 amot  w ½ each   s_old = 0.2
  the week (18 Jan) d1–d4 −1 amot [delivery]          D 4  N −4
                    d5 −1 amot [delivery], forum      D 2  N −2
                    x1 +1 amot [delivery, customer_service], forum: D 2, N 2, half under each
                    g1–g5 +1 smot [product_quality]   D 5  N 5
                    z1–z5 0 zmot []                   D 5  N 0
                    f1–f4 −1 fmot [website_app]       D 4  N −4
                    u1 15 Jan, unclassified
  D = 23.25, N = −2.75 → index −11.8 (on 11 Jan: p1 ½·1 + q1 + q2 = 0.5 / 2.5 → 20.0).
  Cells: 100·(N_c − 0.2·D_c) / 23.25 → amot·delivery (D 7, N −5, 6 mentions) −27.5;
  smot·product_quality +17.2; zmot·(no topic) −4.3; fmot·website_app −20.6 but 4 mentions and
  amot·customer_service +3.4 with 1 mention never rank.
Globex: k1, k2 +1 and k3 −1 on 18 Jan, k4 −1 on 11 Jan → index 0.5 / 3.5 = 14.3 (−100.0 before).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from store import walks
from store.db import session_scope
from store.headline import (
    Span,
    describe_period,
    headline,
    last_full_period,
    previous_period,
)
from store.loop import LoopParams, exposure_index, period_contributions
from store.scope import Scope, Weights
from tests.store.helpers import M, fill, names_to_ids

PARAMS = LoopParams(half_life_days=7, lookback_days=28)
UNTIL = date(2026, 1, 18)


def _acme() -> list[M]:
    week = "2026-01-18"
    mentions = [
        M("p1", "2026-01-04", 1.0, "smot", ["product_quality"]),
        M("q1", "2026-01-11", 0.5, "umot", ["recommendation"], rating=4),
        M("q2", "2026-01-11", -0.5, "amot", ["delivery"], rating=1),
        M("u1", "2026-01-15", None),
        M("d5", f"{week}T00:00", -1.0, "amot", ["delivery"], source="forum", rating=1,
          text='<script>alert("x")</script> Tom & Jerry\'s <b>box</b>',
          url='https://shop.example/r?id=5&x="y"'),
        M("x1", f"{week}T23:00", 1.0, "amot", ["delivery", "customer_service"], source="forum",
          url="https://example.test/positive-but-not-the-quote"),
    ]  # fmt: skip
    mentions += [M(f"d{i}", week, -1.0, "amot", ["delivery"], rating=1) for i in range(1, 5)]
    mentions += [M(f"g{i}", week, 1.0, "smot", ["product_quality"], rating=5) for i in range(1, 5)]
    mentions.append(
        M("g5", f"{week}T12:00", 1.0, "smot", ["product_quality"], rating=5,
          url="javascript:alert(1)")
    )  # fmt: skip
    mentions += [M(f"z{i}", week, 0.0, "zmot", []) for i in (1, 2, 4, 5)]
    mentions.append(M("z3", f"{week}T20:00", 0.0, "zmot", []))
    mentions += [M(f"f{i}", week, -1.0, "fmot", ["website_app"]) for i in range(1, 5)]
    return mentions


def _globex() -> list[M]:
    return [
        M("k1", "2026-01-18", 1.0, brand="Globex"),
        M("k2", "2026-01-18", 1.0, brand="Globex"),
        M("k3", "2026-01-18", -1.0, brand="Globex"),
        M("k4", "2026-01-11", -1.0, brand="Globex"),
    ]


@pytest.fixture
def hand(engine: Engine) -> tuple[Engine, Weights, dict[str, int]]:
    fill(engine, [*_acme(), *_globex()])
    brands, sources = names_to_ids(engine)
    return engine, Weights({sources["forum"]: 2.0}), brands


def _headline(hand, **kwargs):  # type: ignore[no-untyped-def]
    engine, weights, brands = hand
    options = {
        "brand_ids": [brands["Acme"]],
        "competitor_ids": [brands["Globex"]],
        "period": "week",
        "until": UNTIL,
        "weights": weights,
        "params": PARAMS,
        **kwargs,
    }
    with session_scope(engine) as session:
        return headline(session, **options)


def _values(metrics: dict) -> dict[str, tuple]:  # type: ignore[type-arg]
    return {name: (m.value, m.previous, m.change) for name, m in metrics.items()}


def test_the_brands_figures_by_hand(hand) -> None:
    result = _headline(hand)
    assert result.brand == "Acme"
    assert result.period == Span(date(2026, 1, 12), date(2026, 1, 18))
    assert result.previous == Span(date(2026, 1, 5), date(2026, 1, 11))
    assert _values(result.metrics) == {
        "mentions": (21, 2, 19),
        "net_sentiment": (-15.0, 0.0, -15.0),  # (6 positive − 9 negative) / 20 classified
        "exposure_index": (-11.8, 20.0, -31.8),
        "average_rating": (3.0, 2.5, 0.5),  # 5 × 1 and 5 × 5 stars; 4 and 1 before
        "share_of_voice": (87.5, 66.7, 20.8),  # 21 of 24; 2 of 3
        "weighted_share_of_voice": (88.5, 66.7, 21.8),  # visibility 23 of 26 (u1 counts)
    }
    assert result.metrics["net_sentiment"].n == 20
    assert result.metrics["average_rating"].previous_n == 2


def test_each_competitors_figures_by_hand(hand) -> None:
    [globex] = _headline(hand).competitors
    assert globex.brand == "Globex"
    assert _values(globex.metrics) == {
        "mentions": (3, 1, 2),
        "net_sentiment": (33.3, -100.0, 133.3),
        "exposure_index": (14.3, -100.0, 114.3),
        "average_rating": (None, None, None),
        "share_of_voice": (12.5, 33.3, -20.8),
        "weighted_share_of_voice": (11.5, 33.3, -21.8),
    }


def test_drivers_rank_by_contribution_and_skip_cells_under_five_mentions(hand) -> None:
    drivers = _headline(hand).drivers
    assert [(d.stage, d.topic, d.direction, d.points, d.mentions) for d in drivers] == [
        ("amot", "delivery", "down", -27.5, 6),
        ("smot", "product_quality", "up", 17.2, 5),
        ("zmot", None, "down", -4.3, 5),
    ]  # fmot·website_app (−20.6) has 4 mentions, amot·customer_service 1: never ranked
    assert drivers[0].sentence == (
        "Delivery & service (AMOT) · Delivery pulled the exposure index down 27.5 points this "
        "week (6 mentions)."
    )
    assert drivers[1].sentence.startswith("Use (SMOT) · Product quality pushed the exposure "
                                          "index up 17.2 points")  # fmt: skip
    assert drivers[2].sentence.startswith("Research (ZMOT) · no particular topic pulled")


def test_a_drivers_quote_is_its_most_visible_mention_pulling_its_way(hand) -> None:
    drivers = _headline(hand).drivers
    # x1 is as visible (forum) and newer, but it pulls up: the down driver quotes d5.
    assert (
        drivers[0].quote is not None and drivers[0].quote.url == 'https://shop.example/r?id=5&x="y"'
    )
    assert drivers[0].quote.text.startswith("<script>")  # kept as written; renderers escape
    assert drivers[1].quote is not None and drivers[1].quote.text == "mention g5"  # newest tie
    assert drivers[2].quote is not None and drivers[2].quote.text == "mention z3"


def test_quotes_past_the_walk_cap_are_the_same(hand, monkeypatch: pytest.MonkeyPatch) -> None:
    walked = [d.quote for d in _headline(hand).drivers]
    monkeypatch.setattr(walks, "WALK_CAP", 1)  # every walk gives up: one query per brand, source
    asked = [d.quote for d in _headline(hand).drivers]
    assert walked == asked and all(q is not None for q in walked)


def test_the_min_mentions_rule_is_a_parameter(hand) -> None:
    drivers = _headline(hand, min_mentions=1, top=5).drivers
    assert [(d.stage, d.topic, d.points) for d in drivers] == [
        ("amot", "delivery", -27.5),
        ("fmot", "website_app", -20.6),
        ("smot", "product_quality", 17.2),
        ("zmot", None, -4.3),
        ("amot", "customer_service", 3.4),
    ]


def test_the_index_is_the_loop_pages_index(hand) -> None:
    engine, weights, brands = hand
    result = _headline(hand)
    with session_scope(engine) as session:
        frame = exposure_index(
            session,
            scope=Scope(brand_ids=(brands["Acme"],), start=date(2026, 1, 11), end=UNTIL),
            weights=weights,
            params=PARAMS,
        )
    by_day = dict(zip(frame["day"].dt.date, frame["index"], strict=True))
    assert result.metrics["exposure_index"].value == round(by_day[UNTIL], 1)
    assert result.metrics["exposure_index"].previous == round(by_day[date(2026, 1, 11)], 1)


def test_period_contributions_add_up_to_the_periods_move(hand) -> None:
    engine, weights, brands = hand
    with session_scope(engine) as session:  # queried here, not handed in by the headline
        cells = period_contributions(
            session, scope=Scope(brand_ids=(brands["Acme"],)), start=date(2026, 1, 12),
            end=UNTIL, weights=weights, params=PARAMS,
        )  # fmt: skip
    assert cells["index_without_period"].iloc[0] == pytest.approx(20.0)
    assert cells["index"].iloc[0] == pytest.approx(-2.75 / 23.25 * 100)
    assert cells["contribution"].sum() == pytest.approx(-2.75 / 23.25 * 100 - 20.0)
    got = {(r.stage, r.topic): r.contribution for r in cells.itertuples()}
    assert got[("amot", "delivery")] == pytest.approx(100 * (-5 - 0.2 * 7) / 23.25)
    assert got[("amot", "customer_service")] == pytest.approx(100 * (1 - 0.2) / 23.25)
    assert got[("zmot", "(no topic)")] == pytest.approx(100 * (0 - 0.2 * 5) / 23.25)


def test_several_own_brands_are_summed(hand) -> None:
    _, _, brands = hand
    result = _headline(hand, brand_ids=[brands["Acme"], brands["Globex"]], competitor_ids=[])
    assert result.brand == "Acme + Globex"
    assert result.competitors == []
    assert _values(result.metrics)["mentions"] == (24, 3, 21)
    assert _values(result.metrics)["share_of_voice"] == (100.0, 100.0, 0.0)
    # D = 23.25 + 3.5, N = −2.75 + 0.5
    assert result.metrics["exposure_index"].value == round(100 * -2.25 / 26.75, 1)


def test_a_quiet_brand_has_no_figures_and_no_drivers(hand) -> None:
    result = _headline(hand, until=date(2025, 6, 30))
    assert _values(result.metrics)["mentions"] == (0, 0, 0)
    assert _values(result.metrics)["net_sentiment"] == (None, None, None)
    assert _values(result.metrics)["exposure_index"] == (None, None, None)
    assert _values(result.metrics)["share_of_voice"] == (None, None, None)
    assert result.drivers == []


def test_the_json_has_the_issues_shape(hand) -> None:
    data = json.loads(_headline(hand).to_json())
    assert list(data) == ["brand", "period", "previous", "metrics", "competitors", "drivers"]
    assert data["period"] == {"start": "2026-01-12", "end": "2026-01-18"}
    assert data["previous"] == {"start": "2026-01-05", "end": "2026-01-11"}
    assert list(data["metrics"]) == [
        "mentions", "net_sentiment", "exposure_index", "average_rating", "share_of_voice",
        "weighted_share_of_voice",
    ]  # fmt: skip
    for metrics in [data["metrics"], *(c["metrics"] for c in data["competitors"])]:
        assert all(set(m) == {"value", "previous", "change"} for m in metrics.values())
    assert [set(c) for c in data["competitors"]] == [{"brand", "metrics"}]
    assert data["metrics"]["exposure_index"] == {"value": -11.8, "previous": 20.0, "change": -31.8}
    first = data["drivers"][0]
    assert set(first) == {"stage", "topic", "direction", "points", "mentions", "sentence", "quote"}
    assert set(first["quote"]) == {"text", "url"}
    assert [d["points"] for d in data["drivers"]] == [-27.5, 17.2, -4.3]
    assert data["drivers"][2]["topic"] is None


# Period arithmetic: the last FULL period ending on or before the day.
@pytest.mark.parametrize(
    ("kind", "until", "start", "end"),
    [
        ("week", "2026-04-19", "2026-04-13", "2026-04-19"),  # a Sunday ends its own week
        ("week", "2026-04-20", "2026-04-13", "2026-04-19"),  # Monday: the week before
        ("week", "2026-04-18", "2026-04-06", "2026-04-12"),  # Saturday: not full yet
        ("week", "2026-01-01", "2025-12-22", "2025-12-28"),  # across the new year
        ("month", "2026-04-30", "2026-04-01", "2026-04-30"),
        ("month", "2026-04-29", "2026-03-01", "2026-03-31"),
        ("month", "2026-03-01", "2026-02-01", "2026-02-28"),
        ("month", "2028-03-15", "2028-02-01", "2028-02-29"),  # leap year
        ("month", "2026-01-15", "2025-12-01", "2025-12-31"),
        ("month", "2026-12-31", "2026-12-01", "2026-12-31"),
        ("quarter", "2026-06-30", "2026-04-01", "2026-06-30"),
        ("quarter", "2026-06-29", "2026-01-01", "2026-03-31"),
        ("quarter", "2026-01-01", "2025-10-01", "2025-12-31"),
        ("quarter", "2026-12-31", "2026-10-01", "2026-12-31"),
    ],
)
def test_last_full_period(kind: str, until: str, start: str, end: str) -> None:
    span = last_full_period(kind, date.fromisoformat(until))
    assert span == Span(date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize(
    ("kind", "start", "end", "previous"),
    [
        ("week", "2026-01-05", "2026-01-11", ("2025-12-29", "2026-01-04")),
        ("month", "2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28")),
        ("month", "2026-01-01", "2026-01-31", ("2025-12-01", "2025-12-31")),
        ("quarter", "2026-01-01", "2026-03-31", ("2025-10-01", "2025-12-31")),
        ("quarter", "2026-07-01", "2026-09-30", ("2026-04-01", "2026-06-30")),
    ],
)
def test_previous_period(kind: str, start: str, end: str, previous: tuple[str, str]) -> None:
    span = Span(date.fromisoformat(start), date.fromisoformat(end))
    assert previous_period(kind, span) == Span(*(date.fromisoformat(d) for d in previous))


def test_periods_in_words_and_bad_kinds() -> None:
    assert describe_period("week", Span(date(2026, 4, 13), date(2026, 4, 19))) == (
        "week of 13 Apr 2026 – 19 Apr 2026"
    )
    assert describe_period("month", Span(date(2026, 4, 1), date(2026, 4, 30))) == "April 2026"
    assert describe_period("quarter", Span(date(2026, 7, 1), date(2026, 9, 30))) == "Q3 2026"
    with pytest.raises(ValueError, match="week"):
        last_full_period("year", date(2026, 1, 1))


def test_a_mention_in_two_driving_cells_is_quoted_once(engine: Engine) -> None:
    week = "2026-01-18"
    fill(
        engine,
        [
            M("old", "2026-01-04", -1.0, "amot", ["delivery"]),
            M("both", f"{week}T10:00", 1.0, "smot", ["product_quality", "size_fit"],
              source="forum"),
            *(M(f"q{i}", f"{week}T0{i}:00", 1.0, "smot", ["product_quality"]) for i in range(5)),
            *(M(f"s{i}", f"{week}T0{i}:00", 1.0, "smot", ["size_fit"]) for i in range(5)),
        ],
    )  # fmt: skip
    brands, sources = names_to_ids(engine)
    with session_scope(engine) as session:
        drivers = headline(
            session, brand_ids=[brands["Acme"]], period="week", until=UNTIL,
            weights=Weights({sources["forum"]: 2.0}), params=PARAMS,
        ).drivers  # fmt: skip
    assert [(d.topic, d.direction) for d in drivers] == [
        ("product_quality", "up"),
        ("size_fit", "up"),
    ]
    assert drivers[0].quote is not None and drivers[0].quote.text == "mention both"
    assert drivers[1].quote is not None and drivers[1].quote.text == "mention s4"  # next best


def test_latest_day_is_the_brands_last_mention_whatever_the_period(hand) -> None:
    """On both databases: the UTC day of the latest dated mention, outside the period too."""
    assert _headline(hand).latest_day == date(2026, 1, 18)
    assert _headline(hand, until=date(2025, 6, 1)).latest_day == date(2026, 1, 18)
    assert _headline(hand, brand_ids=[hand[2]["Globex"]]).latest_day == date(2026, 1, 18)
