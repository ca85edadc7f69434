"""The demo server over real HTTP: every source's endpoint answers in its format, pagination
ends, the real spiders parse what it serves (`umot extract`), and a real `umot crawl` of the
demo stores exactly the mentions the world holds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest

from core.config import SPIDERS, Config, SourceConfig
from demo import DEMO_ENV, DemoWorld, build_world, serve_demo, write_demo_config
from demo.formats.common import matches
from tests.support.demo import assert_demo_runs

REPO = Path(__file__).resolve().parents[2]
MAX_PAGES = 100
AUTH = {
    "reddit": {"Authorization": f"bearer {DEMO_ENV['UMOT_DEMO_REDDIT_TOKEN']}"},
    "youtube": {"X-Goog-Api-Key": DEMO_ENV["UMOT_DEMO_YOUTUBE_KEY"]},
}


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> Fetched:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read())


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return build_world()


@pytest.fixture(scope="module")
def demo(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Config]:
    directory = tmp_path_factory.mktemp("demo")
    saved = os.environ.pop("UMOT_DATABASE_URL", None)
    try:
        with serve_demo(world) as base:
            yield write_demo_config(directory, base)
    finally:
        if saved is not None:
            os.environ["UMOT_DATABASE_URL"] = saved


# -- a minimal client per source: the ids on one page, and the next page -------------------


def page_ids(spider: str, page: Fetched) -> list[str]:
    """Native ids of the items with text on a page, read the way each format is defined."""
    if spider == "jsonld":
        ids = []
        for block in re.findall(rb'<script type="application/ld\+json">(.*?)</script>', page.body):
            try:
                data = json.loads(block)
            except ValueError:
                continue  # the deliberately malformed page
            for review in data.get("review", []):
                if review.get("reviewBody"):
                    ids.append(review["@id"].split("#review-")[1])
        return ids
    if spider == "trustpilot":
        return [r["id"] for r in _next_data(page)["reviews"] if r["text"]]
    if spider == "appstore":
        entries = page.json()["feed"].get("entry", [])
        return [e["id"]["label"] for e in entries if e["content"]["label"]]
    if spider == "reddit":
        data = page.json()
        listings = data[1:] if isinstance(data, list) else [data]
        return [c["data"]["id"] for lst in listings for c in lst["data"]["children"]]
    if spider == "hackernews":
        return [h["objectID"] for h in page.json()["hits"]]
    if spider == "mastodon":
        return [s["id"] for s in page.json()]
    if spider == "bluesky":
        posts = page.json()["posts"]
        return [p["uri"].rsplit("/", 1)[1] for p in posts if p["record"]["text"]]
    if spider == "rss":
        feed = feedparser.parse(page.body)
        return [re.split(r"\?p=|topic-", e.id)[-1] for e in feed.entries]
    assert spider == "youtube"
    return [t["id"] for t in page.json()["items"]]


def _next_data(page: Fetched) -> dict:
    match = re.search(
        rb'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', page.body, re.S
    )
    assert match, "no __NEXT_DATA__"
    return json.loads(match.group(1))["props"]["pageProps"]


def next_url(spider: str, url: str, page: Fetched) -> str | None:
    if spider == "jsonld":
        found = re.search(rb'<link rel="next" href="([^"]+)"', page.body)
        return urljoin(url, found.group(1).decode()) if found else None
    if spider == "trustpilot":
        pagination = _next_data(page)["filters"]["pagination"]
        current, total = pagination["currentPage"], pagination["totalPages"]
        return f"{url.split('?')[0]}?page={current + 1}" if current < total else None
    if spider == "appstore":
        links = page.json()["feed"]["link"]
        nxt = [lnk["attributes"]["href"] for lnk in links if lnk["attributes"]["rel"] == "next"]
        return nxt[0].split("?")[0].removesuffix("/xml") + "/json" if nxt else None
    if spider == "reddit":
        after = page.json()["data"]["after"]
        return f"{_strip(url, 'after')}&after={after}" if after else None
    if spider == "hackernews":
        data = page.json()
        more = data["page"] + 1 < data["nbPages"]
        return f"{_strip(url, 'page')}&page={data['page'] + 1}" if more else None
    if spider == "mastodon":
        found = re.search(r'<([^>]+)>; rel="next"', page.headers.get("Link", ""))
        return found.group(1) if found else None
    if spider == "bluesky":
        cursor = page.json().get("cursor")
        return f"{_strip(url, 'cursor')}&cursor={cursor}" if cursor else None
    if spider == "youtube":
        token = page.json().get("nextPageToken")
        return f"{_strip(url, 'pageToken')}&pageToken={token}" if token else None
    return None


def _strip(url: str, name: str) -> str:
    return re.sub(rf"&{name}=[^&]*", "", url)


def start_urls(source: SourceConfig) -> list[str]:
    if source.start_urls:
        return list(source.start_urls)
    from crawler.spiders import spider_class

    return spider_class(source.spider)(options=source.options).default_start_urls()


def headers_for(source: SourceConfig, base: str) -> dict[str, str]:
    if source.spider == "bluesky":
        login = json.dumps({"identifier": "demo", "password": "x"}).encode()
        session = fetch(f"{base}/xrpc/com.atproto.server.createSession", data=login)
        assert session.status == 200
        return {"Authorization": f"Bearer {session.json()['accessJwt']}"}
    return AUTH.get(source.spider, {})


def walk(source: SourceConfig, base: str) -> tuple[int, list[str]]:
    """Follow a source's pagination to the end: (pages fetched, native ids seen)."""
    headers = headers_for(source, base)
    pages, ids = 0, []
    for url in start_urls(source):
        while url:
            page = fetch(url, headers)
            assert page.status == 200, (url, page.status, page.body[:200])
            pages += 1
            assert pages <= MAX_PAGES, f"{source.name}: pagination does not end"
            found = page_ids(source.spider, page)
            ids += found
            if source.spider == "reddit":
                for post in page.json()["data"]["children"]:
                    thread = fetch(f"{base}/comments/{post['data']['id']}.json", headers)
                    ids += page_ids("reddit", thread)
            url = next_url(source.spider, url, page) if found else None
    return pages, ids


def expected_ids(world: DemoWorld, source: SourceConfig) -> Counter[str]:
    """What a source finds in the world: its listings, or what its query matches."""
    if source.spider == "reddit":
        query = source.options["query"]
        posts = {
            m.native_id
            for m in world.spider("reddit")
            if m.kind == "post" and matches(query, m.title, m.text)
        }
        found = [m for m in world.spider("reddit") if m.native_id in posts or m.parent in posts]
    elif source.spider in ("hackernews", "bluesky", "mastodon"):
        found = world.spider(source.spider)
    else:
        prefix = {
            "jsonld": "jsonld:",
            "trustpilot": "trustpilot:",
            "appstore": "appstore:",
            "youtube": "youtube:",
            "rss": "rss:",
        }[source.spider]
        keys = _channels_of(source)
        found = [m for m in world.mentions if m.channel.startswith(prefix) and m.channel in keys]
    ids = Counter(m.native_id for m in found if m.text)
    if source.spider == "rss":
        ids.update(f"u{i}" for i in range(6))  # the blog's posts that name no brand
    return ids


def _channels_of(source: SourceConfig) -> set[str]:
    from demo.story import CHANNELS

    brand = source.brand or ""
    if source.spider == "jsonld":
        return {
            f"jsonld:{u.split('/shop/')[1].replace('/products/', '/')}" for u in source.start_urls
        }
    if source.spider == "rss":
        return {"rss:trail-notes", "rss:gear-forum"}
    return {c.key for c in CHANNELS if c.spider == source.spider and c.brand == brand}


# -- tests ----------------------------------------------------------------------------------


def test_robots_and_index(demo: Config) -> None:
    base = demo.sources[0].start_urls[0].split("/shop/")[0]
    robots = fetch(f"{base}/robots.txt")
    assert robots.status == 200 and b"User-agent: *" in robots.body
    assert fetch(f"{base}/").status == 200
    assert fetch(f"{base}/no/such/page").status == 404


def test_every_source_paginates_to_the_end_and_serves_the_whole_world(
    demo: Config, world: DemoWorld
) -> None:
    base = demo.sources[0].start_urls[0].split("/shop/")[0]
    for source in demo.sources:
        pages, ids = walk(source, base)
        assert Counter(ids) == expected_ids(world, source), source.name
        assert pages >= 1


def test_sources_that_want_credentials_refuse_anonymous_clients(demo: Config) -> None:
    base = demo.sources[0].start_urls[0].split("/shop/")[0]
    assert fetch(f"{base}/search.json?q=northwind").status == 403
    assert fetch(f"{base}/xrpc/app.bsky.feed.searchPosts?q=northwind").status == 401
    no_key = fetch(f"{base}/youtube/v3/commentThreads?part=snippet&videoId=Tq7vN3wUxJ4")
    assert no_key.status == 403 and "API key" in no_key.json()["error"]["message"]
    bad_login = fetch(f"{base}/xrpc/com.atproto.server.createSession", data=b'{"identifier":"x"}')
    assert bad_login.status == 401


def test_malformed_page_is_served_as_such(demo: Config) -> None:
    base = demo.sources[0].start_urls[0].split("/shop/")[0]
    page = fetch(f"{base}/shop/northwind/products/gift-card")
    block = re.search(rb'<script type="application/ld\+json">(.*?)</script>', page.body)
    assert page.status == 200 and block
    with pytest.raises(ValueError):
        json.loads(block.group(1))


def _extract(tmp_path: Path, spider: str, url: str, body: bytes) -> list[dict]:
    saved = tmp_path / f"{spider}.page"
    saved.write_bytes(body)
    result = subprocess.run(
        [sys.executable, "-m", "umot", "extract", str(saved), "--spider", spider, "--url", url],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _native(spider: str, external_id: str) -> str:
    if spider == "jsonld":
        return external_id.split("#review-")[1]
    if spider in ("bluesky", "mastodon"):
        return external_id.rsplit("/", 1)[1]
    if spider == "reddit":
        return external_id.split("_", 1)[1]
    if spider == "rss":
        return re.split(r"\?p=|topic-", external_id)[-1]
    return external_id


@pytest.mark.parametrize("spider", SPIDERS)
def test_the_real_spider_parses_a_demo_page(
    spider: str, demo: Config, world: DemoWorld, tmp_path: Path
) -> None:
    """`umot extract` on one saved page per kind finds exactly what the demo generated."""
    source = next(s for s in demo.sources if s.spider == spider)
    base = demo.sources[0].start_urls[0].split("/shop/")[0]
    url = start_urls(source)[0]
    page = fetch(url, headers_for(source, base))
    assert page.status == 200
    mentions = _extract(tmp_path, spider, url, page.body)
    on_page = page_ids(spider, page)
    assert len(on_page) >= 10
    defects = {m.native_id for m in world.mentions if m.defect == "missing_text"}
    assert len(mentions) == len(on_page) + sum(1 for i in _all_ids(spider, page) if i in defects)
    by_id = {m.native_id: m for m in world.mentions}
    for extracted in mentions:
        generated = by_id.get(_native(spider, extracted["external_id"]))
        if generated is None:  # an RSS post that names no brand
            assert spider == "rss"
            continue
        assert (extracted["text"] or "") == generated.text
        assert extracted["kind"] == generated.kind
        if generated.defect != "bad_timestamp":
            assert extracted["published_at"][:10] == generated.published_at.date().isoformat()
        if generated.rating is not None:
            assert extracted["rating"] == generated.rating


def _all_ids(spider: str, page: Fetched) -> list[str]:
    """Ids of every item on a page, text or not (the bad records included)."""
    if spider == "trustpilot":
        return [r["id"] for r in _next_data(page)["reviews"]]
    if spider == "appstore":
        return [e["id"]["label"] for e in page.json()["feed"].get("entry", [])]
    if spider == "bluesky":
        return [p["uri"].rsplit("/", 1)[1] for p in page.json()["posts"]]
    return page_ids(spider, page)


def test_umot_crawl_of_the_demo_stores_every_valid_mention(demo: Config, world: DemoWorld) -> None:
    """The real spiders and pipelines over HTTP: every source ok, counts as generated."""
    env = {**os.environ, **DEMO_ENV}
    env.pop("UMOT_DATABASE_URL", None)
    config = str(demo.path)
    crawl = subprocess.run(
        [sys.executable, "-m", "umot", "--config", config, "crawl"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert crawl.returncode == 0, crawl.stdout[-3000:] + crawl.stderr[-3000:]
    status = subprocess.run(
        [sys.executable, "-m", "umot", "--config", config, "status", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    summary = json.loads(status.stdout)
    assert_demo_runs(summary["runs"])
    bad = {m.native_id for m in world.mentions if m.defect}
    expected: Counter[str] = Counter()
    for source in demo.sources:
        found = expected_ids(world, source)
        kept = [i for i in found if i not in bad and not re.fullmatch(r"u\d", i)]
        expected[source.spider] += len(kept)
    assert summary["mentions"]["by_spider"] == dict(expected)
