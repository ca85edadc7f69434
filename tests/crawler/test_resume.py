"""A crawl stopped midway is resumed in full: the incremental stop trusts only an `ok` run.

A listing of three pages; the first crawl is stopped (SIGINT, as Ctrl-C or a service stop
would) while page 2 is being fetched, so page 1's mentions are stored and the run is
`interrupted`. Page 1 then holds only known mentions, yet the re-run must go on to pages 2 and
3; once a run has ended `ok`, the next one stops at page 1 again.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from crawler.middlewares.incremental import full_crawl_reason
from demo.site import Answer, Hit, LocalSite
from store.catalog import BrandSpec, SourceSpec, sync_catalog
from store.db import session_scope
from store.runs import finish_run, start_run
from tests.crawler.conftest import finish_crawl, run_crawl, start_crawl, write_config
from tests.crawler.db import Stored
from tests.crawler.pages import review, shop_page


def test_interrupted_crawl_is_resumed_in_full_then_incremental_again(
    site: LocalSite, tmp_path: Path
) -> None:
    hold_page_2 = threading.Event()  # set: page 2 answers normally

    def page_2(hit: Hit) -> Answer:
        hold_page_2.wait(timeout=15)  # longer than the crawl's 2 s download timeout
        return Answer(shop_page([review(3), review(4)], "/p3.html"))

    first = site.route("/p1.html", Answer(shop_page([review(1), review(2)], "/p2.html")))
    site.route("/p2.html", page_2)
    site.route("/p3.html", Answer(shop_page([review(5)])))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "shop", "spider": "jsonld", "start_urls": [first]}],
    )

    crawl = start_crawl(config)
    deadline = time.monotonic() + 60
    while not site.hits_for("/p2.html"):
        assert crawl.poll() is None, "the crawl ended before it asked for page 2"
        assert time.monotonic() < deadline, "the crawl never asked for page 2"
        time.sleep(0.02)
    crawl.send_signal(signal.SIGINT)
    stopped = finish_crawl(config, crawl)["shop"]
    hold_page_2.set()
    assert (stopped["status"], stopped["pages"], stopped["new"]) == ("interrupted", 1, 2)

    site.reset_log()
    resumed = run_crawl(config)["shop"]
    assert site.hits_for("/p2.html") and site.hits_for("/p3.html"), "pages 2 and 3 were skipped"
    assert (resumed["status"], resumed["pages"], resumed["new"]) == ("ok", 3, 3)
    log = (tmp_path / "crawl.log").read_text()
    assert "crawling every page, no incremental stop: the previous run #1 ended interrupted" in log

    site.reset_log()
    again = run_crawl(config)["shop"]  # after an ok run, page 1 (all known) ends the crawl
    assert (again["status"], again["pages"], again["new"]) == ("ok", 1, 0)
    assert site.hits_for("/p1.html") and not site.hits_for("/p2.html")

    stored = Stored(tmp_path / "umot.db")
    try:
        assert len(stored.mentions("shop")) == 5
        assert [r.status for r in stored.runs("shop")] == ["interrupted", "ok", "ok"]
    finally:
        stored.close()


def test_no_incremental_stop_after_a_failed_or_partial_run(site: LocalSite, tmp_path: Path) -> None:
    """Page 2 fails (HTTP 500 after retries): the run is partial, and the next run, although
    page 1 is all known, fetches page 2 again instead of stopping."""
    first = site.route("/p1.html", Answer(shop_page([review(1), review(2)], "/p2.html")))
    site.route("/p2.html", Answer(b"down", status=500, content_type="text/plain"))
    config = write_config(
        tmp_path / "umot.toml",
        database=tmp_path / "umot.db",
        sources=[{"name": "shop", "spider": "jsonld", "start_urls": [first]}],
        crawler={"retry_after_cap": 0.1},
    )
    broken = run_crawl(config)["shop"]
    assert (broken["status"], broken["new"]) == ("partial", 2)

    site.route("/p2.html", Answer(shop_page([review(3)])))
    site.reset_log()
    fixed = run_crawl(config)["shop"]
    assert (fixed["status"], fixed["pages"], fixed["new"]) == ("ok", 2, 1)
    assert (
        "no incremental stop: the previous run #1 ended partial"
        in (tmp_path / "crawl.log").read_text()
    )


def _source(engine: Engine) -> int:
    with session_scope(engine) as session:
        catalog = sync_catalog(
            session,
            brands=[BrandSpec(name="Acme", products=())],
            sources=[SourceSpec(name="shop", spider="jsonld", brand="Acme")],
        )
    return catalog.sources["shop"]


def _at(minute: int) -> datetime:
    return datetime(2025, 1, 1, 12, minute, tzinfo=UTC)


def test_which_previous_runs_the_incremental_stop_trusts(sqlite_engine: Engine) -> None:
    engine, source = sqlite_engine, _source(sqlite_engine)

    def reason() -> str | None:
        return full_crawl_reason(engine, source)[0]

    def start(minute: int) -> int:
        with session_scope(engine) as session:
            return int(start_run(session, source_id=source, now=_at(minute)).id)  # type: ignore[arg-type]

    def finish(run: int, status: str, minute: int) -> None:
        with session_scope(engine) as session:
            finish_run(session, run_id=run, status=status, now=_at(minute))

    assert reason() == "no previous run"
    first = start(0)
    assert (
        reason() == f"the previous run #{first} is still marked running (killed, or crawling now)"
    )
    finish(first, "interrupted", 1)
    assert reason() == f"the previous run #{first} ended interrupted"
    second = start(2)  # a run after an interrupted one ...
    finish(second, "ok", 3)
    assert reason() is None  # ... that ended ok is trusted

    # Two processes of one shared crawl: the first is killed (still `running` when the second
    # starts, which marks it interrupted), the second ends ok. The crawl as a whole missed
    # whatever the killed one had in flight: no incremental stop next time.
    killed = start(10)
    alongside = start(11)
    finish(alongside, "ok", 12)
    assert reason() == (
        f"run #{killed}, open when the previous run #{alongside} started, ended interrupted"
    )
    # Two processes that both end ok: trusted.
    one = start(20)
    other = start(21)  # marks `one` interrupted for now; `one` finishes ok after all
    finish(one, "ok", 22)
    finish(other, "ok", 23)
    assert reason() is None
    # One of them ends partial (a page failed after retries): not trusted.
    one = start(30)
    other = start(31)
    finish(other, "ok", 32)
    finish(one, "partial", 33)
    assert reason() == f"run #{one}, open when the previous run #{other} started, ended partial"
