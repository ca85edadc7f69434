"""Real crawls (child processes) of a local site into a SQLite file.

Covers: robots.txt, 429 + Retry-After, 500, timeouts, block pages, malformed pages and fields,
missing credentials, bad options, one failing source never stopping the others, and re-crawls
(0 new, counters refreshed as snapshots, pagination stopped at known mentions).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from demo.site import Answer, LocalSite
from tests.conftest import REPO_ROOT
from tests.crawler.conftest import CrawlFn, write_config
from tests.crawler.db import Stored
from tests.crawler.pages import CAPTCHA_PAGE, MALFORMED_JSON, review, shop_page

BAD_FIELDS = [
    {"author": "Bad date", "date": "32.13.2020 at noon-ish", "text": "acme is ok", "rating": 3},
    {"author": "Bad rating", "date": "2024-05-20", "text": "acme is great", "rating": 9},
]


def build_site(site: LocalSite) -> dict[str, str]:
    site.route("/shop/p1.html", Answer(shop_page([review(1), review(2), *BAD_FIELDS], "p2.html")))
    site.route(
        "/shop/p2.html",
        [
            Answer(
                b"slow down", status=429, headers={"Retry-After": "1"}, content_type="text/plain"
            ),
            Answer(shop_page([review(3), review(4)], "/private/p3.html")),
        ],
    )
    site.route("/private/p3.html", Answer(shop_page([review(5)])))
    site.route("/broken.html", Answer(b"oops", status=500))
    site.route("/slow.html", Answer(shop_page([review(6)]), delay=10))
    site.route("/api/malformed.json", Answer(MALFORMED_JSON, content_type="application/json"))
    site.route("/api/captcha.json", Answer(CAPTCHA_PAGE))
    site.route("/api/html.json", Answer(b"<!doctype html><html><body>Sign in</body></html>"))
    u = site.url
    return {
        "shop": u + "/shop/p1.html",
        "broken": u + "/broken.html",
        "slow": u + "/slow.html",
        "malformed": u + "/api/malformed.json",
        "captcha": u + "/api/captcha.json",
        "html": u + "/api/html.json",
        "reddit": u + "/real/reddit/search_posts_limit2.json",
    }


def test_loopback_site_crawl_then_recrawl(site: LocalSite, tmp_path: Path, crawl: CrawlFn) -> None:
    urls = build_site(site)
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        brands=[{"name": "Acme", "keywords": ["acme"]}],
        sources=[
            {"name": "shop", "spider": "jsonld", "brand": "Acme", "start_urls": [urls["shop"]]},
            {"name": "broken", "spider": "jsonld", "start_urls": [urls["broken"]]},
            {"name": "slow", "spider": "jsonld", "start_urls": [urls["slow"]]},
            {"name": "malformed", "spider": "hackernews", "start_urls": [urls["malformed"]]},
            {"name": "captcha", "spider": "hackernews", "start_urls": [urls["captcha"]]},
            {"name": "html", "spider": "hackernews", "start_urls": [urls["html"]]},
            {
                "name": "reddit",
                "spider": "reddit",
                "start_urls": [urls["reddit"]],
                "credentials": {"token": "UMOT_TEST_UNSET_REDDIT_TOKEN"},
            },
            {"name": "badopts", "spider": "appstore", "options": {"app_id": "abc"}},
        ],
        crawler={"timeout": 1, "retry_after_cap": 1.5},
    )
    results = crawl(config)
    stored = Stored(tmp_path / "umot.db")
    try:
        shop = results["shop"]
        assert shop["status"] == "ok", shop
        assert (shop["pages"], shop["new"]) == (2, 4)
        assert shop["dropped"] == {"BadTimestamp": 1, "BadRating": 1}
        # robots.txt disallows /private/: never fetched.
        assert site.hits_for("/private/p3.html") == []
        assert site.hits_for("/robots.txt")
        # 429 then the page: retried once, after the Retry-After second.
        assert len(site.hits_for("/shop/p2.html")) == 2
        assert all("umot-harvester" in h.headers["User-Agent"] for h in site.hits)
        assert all("umot.example/test-bot" in h.headers["User-Agent"] for h in site.hits)

        assert results["broken"]["status"] == "failed"
        assert results["broken"]["error"] == "server error (HTTP 500) on 1 of 1 page"
        assert len(site.hits_for("/broken.html")) == 3  # first try + 2 retries
        assert results["slow"]["status"] == "failed", results["slow"]
        assert results["slow"]["error"] == f"no answer from {site.url[7:]} within 1 s"
        assert results["malformed"]["status"] == "partial"
        assert results["malformed"]["error"] == "1 page with broken review markup"
        assert results["captcha"]["status"] == "blocked"
        assert results["html"]["status"] == "blocked"
        assert "HTML where JSON was expected" in results["html"]["error"]
        assert results["reddit"]["status"] == "needs_credentials"
        assert "UMOT_TEST_UNSET_REDDIT_TOKEN" in results["reddit"]["error"]
        assert site.hits_for("/real/reddit/search_posts_limit2.json") == []
        assert results["badopts"]["status"] == "failed"
        assert "option 'app_id'" in results["badopts"]["error"]

        mentions = stored.mentions("shop")
        assert [m.author for m in mentions] == [f"Customer {n}" for n in (1, 2, 3, 4)]
        assert [m.rank for m in mentions] == [1, 2, 5, 6]  # dropped items keep their places
        assert all(m.brand_id is not None and m.rating == 4.0 for m in mentions)
        for name in results:
            runs = stored.runs(name)
            assert len(runs) == 1 and runs[0].status == results[name]["status"]
            assert runs[0].finished_at is not None
        assert stored.runs("shop")[0].drop_reasons == {"BadTimestamp": 1, "BadRating": 1}
        snapshots = stored.snapshots()
        assert snapshots == 4

        # Second crawl of the unchanged site: nothing new; page 1 is all known, so no page 2.
        site.reset_log()
        again = crawl(config, "shop")
        assert again["shop"]["status"] == "ok"
        assert again["shop"]["new"] == 0
        assert again["shop"]["pages"] == 1
        assert site.hits_for("/shop/p2.html") == []
        assert len(stored.mentions("shop")) == 4
        assert stored.snapshots() == snapshots + 2  # the mentions met again, counters refreshed
        assert [r.status for r in stored.runs("shop")] == ["ok", "ok"]
    finally:
        stored.close()


def test_trustpilot_recrawl_finds_exactly_the_new_reviews(
    site: LocalSite, real_dir: Path, tmp_path: Path, crawl: CrawlFn
) -> None:
    page = real_dir / "trustpilot"
    url = site.file_route("/review/eventnet.de", page / "eventnet.de_review_page_2024-06-19.html")
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        brands=[{"name": "Eventnet", "keywords": ["eventnet"]}],
        sources=[{"name": "tp", "spider": "trustpilot", "brand": "Eventnet", "start_urls": [url]}],
    )
    first = crawl(config)["tp"]
    assert (first["status"], first["new"], first["pages"]) == ("ok", 18, 1)

    site.file_route("/review/eventnet.de", page / "eventnet.de_review_page_2024-06-27.html")
    second = crawl(config)["tp"]
    assert (second["status"], second["new"]) == ("ok", 2)
    stored = Stored(tmp_path / "umot.db")
    try:
        mentions = stored.mentions("tp")
        assert len(mentions) == 20
        newest = {m.external_id for m in mentions[18:]}
        assert newest == {"667d00c443645513f3ae5f18", "667c43ed4ba86db0f2413046"}
        assert stored.snapshots() == 18 + 20
        assert all(m.brand_id is not None for m in mentions)
        # Ranks are refreshed to the new listing's order.
        by_id = {m.external_id: m for m in mentions}
        assert by_id["667d00c443645513f3ae5f18"].rank == 1
        assert by_id["666fe7a10b79c8f7baaaca1c"].rank == 2
    finally:
        stored.close()


def test_umot_crawl_cli_prints_a_summary(site: LocalSite, tmp_path: Path) -> None:
    urls = build_site(site)
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[
            {"name": "shop", "spider": "jsonld", "brand": "Acme", "start_urls": [urls["shop"]]},
            {"name": "captcha", "spider": "hackernews", "start_urls": [urls["captcha"]]},
        ],
    )
    done = subprocess.run(
        [sys.executable, "-m", "umot", "--config", str(config), "crawl"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # a blocked source is worth a non-zero exit
    for word in ("source", "status", "pages", "new", "updated", "dropped", "shop", "blocked"):
        assert word in done.stdout
    assert "unreadable or future date (1)" in done.stdout  # drop reasons in words
    done = subprocess.run(
        [sys.executable, "-m", "umot", "--config", str(config), "crawl", "--source", "nope"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "unknown source 'nope'" in done.stderr


def test_crawl_in_a_child_process_from_a_long_lived_one(site: LocalSite, tmp_path: Path) -> None:
    from crawler.child import run_sources_in_child

    url = site.route("/one.html", Answer(shop_page([review(1), review(2)])))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "shop", "spider": "jsonld", "start_urls": [url]}],
    )
    first = run_sources_in_child(str(config), ["shop"], timeout=120)
    second = run_sources_in_child(str(config), ["shop"], timeout=120)  # a second crawl works
    assert [(r.source, r.status, r.new) for r in first] == [("shop", "ok", 2)]
    assert [(r.source, r.status, r.new) for r in second] == [("shop", "ok", 0)]


def test_recrawl_refreshes_counters_and_keeps_snapshots(
    site: LocalSite, tmp_path: Path, crawl: CrawlFn
) -> None:
    import json

    from sqlmodel import Session, select

    from store.models import EngagementSnapshot

    def listing(points: int) -> Answer:
        hit = {
            "objectID": "101",
            "author": "pat",
            "title": "Show HN: Acme kettle teardown",
            "story_text": "I took the acme kettle apart to see why it is so quiet.",
            "points": points,
            "num_comments": points // 2,
            "created_at_i": 1_717_000_000,
            "_tags": ["story"],
        }
        body = json.dumps({"hits": [hit], "page": 0, "nbPages": 1}).encode()
        return Answer(body, content_type="application/json")

    url = site.route("/api/hn", listing(5))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "hn", "spider": "hackernews", "start_urls": [url]}],
    )
    assert crawl(config)["hn"]["new"] == 1
    site.route("/api/hn", listing(9))
    again = crawl(config)["hn"]
    assert (again["status"], again["new"], again["updated"]) == ("ok", 0, 1)
    stored = Stored(tmp_path / "umot.db")
    try:
        [mention] = stored.mentions("hn")
        assert (mention.likes, mention.replies) == (9, 4)
        with Session(stored.engine) as session:
            snaps = session.exec(
                select(EngagementSnapshot).where(EngagementSnapshot.mention_id == mention.id)
            ).all()
        assert sorted(s.likes for s in snaps) == [5, 9]
    finally:
        stored.close()


def test_jsonld_broken_markup_textless_reviews_and_votes_in_a_crawl(
    site: LocalSite, tmp_path: Path, crawl: CrawlFn
) -> None:
    """One page: a broken JSON-LD script, a review with a LikeAction counter, a review without
    text. The crawl log gets one warning line and no traceback; the textless review is a
    counted MissingText drop; the likes are stored as helpful votes."""
    import json

    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Acme Kettle",
        "review": [
            {
                "@type": "Review",
                "author": "Hal",
                "reviewBody": "Quiet and quick.",
                "interactionStatistic": {
                    "@type": "InteractionCounter",
                    "interactionType": "https://schema.org/LikeAction",
                    "userInteractionCount": 12,
                },
            },
            {"@type": "Review", "author": "Ida", "reviewRating": {"ratingValue": 2}},
        ],
    }
    page = (
        "<html><head>"
        '<script type="application/ld+json">{"@type": "Review", "reviewBody": </script>'
        f'<script type="application/ld+json">{json.dumps(product)}</script>'
        "</head><body></body></html>"
    ).encode()
    url = site.route("/kettle.html", Answer(page))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "kettle", "spider": "jsonld", "start_urls": [url]}],
    )
    result = crawl(config)["kettle"]
    assert (result["status"], result["new"], result["dropped"]) == (
        "partial",
        1,
        {"MissingText": 1},
    )
    assert result["error"] == "1 page with broken review markup"
    log = (tmp_path / "crawl.log").read_text()
    assert "Traceback" not in log
    [warning] = [line for line in log.splitlines() if "structured data unreadable" in line]
    assert "json-ld script 1: JSONDecodeError" in warning
    stored = Stored(tmp_path / "umot.db")
    try:
        [mention] = stored.mentions("kettle")
        assert (mention.author, mention.helpful_votes) == ("Hal", 12)
    finally:
        stored.close()
