"""Overview page: the headline of the own brand against its competitors, spikes, empty state."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from dashboard.filters import own_first
from store.db import make_engine, upgrade
from store.headline import last_full_period
from store.models import Brand, Mention
from tests.dashboard.conftest import CONFIG, _clear_caches, open_page
from tests.store.helpers import M, fill

LABELS = [
    "Mentions",
    "Net sentiment",
    "Exposure index",
    "Average rating",
    "Share of voice",
    "Share of voice, weighted by visibility",
]


def _mentions_in(config_db: str, brand: str, period: str) -> tuple[int, str]:
    """Acme's mentions in the last full period, counted here without the headline code."""
    engine = make_engine(config_db)
    with Session(engine) as s:
        last = s.exec(select(func.max(Mention.published_at))).one()
        today = min(last.date() if hasattr(last, "date") else last, datetime.now(UTC).date())
        span = last_full_period(period, today)
        start = datetime.combine(span.start, time.min, tzinfo=UTC)
        end = datetime.combine(span.end + timedelta(days=1), time.min, tzinfo=UTC)
        count = s.exec(
            select(func.count())
            .select_from(Mention)
            .join(Brand, Brand.id == Mention.brand_id)
            .where(Brand.name == brand, Mention.published_at >= start, Mention.published_at < end)
        ).one()
    engine.dispose()
    return count, span.start.strftime("%B %Y")


def _db(app_env) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{app_env.parent / 'umot.db'}"


def test_overview_opens_on_own_brand_with_competitor_beside(app_env) -> None:
    at = open_page("overview")
    assert [t.value for t in at.title] == ["Overview"]
    assert at.multiselect(key="f_brands").value == [1, 2]  # Acme (own) first, Globex beside
    assert at.header[0].value.startswith("Acme · week of")
    labels = [m.label for m in at.metric]
    assert labels[: len(LABELS)] == LABELS
    table = at.dataframe[0].value
    assert list(table["Brand"]) == ["Acme", "Globex"]
    assert list(table.columns)[1:] == LABELS
    count, _ = _mentions_in(_db(app_env), "Acme", "week")
    assert at.metric[0].value == f"{count:,}"
    assert "What moved it" in [s.value for s in at.subheader]


def test_period_selector_changes_the_headline(app_env) -> None:
    at = open_page("overview")
    at.radio(key="o_period").set_value("month").run()
    assert not at.exception
    count, month = _mentions_in(_db(app_env), "Acme", "month")
    assert at.header[0].value == f"Acme · {month}"
    assert at.metric[0].value == f"{count:,}"
    assert count > 0


def test_when_nothing_moved_the_index_it_says_which_period_reads_steadier(app_env) -> None:
    """The test data's weeks and months hold under 5 mentions of any stage and topic, so no
    driver ranks; the caption points to the next longer period."""
    at = open_page("overview")
    moved = [c.value for c in at.caption if "moved the exposure index" in c.value]
    assert moved == [
        "No kind of content with at least 5 mentions moved the exposure index this week. "
        "Pick Month under Period above for a steadier view."
    ]
    at.radio(key="o_period").set_value("month").run()
    moved = [c.value for c in at.caption if "moved the exposure index" in c.value]
    assert len(moved) == 1 and moved[0].endswith(
        "Pick Quarter under Period above for a steadier view."
    )


def test_spikes_and_charts_below(app_env) -> None:
    at = open_page("overview")
    warnings = " ".join(w.value for w in at.warning)
    assert "Acme" in warnings and "negative mentions" in warnings
    assert len(at.get("vega_lite_chart")) >= 3


def test_all_brands_is_an_explicit_choice(app_env) -> None:
    at = open_page("overview")
    at.toggle(key="f_all").set_value(True).run()
    assert not at.exception
    assert not [m for m in at.multiselect if m.key == "f_brands"]
    assert at.header[0].value.startswith("Acme")  # the headline still tells the own brand
    assert list(at.dataframe[0].value["Brand"]) == ["Acme", "Globex"]


def test_own_brands_come_before_competitors_whatever_their_names() -> None:
    brands = {1: "Bramble", 2: "Northwind", 3: "Acorn"}
    assert list(own_first(brands, own=(2,)).values()) == ["Northwind", "Acorn", "Bramble"]


def test_empty_database_says_what_to_do(empty_env) -> None:
    for name in ("overview", "journey", "loop", "mentions", "advocates_complaints"):
        at = open_page(name)
        assert any("umot crawl" in i.value and "umot demo" in i.value for i in at.info), name
    crawls = open_page("crawls")
    assert any("umot crawl" in i.value for i in crawls.info)


@pytest.fixture(scope="module")
def languages_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world where the model left some mentions unlabelled for their language."""
    folder = tmp_path_factory.mktemp("languages")
    engine = make_engine(f"sqlite:///{folder / 'umot.db'}")
    upgrade(engine)
    day = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%d")
    fill(
        engine,
        [
            M("en1", day, 0.8),
            M("en2", day, -0.6),
            M("de1", day, None, unlabelled="unsupported language: de"),
            M("de2", day, None, unlabelled="unsupported language: de"),
            M("fr1", day, None, unlabelled="unsupported language: fr"),
            M("de3", day, 0.7, unlabelled="sentiment only: de"),
        ],
    )
    engine.dispose()
    path = folder / "umot.toml"
    path.write_text(CONFIG.format(db=folder / "umot.db"))
    return path


def _open_on(config: Path, monkeypatch: pytest.MonkeyPatch, page: str):  # type: ignore[no-untyped-def]
    """``page`` opened on the database ``config`` names, with no cached data before or after."""
    monkeypatch.setenv("UMOT_CONFIG", str(config))
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    _clear_caches()
    try:
        return open_page(page)
    finally:
        _clear_caches()


def test_overview_says_how_many_mentions_are_not_scored_for_their_language(
    languages_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open_on(languages_config, monkeypatch, "overview")
    captions = " ".join(c.value for c in at.caption)
    assert "3 mentions in other languages (German 2, French 1) are not scored" in captions
    assert "1 mention in other languages (German 1) have a sentiment" in captions


def test_no_language_note_when_every_mention_is_read(app_env) -> None:
    at = open_page("overview")
    assert not [c.value for c in at.caption if "other languages" in c.value]


def test_every_page_opens_with_unlabelled_mentions(
    languages_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mentions without sentiment or stage, and with a sentiment but no stage, break no page."""
    monkeypatch.setenv("UMOT_CONFIG", str(languages_config))
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    _clear_caches()
    try:
        for name in ("journey", "loop", "mentions", "advocates_complaints"):
            at = open_page(name)  # asserts no exception
            assert not at.error, (name, [e.value for e in at.error])
    finally:
        _clear_caches()


def test_the_mentions_list_says_which_mentions_are_not_scored(
    languages_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open_on(languages_config, monkeypatch, "mentions")
    sentiments = set(at.dataframe[0].value["Sentiment"])
    assert {"not scored: German", "not scored: French"} <= sentiments
    assert "unlabelled" not in at.dataframe[0].value.columns  # shown in words, not as a code
