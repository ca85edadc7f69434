"""Overview/Journey aggregates and spike detection, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from store import analytics
from store.db import session_scope
from store.scope import Scope, Weights
from store.spikes import detect_spikes
from tests.store.helpers import M, fill, names_to_ids


@pytest.fixture
def small(engine: Engine) -> tuple[Engine, dict[str, int], dict[str, int]]:
    fill(
        engine,
        [
            M("a", "2026-01-01", 0.9, "smot", ["size_fit", "product_quality"], author="ann"),
            M("b", "2026-01-01", -0.8, "amot", ["delivery"], source="forum", likes=4),
            M("c", "2026-01-02", -0.6, "amot", ["delivery"], text="box crushed"),
            M("d", "2026-01-03", 0.0, "zmot", []),
            M("e", "2026-01-03", 0.7, "smot", ["size_fit"], brand="Globex"),
            M("u", "2026-01-04", None),
        ],
    )
    brands, sources = names_to_ids(engine)
    return engine, brands, sources


def test_kpis_all_and_side_by_side(small) -> None:
    engine, brands, sources = small
    with session_scope(engine) as session:
        everything = analytics.kpis(session, scope=Scope(), weights=Weights({sources["forum"]: 2}))
        compare = analytics.kpis(session, scope=Scope(brand_ids=(brands["Acme"], brands["Globex"])))
    row = everything.iloc[0]
    assert row["series"] == "All brands"
    assert (row["mentions"], row["classified"]) == (6, 5)
    assert (row["positive"], row["neutral"], row["negative"]) == (2, 1, 2)
    assert row["net_sentiment"] == pytest.approx(0.0)
    assert row["avg_score"] == pytest.approx((0.9 - 0.8 - 0.6 + 0.0 + 0.7) / 5)
    import math

    b_visibility = 2 * (1 + math.log(5))
    assert row["visibility"] == pytest.approx(5 + b_visibility)
    by_brand = compare.set_index("series")
    assert by_brand.loc["Acme", "mentions"] == 5
    assert by_brand.loc["Globex", "net_sentiment"] == pytest.approx(100.0)


def test_brand_without_mentions_gets_zero_row(small) -> None:
    engine, _, _ = small
    fill(engine, [], brands=("Acme", "Globex", "Initech"))
    brands, _ = names_to_ids(engine)
    with session_scope(engine) as session:
        frame = analytics.kpis(session, scope=Scope(brand_ids=(brands["Initech"],)))
    assert list(frame["series"]) == ["Initech"]
    assert frame["mentions"].iloc[0] == 0


def test_volume_by_day_and_date_range(small) -> None:
    engine, _, _ = small
    scope = Scope(start=date(2026, 1, 1), end=date(2026, 1, 2))
    with session_scope(engine) as session:
        frame = analytics.volume_by_day(session, scope=scope)
    assert frame["mentions"].sum() == 3
    per_day = frame.groupby(frame["day"].dt.date)["mentions"].sum().to_dict()
    assert per_day == {date(2026, 1, 1): 2, date(2026, 1, 2): 1}


def test_stages_topics_and_cells(small) -> None:
    engine, _, _ = small
    with session_scope(engine) as session:
        stages = analytics.by_stage(session, scope=Scope()).set_index("stage")
        topics = analytics.by_topic(session, scope=Scope()).set_index("topic")
        cells = analytics.stage_topic(session, scope=Scope()).set_index(["stage", "topic"])
        sources = analytics.by_source(session, scope=Scope()).set_index("source")
        quotes = analytics.sample_quotes(session, scope=Scope(), stage="amot", topic="delivery")
        bare = analytics.sample_quotes(session, scope=Scope(), stage="zmot", topic="(no topic)")
    assert list(stages.index) == ["zmot", "amot", "smot"]  # journey order
    assert stages.loc["amot", "net_sentiment"] == pytest.approx(-100.0)
    assert stages.loc["smot", "mentions"] == 2
    assert topics.loc["size_fit", "mentions"] == 2
    assert topics.loc["delivery", "negative"] == 2
    assert cells.loc[("zmot", "(no topic)"), "mentions"] == 1
    assert cells.loc[("smot", "product_quality"), "mentions"] == 1
    assert sources.loc["forum", "mentions"] == 1
    assert list(quotes["text"]) == ["mention b", "box crushed"]  # most visible first
    assert list(bare["text"]) == ["mention d"]


def test_empty_database_aggregates(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert analytics.kpis(session, scope=Scope()).empty
        assert analytics.volume_by_day(session, scope=Scope()).empty
        assert analytics.by_stage(session, scope=Scope()).empty
        assert analytics.stage_topic(session, scope=Scope()).empty


def test_a_selection_without_stages_has_an_empty_stage_topic_grid(engine: Engine) -> None:
    """Only mentions the model gave no stage (unsupported language, sentiment only): the grid is
    empty, with its columns, instead of failing."""
    fill(
        engine,
        [
            M("de", "2026-01-01", None, unlabelled="unsupported language: de"),
            M("fr", "2026-01-02", -0.5, unlabelled="sentiment only: fr"),
        ],
    )
    with session_scope(engine) as session:
        grid = analytics.stage_topic(session, scope=Scope())
        stages = analytics.by_stage(session, scope=Scope())
    assert grid.empty and {"net_sentiment", "positive_share"} <= set(grid.columns)
    assert stages.empty


NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def _at(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M")


def test_spikes_day_and_hour(engine: Engine) -> None:
    mentions = [
        # Acme: 6 negatives at amot in the last 24 h, 7 in the 14 days before (baseline 0.5).
        *(M(f"n{i}", _at(timedelta(hours=2 + i)), -0.9, "amot") for i in range(6)),
        *(M(f"o{i}", _at(timedelta(days=2 + i)), -0.9, "smot") for i in range(7)),
        # Globex: 5 in the last day against ~3 a day before: alone, no spike.
        *(M(f"g{i}", _at(timedelta(hours=3 + i)), -0.9, brand="Globex") for i in range(5)),
        *(M(f"h{i}", _at(timedelta(days=1, hours=8 * i + 1)), -0.9, brand="Globex")
          for i in range(42)),
        # Social: 5 negatives on the forum in the last hour, none in the 12 before.
        *(M(f"f{i}", _at(timedelta(minutes=5 + i)), -0.9, "fmot", source="forum", brand="Globex")
          for i in range(5)),
        M("later", _at(timedelta(hours=-1)), -0.9),  # after `now`: ignored
    ]  # fmt: skip
    fill(engine, mentions)
    with session_scope(engine) as session:
        spikes = detect_spikes(session, now=NOW, min_negative=5, ratio=2.0)
    found = {(s.brand, s.stage, s.period): (s.observed, s.baseline) for s in spikes}
    assert found[("Acme", "", "day")] == (6, pytest.approx(0.5))
    assert found[("Acme", "amot", "day")] == (6, 0.0)
    assert ("Acme", "smot", "day") not in found
    assert found[("Globex", "", "hour")] == (5, 0.0)
    assert found[("Globex", "fmot", "hour")] == (5, 0.0)
    # Globex's day: 10 negatives (5 + the 5 social ones) against a baseline of 3: a 3.3× spike.
    assert found[("Globex", "", "day")][0] == 10
    assert any(s.describe().startswith("Acme: 6 negative mentions in the last 24") for s in spikes)


def test_no_spike_below_minimum(engine: Engine) -> None:
    fill(engine, [M(f"n{i}", _at(timedelta(hours=1 + i)), -0.9) for i in range(4)])
    with session_scope(engine) as session:
        assert detect_spikes(session, now=NOW, min_negative=5) == []
