"""Every real fixture of a supported spider, served by the local site and crawled for real into
SQLite: the store holds the mentions a person would count, and credentials travel as headers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from crawler.extract import extract
from demo.site import Answer, LocalSite
from tests.crawler.conftest import CrawlFn, write_config
from tests.crawler.db import Stored
from tests.crawler.test_parsing import COUNTS

SECRETS = {
    "UMOT_TEST_REDDIT_TOKEN": "reddit-token-1",
    "UMOT_TEST_YT_KEY": "yt-key-1",
    "UMOT_TEST_BSKY_ID": "acme.bsky.social",
    "UMOT_TEST_BSKY_PASSWORD": "app-pass-1",
}
CREDENTIALS = {
    "reddit": {"token": "UMOT_TEST_REDDIT_TOKEN"},
    "youtube": {"api_key": "UMOT_TEST_YT_KEY"},
    "bluesky": {"identifier": "UMOT_TEST_BSKY_ID", "app_password": "UMOT_TEST_BSKY_PASSWORD"},
}


def source_name(index: int, name: str) -> str:
    return f"s{index}-" + re.sub(r"[^A-Za-z0-9]+", "-", Path(name).stem)[:40]


def test_every_real_fixture_crawls_into_the_store(
    site: LocalSite, real_dir: Path, tmp_path: Path, crawl: CrawlFn
) -> None:
    session = json.dumps({"accessJwt": "jwt-abc", "did": "did:plc:acme"}).encode()
    site.route(
        "/xrpc/com.atproto.server.createSession",
        Answer(session, content_type="application/json"),
    )
    bench = [
        json.loads(line)
        for line in (real_dir / "jsonld_bench" / "expected.jsonl").read_text().splitlines()
    ]
    cases = list(COUNTS) + [(f"jsonld_bench/{e['file']}", "jsonld", e["reviews"]) for e in bench]
    sources, expected = [], {}
    for index, (name, spider, count) in enumerate(cases):
        source = {
            "name": source_name(index, name),
            "spider": spider,
            "start_urls": [f"{site.url}/real/{name}"],
            "options": {"filter_keywords": False},
            "credentials": CREDENTIALS.get(spider, {}),
        }
        if spider == "bluesky":
            source["options"] = {"filter_keywords": False, "service": site.url}
        sources.append(source)
        expected[source["name"]] = count
    # An RSS source filtered by brand keywords keeps only the entries that name the brand.
    feed = "rss/katiefloyd.com_feed.rss"
    sources.append(
        {
            "name": "rss-filtered",
            "spider": "rss",
            "brand": "Relay",
            "start_urls": [f"{site.url}/real/{feed}"],
        }
    )
    pattern = re.compile(r"(?<!\w)relay fm(?!\w)", re.I)
    on_topic = [
        m for m in extract(real_dir / feed, "rss") if pattern.search(f"{m.title}\n{m.text}")
    ]
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        brands=[{"name": "Relay", "keywords": ["relay fm"]}],
        sources=sources,
        crawler={"max_pages": 1, "concurrency": 16},
    )
    results = crawl(config, env=SECRETS, timeout=300)

    stored = Stored(tmp_path / "umot.db")
    try:
        for name, count in expected.items():
            result = results[name]
            assert result["status"] == "ok", result
            assert result["new"] == count, name
            assert len(stored.mentions(name)) == count, name
        filtered = results["rss-filtered"]
        assert 0 < len(on_topic) < 20
        assert filtered["new"] == len(on_topic)
        assert filtered["dropped"] == {"OffTopic": 20 - len(on_topic)}
        assert all(m.brand_id is not None for m in stored.mentions("rss-filtered"))
    finally:
        stored.close()

    # Secrets travel in headers (never in URLs, which get logged).
    reddit = site.hits_for("/real/reddit/search_posts_limit2.json")
    assert reddit and reddit[0].headers["Authorization"] == "bearer reddit-token-1"
    youtube = site.hits_for("/real/youtube/commentThreads_videoId_F1UP7wRCPH8_page1.json")
    assert youtube and youtube[0].headers["X-Goog-Api-Key"] == "yt-key-1"
    assert all("yt-key-1" not in hit.path for hit in site.hits)
    bluesky = site.hits_for("/real/bluesky/app.bsky.feed.searchPosts.json")
    assert bluesky and bluesky[0].headers["Authorization"] == "Bearer jwt-abc"
    log = (tmp_path / "crawl.log").read_text()
    assert all(secret not in log for secret in SECRETS.values())
