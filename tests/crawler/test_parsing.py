"""Every real saved page of a supported spider yields the mentions a person would count on it,
with the right author, date, rating and text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.items import Mention

# (file under fixtures/real, spider, mentions on it)
COUNTS = [
    ("trustpilot/eventnet.de_review_page_2024-06-19.html", "trustpilot", 18),
    ("trustpilot/eventnet.de_review_page_2024-06-27.html", "trustpilot", 20),
    ("appstore/itunes_nl_rss_customerreviews_id474495017_mostrecent.json", "appstore", 50),
    ("reddit/search_posts_limit2.json", "reddit", 2),
    ("hackernews/algolia_search_show_hn.json", "hackernews", 30),
    ("mastodon/mstdn.jp_api_v1_timelines_public_2017.json", "mastodon", 20),
    ("mastodon/akkoma_status_with_emojis_and_attachments.json", "mastodon", 1),
    ("bluesky/app.bsky.feed.searchPosts.json", "bluesky", 1),
    ("bluesky/app.bsky.feed.getFeed.json", "bluesky", 7),
    ("rss/daringfireball.net_feeds_main.atom", "rss", 48),
    ("rss/katiefloyd.com_feed.rss", "rss", 20),
    ("rss/medium.com_emarley_feed.rss", "rss", 10),
    ("youtube/commentThreads_videoId_F1UP7wRCPH8_page1.json", "youtube", 5),
    ("youtube/commentThreads_videoId_F1UP7wRCPH8_page2.json", "youtube", 5),
    ("jsonld/ikea.com_gb_djungelskog-soft-toy-brown-bear.html", "jsonld", 20),
    ("jsonld/eduscho.at_massivholz-waschmaschinenregal.html", "jsonld", 5),
    # 26 microdata Review items, but the page repeats its 12 reviews (a carousel): 12 mentions.
    ("jsonld/3suisses.fr_housse-de-chaise-tertio.html", "jsonld", 12),
    ("jsonld/bestbuy.ca_google-nest-hello-doorbell.html", "jsonld", 3),
    # The Trustpilot page carries its reviews in JSON-LD too: the generic spider finds them.
    ("trustpilot/eventnet.de_review_page_2024-06-19.html", "jsonld", 18),
]


def mentions(real_dir: Path, name: str, spider: str, url: str | None = None) -> list[Mention]:
    return list(extract(real_dir / name, spider, url))


@pytest.mark.parametrize(("name", "spider", "count"), COUNTS)
def test_every_fixture_yields_its_mentions(
    real_dir: Path, name: str, spider: str, count: int
) -> None:
    found = mentions(real_dir, name, spider)
    assert len(found) == count
    assert len({m.external_id for m in found}) == count  # stable, distinct ids
    assert all(m.text and m.kind in ("review", "post", "comment") for m in found)
    assert [m.rank for m in found] == list(range(1, count + 1))


def test_jsonld_bench_matches_expected(real_dir: Path) -> None:
    bench = real_dir / "jsonld_bench"
    lines = (bench / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        expected = json.loads(line)
        found = mentions(real_dir, f"jsonld_bench/{expected['file']}", "jsonld", expected["url"])
        assert len(found) == expected["reviews"], expected["file"]
        assert sum(m.rating is not None for m in found) == expected["with_rating"]
        for sample, mention in zip(expected["sample"], found, strict=False):
            assert " ".join(mention.text.split()).startswith(" ".join(sample.split())[:150])
        assert {m.language for m in found} == {expected["lang"]}


def test_trustpilot_fields(real_dir: Path) -> None:
    first = mentions(real_dir, "trustpilot/eventnet.de_review_page_2024-06-19.html", "trustpilot")[
        0
    ]
    assert first.external_id == "666fe7a10b79c8f7baaaca1c"
    assert first.author == "Marie"
    assert first.title == "Herausragender Service"
    assert first.text.startswith("auch bei ungewöhnlichen Anforderungen ein super Partner!")
    assert first.rating == 5.0
    assert first.published_at == datetime(2024, 6, 17, 9, 37, 5, tzinfo=UTC)
    assert first.language == "de" and first.kind == "review"
    assert first.url == "https://www.trustpilot.com/reviews/666fe7a10b79c8f7baaaca1c"


def test_appstore_fields(real_dir: Path) -> None:
    found = mentions(
        real_dir, "appstore/itunes_nl_rss_customerreviews_id474495017_mostrecent.json", "appstore"
    )
    first = found[0]
    assert (first.external_id, first.author, first.title) == ("9571111689", "Tony18Jr", "👎")
    assert first.text.startswith("Elke keer kan ik ineens mijn saldo")
    assert first.rating == 1.0
    assert first.published_at == datetime(2023, 2, 1, 12, 6, 45, tzinfo=UTC)
    assert first.language == "nl" and first.helpful_votes == 0
    assert {m.rating for m in found} <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_reddit_fields(real_dir: Path) -> None:
    first = mentions(real_dir, "reddit/search_posts_limit2.json", "reddit")[0]
    assert first.external_id == "t3_hybow9"
    assert first.author == "chocolat_ice_cream"
    assert first.title == "Pregnancy test"
    assert first.published_at == datetime(2020, 7, 26, 18, 14, 24, tzinfo=UTC)
    assert (first.likes, first.replies, first.shares) == (103829, 3748, 20)
    assert first.url.endswith("/r/WatchPeopleDieInside/comments/hybow9/pregnancy_test/")
    assert first.language is None  # two words: no language guessed


def test_hackernews_fields(real_dir: Path) -> None:
    found = mentions(real_dir, "hackernews/algolia_search_show_hn.json", "hackernews")
    first, second = found[0], found[1]
    assert (first.external_id, first.author, first.title) == (
        "48845049",
        "pompomsheep",
        "Show HN: 18 Words",
    )
    assert first.published_at == datetime(2026, 7, 9, 12, 48, 52, tzinfo=UTC)
    assert (first.likes, first.replies, first.kind) == (1150, 360, "post")
    assert second.text.startswith("A few days ago I found myself trying out GLM 5.2")
    assert "<p>" not in second.text and "surprised me.\nBut then" in second.text


def test_mastodon_fields(real_dir: Path) -> None:
    first = mentions(real_dir, "mastodon/mstdn.jp_api_v1_timelines_public_2017.json", "mastodon")[0]
    assert first.author == "iorin0225" and first.author_followers == 1
    assert first.text == "電話であれ、テキストであれ、伝達能力はしっかり鍛えてほしい。"
    assert first.published_at == datetime(2017, 4, 14, 6, 11, 41, 893000, tzinfo=UTC)
    assert first.language == "ja"
    akkoma = mentions(
        real_dir, "mastodon/akkoma_status_with_emojis_and_attachments.json", "mastodon"
    )
    status = akkoma[0]
    assert status.text.startswith("I just #love #coffee")
    assert (status.likes, status.shares, status.replies) == (16, 12, 0)
    assert status.title == "Coffee, Star Trek"  # the content warning


def test_bluesky_fields(real_dir: Path) -> None:
    post = mentions(real_dir, "bluesky/app.bsky.feed.searchPosts.json", "bluesky")[0]
    assert post.author == "luy.gay"
    assert post.text.startswith("eu queria um fone de ouvido com fio")
    assert post.published_at == datetime(2023, 4, 24, 13, 50, 19, 672000, tzinfo=UTC)
    assert (post.likes, post.replies, post.shares) == (7, 8, 0)
    assert post.url == "https://bsky.app/profile/luy.gay/post/3ju4p6u2i3a2g"
    assert post.language == "pt"
    feed = mentions(real_dir, "bluesky/app.bsky.feed.getFeed.json", "bluesky")
    assert feed[0].author == "shehackspurple.bsky.social"
    assert feed[0].text.startswith("If you want all the Tanya content you can get")


def test_rss_and_atom_fields(real_dir: Path) -> None:
    atom = mentions(real_dir, "rss/daringfireball.net_feeds_main.atom", "rss")[0]
    assert atom.author == "John Gruber"
    assert atom.title == "The Talk Show: ‘I Do Like Throwing a Baby’"
    assert atom.published_at == datetime(2017, 6, 27, 0, 54, 17, tzinfo=UTC)
    assert atom.text.startswith("New episode of America’s favorite 3-star podcast")
    rss = mentions(real_dir, "rss/katiefloyd.com_feed.rss", "rss")[0]
    assert rss.author == "Katie Floyd"
    assert rss.title == "Special Mac Power Users for Relay FM Members"
    assert rss.published_at == datetime(2016, 8, 25, 22, 20, tzinfo=UTC)
    assert rss.text.startswith("Relay FM has created a membership system")


def test_youtube_fields(real_dir: Path) -> None:
    found = mentions(real_dir, "youtube/commentThreads_videoId_F1UP7wRCPH8_page1.json", "youtube")
    first = found[0]
    assert (first.external_id, first.author, first.text) == (
        "UgyZ1jqkHKYvi1-ruOZ4AaABAg",
        "himani agarwal",
        "Google.com",
    )
    assert first.published_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert (first.likes, first.replies, first.kind) == (0, 0, "comment")
    assert first.url == "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"


def test_jsonld_fields(real_dir: Path) -> None:
    ikea = mentions(real_dir, "jsonld/ikea.com_gb_djungelskog-soft-toy-brown-bear.html", "jsonld")
    assert (ikea[0].author, ikea[0].title, ikea[0].rating) == ("Ommy70", "My best friend", 5.0)
    assert ikea[0].text.startswith("I didn’t even know this bear existed")
    assert ikea[0].published_at is None  # the page gives no dates: none invented
    bestbuy = mentions(real_dir, "jsonld/bestbuy.ca_google-nest-hello-doorbell.html", "jsonld")
    assert [m.rating for m in bestbuy] == [1.0, 1.0, 2.0]
    assert bestbuy[0].author == "Truth about Nest Doorbell"
    leroy = mentions(
        real_dir,
        "jsonld_bench/leroymerlin.pl_zestaw-podtynkowy-wc-serel-grohe.html",
        "jsonld",
        "https://www.leroymerlin.pl/p571345.html",
    )
    assert leroy[0].author == "płock" and leroy[0].rating == 4.0
    assert leroy[0].published_at == datetime(2020, 11, 6, tzinfo=UTC)
    assert leroy[0].url.startswith("https://www.leroymerlin.pl/ceramika-lazienkowa/")


@pytest.mark.parametrize("folder", ["amazon", "yelp", "googleplay"])
def test_pages_without_structured_reviews_yield_nothing_not_garbage(
    real_dir: Path, folder: str
) -> None:
    """No spider reads these sites' own markup (see crawler/README_SECTION.md)."""
    for page in sorted((real_dir / folder).glob("*.html")):
        assert mentions(real_dir, f"{folder}/{page.name}", "jsonld") == []
