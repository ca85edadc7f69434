"""Run configured sources in one process (Scrapy's AsyncCrawlerProcess).

Each source is its own crawler with its own settings; they run side by side, and one failing
source never stops the others. Every run is a CrawlRun row: the store pipeline writes it for a
crawl that started; this module writes it for a source that could not start (bad options).

Scrapy's reactor starts once per process: call ``run_sources`` once per process (the CLI does).
Where the log goes is the caller's choice (`crawler.logs`); each result counts the warnings and
errors its source logged either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy.engine import Engine

from core.config import Config, SourceConfig
from crawler.logs import (
    SOURCE_EXTRA,
    LogCounter,
    LogOptions,
    scrapy_log_settings,
    stderr_beside_file,
)
from crawler.outcome import pages_crawled
from crawler.plan import plan_source, with_settings
from crawler.spiders import UnknownSpider
from crawler.spiders.base import SpiderArgumentError
from crawler.stopping import StoppableCrawlerProcess
from store.catalog import Catalog, sync_configured_catalog
from store.db import ensure_schema, make_engine, session_scope
from store.models import CrawlRun
from store.runs import finish_run, start_run

logger = logging.getLogger(__name__)


@dataclass
class SourceResult:
    """One source's run, as the summary table shows it."""

    source: str
    spider: str
    status: str = "running"
    pages: int = 0
    new: int = 0
    updated: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    run_id: int | None = None
    items: int = 0
    warnings: int = 0
    errors: int = 0


Progress = Callable[[list[SourceResult]], None]


def select_sources(config: Config, names: Iterable[str] | None) -> list[SourceConfig]:
    wanted = list(names or [])
    if not wanted:
        return list(config.sources)
    return [config.source(name) for name in wanted]  # ConfigError names an unknown source


def run_sources(
    config: Config,
    names: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    log: LogOptions | None = None,
    counter: LogCounter | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> list[SourceResult]:
    """Crawl the named sources (all when none) side by side; one SourceResult per source.

    ``progress`` is called about twice a second with the live results; ``log`` says where the
    log goes (default: WARNING and up on stderr); ``counter`` counts the warnings and errors
    (pass one to read those no source could be named for); ``extra_settings`` override Scrapy
    settings for every source (benches, tests).
    """
    log = log or LogOptions()
    counter = counter or LogCounter()
    sources = select_sources(config, names)
    engine = make_engine(config.database.url)
    ensure_schema(engine)
    with session_scope(engine, write=True) as session:
        catalog = sync_configured_catalog(session, config)
    process = StoppableCrawlerProcess(
        {
            **scrapy_log_settings(log),
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
        }
    )
    with counter, stderr_beside_file(log):
        results, crawlers = _crawl_all(config, process, engine, catalog, sources, extra_settings)
        if crawlers:
            ticker = _start_ticker(results, crawlers, progress) if progress else None
            process.start(install_signal_handlers=True)
            if ticker is not None and ticker.running:
                ticker.stop()
        _collect(engine, results, crawlers, interrupted=process.stopped_by_signal)
    for result in results:
        result.warnings, result.errors = (
            counter.warnings[result.source],
            counter.errors[result.source],
        )
    if progress:
        progress(results)
    engine.dispose()
    return results


def _crawl_all(
    config: Config,
    process: StoppableCrawlerProcess,
    engine: Engine,
    catalog: Catalog,
    sources: list[SourceConfig],
    extra_settings: dict[str, Any] | None,
) -> tuple[list[SourceResult], dict[str, Crawler]]:
    """Schedule a crawl per source; a source that cannot start is a failed run at once."""
    results: list[SourceResult] = []
    crawlers: dict[str, Crawler] = {}
    for source in sources:
        result = SourceResult(source=source.name, spider=source.spider)
        results.append(result)
        try:
            spidercls, kwargs, settings = plan_source(config, catalog, source, extra_settings)
        except (SpiderArgumentError, UnknownSpider, LookupError) as exc:
            _record_failure(engine, catalog.sources[source.name], result, str(exc))
            continue
        crawler = process.create_crawler(with_settings(spidercls, source.name, settings))
        crawlers[source.name] = crawler
        running = process.crawl(crawler, **kwargs)
        source_id = catalog.sources[source.name]
        running.add_done_callback(
            lambda task, s=source_id, r=result, c=crawler: _crawl_done(task, engine, s, r, c)
        )
    return results, crawlers


def _record_failure(engine: Engine, source_id: int, result: SourceResult, error: str) -> None:
    with session_scope(engine, write=True) as session:
        run = start_run(session, source_id=source_id)
        finish_run(session, run_id=run.id, status="failed", error=error)  # type: ignore[arg-type]
        result.run_id = run.id
    result.status, result.error = "failed", error
    logger.error("source %s: %s", result.source, error, extra={SOURCE_EXTRA: result.source})


def _crawl_done(
    task: Any, engine: Engine, source_id: int, result: SourceResult, crawler: Crawler
) -> None:
    """A crawl that raised (spider init, a component failing to open) is a failed run."""
    if task.cancelled() or task.exception() is None:
        return
    exc = task.exception()
    error = f"{type(exc).__name__}: {exc}"
    run_id = crawler.stats.get_value("umot/run_id") if crawler.stats is not None else None
    if run_id is None:
        _record_failure(engine, source_id, result, error)
        return
    with session_scope(engine, write=True) as session:
        run = session.get(CrawlRun, run_id)
        if run is not None and run.status == "running":
            finish_run(session, run_id=run_id, status="failed", error=error)
    logger.error(
        "source %s failed: %s",
        result.source,
        error,
        extra={SOURCE_EXTRA: result.source},
        exc_info=exc,
    )


def _start_ticker(
    results: list[SourceResult], crawlers: dict[str, Crawler], progress: Progress
) -> Any:
    from twisted.internet import task

    def tick() -> None:
        for result in results:
            crawler = crawlers.get(result.source)
            if crawler is None or crawler.stats is None:
                continue
            stats = crawler.stats.get_stats()
            result.pages = pages_crawled(stats)
            result.items = int(stats.get("item_scraped_count", 0))
        progress(results)

    ticker = task.LoopingCall(tick)
    ticker.start(0.5, now=False)
    return ticker


def _collect(
    engine: Engine,
    results: list[SourceResult],
    crawlers: dict[str, Crawler],
    *,
    interrupted: bool = False,
) -> None:
    """Fill each result from its CrawlRun row (the record of truth)."""
    with session_scope(engine, write=True) as session:
        for result in results:
            crawler = crawlers.get(result.source)
            if crawler is not None and crawler.stats is not None:
                result.run_id = crawler.stats.get_value("umot/run_id", result.run_id)
                result.items = int(crawler.stats.get_value("item_scraped_count", 0))
            run = session.get(CrawlRun, result.run_id) if result.run_id is not None else None
            if run is None:
                continue
            if run.status == "running" and interrupted:  # stopped before its spider closed
                finish_run(
                    session,
                    run_id=run.id,  # type: ignore[arg-type]
                    status="interrupted",
                    pages=result.pages,
                    error="stopped before the run finished",
                )
            elif run.status == "running":  # the crawl died without closing: say so
                finish_run(
                    session,
                    run_id=run.id,  # type: ignore[arg-type]
                    status="failed",
                    error=result.error or "the crawl ended without closing",
                )
            result.status = run.status
            result.pages = run.pages
            result.new = run.new
            result.updated = run.updated
            result.dropped = dict(run.drop_reasons or {})
            result.error = run.error
