"""Crawl throughput: mentions parsed, validated and stored per second from a loopback server.

Serves Algolia-style Hacker News pages on 127.0.0.1 (unique ids; authors, titles and texts from
a saved real response when ``FIXTURE`` exists, else one fixed text), crawls them with the real
spider and pipelines into a fresh SQLite file (AutoThrottle and download delay off for the
bench only), and prints the figure.

    .venv/bin/python bench/crawl.py [--pages 200] [--per-page 100]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import load_config  # noqa: E402
from crawler.logs import LogOptions  # noqa: E402
from crawler.runner import run_sources  # noqa: E402
from demo.site import Answer, LocalSite  # noqa: E402
from store.db import make_engine  # noqa: E402
from store.mentions import count_mentions  # noqa: E402

FIXTURE = (
    ROOT.parent / "shared" / "fixtures" / "real" / "hackernews" / "algolia_search_show_hn.json"
)
FALLBACK_TEXT = "Show HN: a small tool I built to read what customers say about a product"


def page_body(real_hits: list[dict], listing: int, page: int, pages: int, per_page: int) -> bytes:
    hits = []
    for n in range(per_page):
        real = real_hits[(page * per_page + n) % len(real_hits)] if real_hits else {}
        hits.append(
            {
                "objectID": f"{listing}-{page}-{n}",
                "author": real.get("author", "someone"),
                "title": real.get("title", FALLBACK_TEXT),
                "story_text": real.get("story_text"),
                "points": real.get("points", 1),
                "num_comments": real.get("num_comments", 0),
                "created_at_i": real.get("created_at_i", 1_700_000_000),
                "_tags": ["story"],
            }
        )
    return json.dumps({"hits": hits, "page": page, "nbPages": pages}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=20, help="start URLs (parallel listings)")
    parser.add_argument("--pages", type=int, default=10, help="pages per listing")
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()

    # The site runs in its own process: its work must not count as the crawler's.
    urls_queue: Any = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(
        target=serve, args=(args.listings, args.pages, args.per_page, urls_queue), daemon=True
    )
    server.start()
    base_url = urls_queue.get(timeout=30)
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        urls = ", ".join(f'"{base_url}/hn/{n}/search?query=x"' for n in range(args.listings))
        config_file = Path(tmp) / "umot.toml"
        config_file.write_text(
            f'[database]\nurl = "sqlite:///{database}"\n'
            "[crawler]\nautothrottle = false\ndownload_delay = 0\nconcurrency = 16\n"
            f"max_pages = {args.pages}\n"
            '[[sources]]\nname = "bench"\nspider = "hackernews"\n'
            f"start_urls = [{urls}]\noptions = {{ filter_keywords = false }}\n"
        )
        config = load_config(config_file)
        started, cpu_started = time.perf_counter(), time.process_time()
        results = run_sources(config, log=LogOptions(stderr="ERROR"))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        engine = make_engine(f"sqlite:///{database}")
        from sqlmodel import Session

        with Session(engine) as session:
            stored = count_mentions(session)
        engine.dispose()
    server.terminate()
    result = results[0]
    print(
        f"status {result.status}: {result.pages} pages, {stored} mentions stored "
        f"in {elapsed:.2f} s wall -> {stored / elapsed:.0f} mentions/s "
        f"({result.pages / elapsed:.1f} pages/s); crawler CPU {cpu:.2f} s -> "
        f"{stored / cpu:.0f} mentions per CPU-second"
    )


def serve(listings: int, pages: int, per_page: int, urls_queue: Any) -> None:
    real_hits = json.loads(FIXTURE.read_bytes())["hits"] if FIXTURE.is_file() else []
    bodies = {
        (listing, page): page_body(real_hits, listing, page, pages, per_page)
        for listing in range(listings)
        for page in range(pages)
    }
    site = LocalSite().start()

    def answer(hit: Any) -> Answer:
        listing = int(hit.path.split("/")[2])
        page = int(hit.path.split("page=")[1]) if "page=" in hit.path else 0
        return Answer(bodies[(listing, page)], content_type="application/json")

    for listing in range(listings):
        site.route(f"/hn/{listing}/search", answer)
    urls_queue.put(site.url)
    site.thread.join()


if __name__ == "__main__":
    main()
