"""The demo world: deterministic, every source kind, a story the loop page can tell, and a
configuration that the real loader and the spiders' own argument models accept."""

from __future__ import annotations

from datetime import date

import pytest

from core.config import SPIDERS, load_config
from crawler.spiders import spider_class
from demo import DemoWorld, build_world, demo_toml, respond, write_demo_config
from demo.data import visibility
from demo.story import CHANNELS

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return build_world()


def _all_pages(world: DemoWorld) -> dict[str, bytes]:
    """Every listing's first pages, rendered as the server would."""
    targets = [
        "/robots.txt",
        "/review/northwindoutfitters.example?page=2",
        "/us/rss/customerreviews/page=1/id=1645200731/sortby=mostrecent/json",
        "/api/v1/search_by_date?query=northwind&tags=(story,comment)&hitsPerPage=100",
        "/api/v1/timelines/tag/NorthwindOutfitters?limit=40",
        "/blog/feed.xml",
        "/forum/brands.atom",
        "/youtube/v3/commentThreads?part=snippet&videoId=Tq7vN3wUxJ4&key=k",
    ]
    targets += [
        f"/shop/{c.key.split(':')[1].replace('/', '/products/')}"
        for c in CHANNELS
        if c.spider == "jsonld"
    ]
    auth = {"Authorization": "bearer t"}
    out = {t: respond(world, BASE, t).body for t in targets}
    for target in ("/search.json?q=northwind&limit=100", "/xrpc/app.bsky.feed.searchPosts?q=n"):
        out[target] = respond(world, BASE, target, auth).body
    return out


def test_same_seed_gives_the_same_world_and_the_same_bytes(world: DemoWorld) -> None:
    again = build_world()
    assert again.fingerprint() == world.fingerprint()
    assert _all_pages(again) == _all_pages(world)


def test_another_seed_or_today_gives_another_world(world: DemoWorld) -> None:
    assert build_world(seed=7).fingerprint() != world.fingerprint()
    later = build_world(today=date(2027, 3, 1))
    assert later.fingerprint() != world.fingerprint()
    assert max(m.published_at for m in later.mentions).date() <= date(2027, 3, 1)


def test_a_year_of_history_ending_on_today(world: DemoWorld) -> None:
    dates = [m.published_at.date() for m in world.mentions]
    assert max(dates) <= world.today
    assert (world.today - min(dates)).days >= 330
    assert all(m.published_at.tzinfo is not None for m in world.mentions)


def test_every_source_kind_and_both_brands_are_present(world: DemoWorld) -> None:
    by_spider = world.counts("spider")
    assert set(by_spider) == set(SPIDERS)
    assert all(count >= 30 for count in by_spider.values()), by_spider
    assert 600 <= len(world.valid) <= 900
    assert set(world.counts("brand")) == {"Northwind Outfitters", "Bramble & Co"}
    assert set(world.counts("stage")) == {"zmot", "fmot", "amot", "smot", "umot"}
    assert set(world.counts("kind")) == {"review", "post", "comment"}


def test_ids_are_unique_per_channel_and_texts_short(world: DemoWorld) -> None:
    keys = [(m.spider, m.native_id) for m in world.mentions]
    assert len(keys) == len(set(keys))
    assert max(len(m.text) for m in world.mentions) < 400


def _share(mentions: list, months: set[int]) -> float:
    chosen = [m for m in mentions if m.published_at.month in months]
    bad = [m for m in chosen if m.stage == "amot" and m.sentiment == "negative"]
    return len(bad) / len(chosen)


def test_the_spring_delivery_crisis_is_in_the_data(world: DemoWorld) -> None:
    northwind = [m for m in world.valid if m.brand == "Northwind Outfitters"]
    spring = _share(northwind, {3, 4, 5})
    rest = _share(northwind, {1, 2, 6, 7, 8, 9, 10, 11, 12})
    assert spring > 0.15
    assert spring > 3 * rest, (spring, rest)
    crisis = [m for m in northwind if m.story == "delivery-crisis"]
    calm = [m for m in northwind if m.story is None and m.spider == "trustpilot"]
    engagement = [m.helpful_votes or 0 for m in crisis if m.spider == "trustpilot"]
    baseline = [m.helpful_votes or 0 for m in calm]
    assert sum(engagement) / len(engagement) > 2 * sum(baseline) / len(baseline)
    negatives = sorted(
        (m for m in northwind if m.sentiment == "negative"), key=visibility, reverse=True
    )
    in_spring = [m for m in negatives[:20] if m.published_at.month in (3, 4, 5)]
    assert len(in_spring) >= 12, "the most visible complaints should be the spring ones"


def test_summer_is_positive_and_the_competitor_has_its_own_autumn(world: DemoWorld) -> None:
    northwind = [m for m in world.valid if m.brand == "Northwind Outfitters"]
    july = [m for m in northwind if m.published_at.month == 7]
    assert sum(m.sentiment == "positive" for m in july) / len(july) > 0.55
    unboxing = world.channel("youtube:nw-unboxing")
    assert all(m.published_at.month in (7, 8, 9, 10, 11) for m in unboxing)
    bramble = [m for m in world.valid if m.brand == "Bramble & Co"]

    def quality_share(months: set[int]) -> float:
        chosen = [m for m in bramble if m.published_at.month in months]
        broken = [m for m in chosen if m.stage == "smot" and m.sentiment == "negative"]
        return len(broken) / len(chosen)

    autumn, rest = quality_share({9, 10}), quality_share({1, 2, 3, 4, 5, 6, 7, 8, 11, 12})
    assert autumn > 0.25 and autumn > 2 * rest, (autumn, rest)


def test_deliberately_bad_records_are_few_and_named(world: DemoWorld) -> None:
    bad = [m for m in world.mentions if m.defect]
    assert {m.defect for m in bad} == {"missing_text", "bad_timestamp"}
    assert 3 <= len(bad) <= 8
    assert all(m.text == "" for m in bad if m.defect == "missing_text")


def test_search_sources_name_their_brand(world: DemoWorld) -> None:
    for m in world.valid:
        if m.spider in ("reddit", "hackernews", "mastodon", "bluesky", "rss"):
            short = m.brand.split()[0].lower()
            assert short in f"{m.title} {m.text}".lower(), m


def test_demo_config_loads_through_the_real_loader(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    config = write_demo_config(tmp_path, BASE)
    assert config.path == tmp_path / "umot.toml"
    assert config.database.url == f"sqlite:///{(tmp_path / 'demo.db').resolve()}"
    assert {s.spider for s in config.sources} == set(SPIDERS)
    assert [b.name for b in config.brands] == ["Northwind Outfitters", "Bramble & Co"]
    for source in config.sources:
        assert source.brand in ("Northwind Outfitters", "Bramble & Co")
        spider_class(source.spider).validate_args(source.options)  # raises on a bad option
        for url in source.start_urls:
            assert url.startswith(BASE + "/")
        for value in source.options.values():
            if isinstance(value, str) and value.startswith("http"):
                assert value.startswith(BASE)


def test_the_demo_never_writes_into_the_configured_team_database(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("UMOT_DATABASE_URL", "postgresql+psycopg://team@db.example/umot")
    config = write_demo_config(tmp_path, BASE)
    assert config.database.url == f"sqlite:///{(tmp_path / 'demo.db').resolve()}"


def test_demo_toml_is_stable_text(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    assert demo_toml(BASE) == demo_toml(BASE)
    (tmp_path / "umot.toml").write_text(demo_toml(BASE, database="other.db"))
    assert load_config(tmp_path / "umot.toml").database.url.endswith("other.db")
