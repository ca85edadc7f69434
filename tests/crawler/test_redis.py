"""scrapy-redis wiring: with `crawler.redis_url` the crawl goes through a real Redis queue."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.conftest import CrawlFn, write_config
from tests.crawler.pages import review, shop_page
from tests.crawler.site import Answer, LocalSite

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


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
    assert "scrapy_redis.scheduler.Scheduler" in (tmp_path / "crawl.log").read_text()
