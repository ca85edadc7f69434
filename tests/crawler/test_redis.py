"""scrapy-redis wiring: with `crawler.redis_url` crawls go through a real Redis queue, and two
crawl processes of one source share its queue and duplicate filter."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from core.config import load_config
from demo.site import ROBOTS, Answer, Hit, LocalSite
from store.catalog import sync_configured_catalog
from store.db import make_engine, session_scope, upgrade
from tests.crawler.conftest import CrawlFn, finish_crawl, start_crawl, write_config
from tests.crawler.db import Stored
from tests.crawler.pages import review, shop_page

pytestmark = pytest.mark.redis


def test_crawl_and_recrawl_through_redis(
    site: LocalSite, tmp_path: Path, crawl: CrawlFn, redis_url: str
) -> None:
    first = site.route("/a.html", Answer(shop_page([review(1), review(2)], "/b.html")))
    site.route("/b.html", Answer(shop_page([review(3)])))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "shop", "spider": "jsonld", "start_urls": [first]}],
        crawler={"redis_url": redis_url},
    )
    result = crawl(config)["shop"]
    assert (result["status"], result["pages"], result["new"]) == ("ok", 2, 3)
    again = crawl(config)["shop"]  # nothing persisted in Redis: the re-crawl fetches again
    assert (again["status"], again["pages"], again["new"]) == ("ok", 1, 0)
    log = (tmp_path / "crawl.log").read_text()
    assert "crawler.scheduler.SharedScheduler" in log
    assert "starting a new shared crawl" in log
    assert redis.Redis.from_url(redis_url).keys("umot:shop:*") == []


LISTINGS = 12  # start URLs of the one source
PAGES = 3  # pages per listing (page 1 links page 2, page 2 links page 3)
PER_PAGE = 2  # reviews per page


def _listing_page(listing: int, page: int) -> bytes:
    reviews = [
        {
            "author": f"Customer {listing}-{page}-{k}",
            "date": "2024-05-01",
            "text": f"Listing {listing}, page {page}, review {k}: the acme shirt fits well.",
            "rating": 4,
        }
        for k in range(PER_PAGE)
    ]
    next_url = f"/shop/{listing}/{page + 1}.html" if page < PAGES else None
    return shop_page(reviews, next_url)


# Pages are held back until both crawl processes are there (below), for up to HOLD_SECONDS.
# The downloads' timeout must outlast that hold: with the suite's usual 2 s, a loaded machine
# that starts the second process 2 s late made the first one time out and fetch its held
# pages again, which the test then read as a page fetched twice.
HOLD_SECONDS = 60
SHARED_CRAWLER = {"concurrency": 2, "timeout": HOLD_SECONDS + 30}


def _serve_shared_site(site: LocalSite, delay: float = 0.05) -> tuple[list[str], threading.Event]:
    """Routes for LISTINGS paginated listings; pages wait until both crawlers are there.

    Each crawl process fetches robots.txt once, before its first page: pages are held back
    until robots.txt has been asked for twice, so one process cannot finish the whole site
    while the other is still starting.
    """
    both_started = threading.Event()
    robots_served = Counter[str]()
    lock = threading.Lock()

    def robots(hit: Hit) -> Answer:
        with lock:
            robots_served["robots"] += 1
            if robots_served["robots"] >= 2:
                both_started.set()
        return Answer(ROBOTS, content_type="text/plain")

    def page(body: bytes) -> object:
        def answer(hit: Hit) -> Answer:
            both_started.wait(timeout=HOLD_SECONDS)
            return Answer(body, delay=delay)

        return answer

    site.route("/robots.txt", robots)
    starts = []
    for listing in range(LISTINGS):
        for number in range(1, PAGES + 1):
            url = site.route(f"/shop/{listing}/{number}.html", page(_listing_page(listing, number)))
            if number == 1:
                starts.append(url)
    return starts, both_started


ALL_PAGES = {f"/shop/{n}/{p}.html" for n in range(LISTINGS) for p in range(1, PAGES + 1)}
TOTAL = LISTINGS * PAGES * PER_PAGE


def _prepare(config: Path) -> None:
    """The schema and catalogue exist before the workers start (`umot db upgrade` on a team
    database), as they do when crawl machines join an existing deployment."""
    loaded = load_config(config)
    engine = make_engine(loaded.database.url)
    upgrade(engine)
    with session_scope(engine) as session:
        sync_configured_catalog(session, loaded)
    engine.dispose()


def _check_site_and_store(site: LocalSite, database: Path | str, redis_url: str) -> list[str]:
    """Every page fetched exactly once, every mention stored once; the runs' statuses."""
    served = Counter(hit.path for hit in site.hits if hit.path != "/robots.txt")
    twice = sorted(path for path, count in served.items() if count > 1)
    assert twice == [], f"fetched more than once: {twice}"
    assert set(served) == ALL_PAGES, f"never fetched: {sorted(ALL_PAGES - set(served))}"
    stored = Stored(database)
    try:
        mentions = stored.mentions("shop")
        runs = stored.runs("shop")
    finally:
        stored.close()
    assert len(mentions) == TOTAL
    assert len({m.external_id for m in mentions}) == TOTAL
    assert sorted(m.text for m in mentions) == sorted(
        f"Listing {n}, page {p}, review {k}: the acme shirt fits well."
        for n in range(LISTINGS)
        for p in range(1, PAGES + 1)
        for k in range(PER_PAGE)
    )
    # The last process to leave cleared the shared keys: the next crawl starts afresh.
    assert redis.Redis.from_url(redis_url).keys("umot:shop:*") == []
    return [r.status for r in runs]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_two_crawl_processes_share_one_redis(
    site: LocalSite, tmp_path: Path, redis_url: str, backend: str, request: pytest.FixtureRequest
) -> None:
    """Two `python -m crawler` processes, one source, one site, one database, one Redis:
    every page is fetched once, both processes work, every mention is stored once."""
    database: Path | str = tmp_path / "umot.db"
    if backend == "postgres":
        database = request.getfixturevalue("postgres_url")
    starts, _ = _serve_shared_site(site)
    config = write_config(
        tmp_path / "umot.toml",
        database=database,
        sources=[{"name": "shop", "spider": "jsonld", "brand": "Acme", "start_urls": starts}],
        crawler={"redis_url": redis_url, **SHARED_CRAWLER},
    )
    _prepare(config)
    site.reset_log()
    workers = [start_crawl(config), start_crawl(config)]
    results = [finish_crawl(config, worker, timeout=180)["shop"] for worker in workers]

    assert len(site.hits_for("/robots.txt")) == 2  # one per process: both really crawled
    assert [r["status"] for r in results] == ["ok", "ok"], results
    assert all(r["pages"] >= 1 for r in results), f"a process fetched nothing: {results}"
    assert sum(r["pages"] for r in results) == len(ALL_PAGES)
    assert sum(r["new"] for r in results) == TOTAL
    assert sum(r["updated"] for r in results) == 0
    assert _check_site_and_store(site, database, redis_url) == ["ok", "ok"]
    log = (tmp_path / "crawl.log").read_text()
    assert log.count("starting a new shared crawl") == 1
    assert log.count("joining the shared crawl in progress (1 other process(es))") == 1
    assert log.count("last process of the shared crawl: cleared") == 1
    assert "Traceback" not in log and "WARNING" not in log


def test_a_process_stopped_midway_leaves_its_share_to_the_other(
    site: LocalSite, tmp_path: Path, redis_url: str
) -> None:
    """Ctrl-C on one of two crawl processes: the other still fetches every remaining page
    (the stopped one must not clear the shared queue on its way out)."""
    starts, both_started = _serve_shared_site(site, delay=0.2)
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "shop", "spider": "jsonld", "brand": "Acme", "start_urls": starts}],
        crawler={"redis_url": redis_url, **SHARED_CRAWLER},
    )
    _prepare(config)
    site.reset_log()
    staying, stopped = start_crawl(config), start_crawl(config)
    assert both_started.wait(timeout=60), "the two crawl processes did not both start"
    deadline = time.monotonic() + 30
    while len(site.hits) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    stopped.send_signal(signal.SIGINT)
    interrupted = finish_crawl(config, stopped, timeout=120)["shop"]
    finished = finish_crawl(config, staying, timeout=180)["shop"]

    assert interrupted["status"] == "interrupted"
    assert finished["status"] == "ok"
    assert interrupted["new"] + finished["new"] == TOTAL
    assert sorted(_check_site_and_store(site, tmp_path / "umot.db", redis_url)) == [
        "interrupted",
        "ok",
    ]
