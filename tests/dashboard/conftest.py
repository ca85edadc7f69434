"""A small real database and config for the dashboard tests (filled through the store)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.db import make_engine, session_scope, upgrade
from store.runs import finish_run, start_run
from tests.store.helpers import M, fill

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
CONFIG = """
[database]
url = "sqlite:///{db}"

[analytics]
half_life_days = 90
lookback_days = 365
shelf_size = 5

[[brands]]
name = "Acme"
[[brands.products]]
name = "Widget"

[[brands]]
name = "Globex"

[[sources]]
name = "reviews"
spider = "jsonld"
start_urls = ["https://example.test/reviews"]
schedule = "0 6 * * *"

[[sources]]
name = "forum"
spider = "reddit"
"""


def demo_mentions(today: datetime) -> list[M]:
    """40 Acme and 20 Globex mentions over the last 60 days, plus a spike of negatives today."""
    mentions: list[M] = []
    for i in range(40):
        day = (today - timedelta(days=60 - i)).strftime("%Y-%m-%d")
        score = 0.8 if i % 3 else -0.7
        stage = ("smot", "amot", "fmot", "umot", "zmot")[i % 5]
        topics = [("size_fit", "delivery", "website_app", "recommendation", "price_value")[i % 5]]
        mentions.append(
            M(f"a{i}", day, score, stage, topics, likes=i % 7, author=f"fan{i % 4}",
              source="reviews" if i % 2 else "forum", confidence=0.55 + (i % 4) / 10,
              stage_confidence=0.5 + (i % 5) / 10)
        )  # fmt: skip
    for i in range(20):
        day = (today - timedelta(days=50 - 2 * i)).strftime("%Y-%m-%d")
        mentions.append(
            M(f"g{i}", day, -0.5 if i % 2 else 0.5, "smot", [], brand="Globex",
              confidence=0.6 + (i % 3) / 10, stage_confidence=0.7)
        )  # fmt: skip
    now = today.strftime("%Y-%m-%dT%H:%M")
    for i in range(8):
        mentions.append(
            M(f"s{i}", now, -0.9, "amot", ["delivery"], source="forum", text=f"late again {i}",
              confidence=0.9, stage_confidence=0.8)
        )  # fmt: skip
    mentions.append(
        M("x", now, -0.9, "fmot", [], text='=HYPERLINK("http://x","y")', confidence=0.7,
          stage_confidence=0.6)
    )  # fmt: skip
    mentions.append(M("u", now, None, text="not classified yet"))
    return mentions


@pytest.fixture(scope="session")
def dashboard_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dashboard")
    db = folder / "umot.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    today = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    fill(engine, demo_mentions(today), brands=("Acme", "Globex"))
    with session_scope(engine) as session:
        run = start_run(session, source_id=1)
        finish_run(
            session,
            run_id=run.id,
            status="ok",
            pages=3,
            new=50,
            drop_reasons={"MissingText": 1, "OffTopic": 2},
        )
        run = start_run(session, source_id=2)
        finish_run(session, run_id=run.id, status="blocked", pages=1, error="CAPTCHA page")
    engine.dispose()
    path = folder / "umot.toml"
    path.write_text(CONFIG.format(db=db))
    return path


@pytest.fixture(scope="session")
def empty_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("empty")
    path = folder / "umot.toml"
    path.write_text(CONFIG.format(db=folder / "umot.db"))
    return path


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(dashboard_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("UMOT_CONFIG", str(dashboard_config))
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    _clear_caches()
    yield dashboard_config
    _clear_caches()


@pytest.fixture
def empty_env(empty_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("UMOT_CONFIG", str(empty_config))
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    _clear_caches()
    yield empty_config
    _clear_caches()


def open_page(name: str):  # type: ignore[no-untyped-def]
    """An AppTest on the dashboard, switched to a view and run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    if name != "overview":
        at.switch_page(f"views/{name}.py")
        at.run()
        assert not at.exception, at.exception
    return at
