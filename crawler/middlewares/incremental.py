"""Incremental crawling: stop paginating once a listing page holds only known mentions.

After the first crawl, a listing's newest mentions come first; a page whose mentions are all in
the store means the rest of the listing is known too. The items still go on to the pipelines
(their engagement counters are refreshed); only the page's pagination requests are dropped.

That holds only when the previous crawl of the source got through the listing: a crawl killed
after page 1 stored page 1 but never saw page 2, and stopping at page 1 again would miss page 2
for good. So the stop is used only when the source's previous run ended `ok`; after an
`interrupted`, `failed`, `partial`, `blocked` … run (or a run still marked `running`: killed, or
another process crawling the source right now) or none at all, the crawl goes through in full.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from copy import copy
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Request, Response
from sqlalchemy.engine import Engine

from crawler.items import Mention
from crawler.pipelines.brands import BrandPipeline
from crawler.pipelines.validate import validate

logger = logging.getLogger(__name__)


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, engine: Engine, source_id: int) -> None:
        self.crawler = crawler
        self.engine = engine
        self.source_id = source_id
        # Items the pipelines will drop are never stored, so they can never be "known":
        # only mentions that would be stored decide.
        self.brands = BrandPipeline.from_crawler(crawler)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self) -> None:
        self.engine.dispose()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("UMOT_DATABASE_URL")
        source_id = crawler.settings.get("UMOT_SOURCE_ID")
        if not url or source_id is None or crawler.settings.getbool("UMOT_FULL_CRAWL"):
            raise NotConfigured("no database or source: every page is crawled")
        from store.db import make_engine

        engine = make_engine(url)
        source = crawler.settings.get("UMOT_SOURCE_NAME") or f"#{source_id}"
        why, level = full_crawl_reason(engine, int(source_id))
        if why is not None:
            engine.dispose()
            logger.log(
                level,
                "source %s: crawling every page, no incremental stop: %s",
                source,
                why,
                extra={"spider": crawler.spider},
            )
            raise NotConfigured  # no message: Scrapy would log a second, vaguer warning
        return cls(crawler, engine, int(source_id))

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        return self._filter(response, list(result))

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        for output in self._filter(response, [o async for o in result]):
            yield output

    def _filter(self, response: Response, outputs: list[Any]) -> list[Any]:
        ids = [o.external_id for o in outputs if isinstance(o, Mention) and self._storable(o)]
        pagination = [o for o in outputs if isinstance(o, Request) and o.meta.get("pagination")]
        if not ids or not pagination or not self._all_known(ids):
            return outputs
        logger.info(
            "%s: all %d mentions already stored; not paginating further", response.url, len(ids)
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("umot/incremental_stop")
        return [o for o in outputs if not (isinstance(o, Request) and o.meta.get("pagination"))]

    def _storable(self, item: Mention) -> bool:
        try:
            validate(item)
            self.brands.process_item(copy(item))
        except DropItem:
            return False
        return bool(item.external_id)

    def _all_known(self, ids: list[str]) -> bool:
        from store.db import session_scope
        from store.mentions import known_external_ids

        wanted = set(ids)
        with session_scope(self.engine) as session:
            known = known_external_ids(session, source_id=self.source_id, external_ids=wanted)
        return known >= wanted


def full_crawl_reason(engine: Engine, source_id: int) -> tuple[str | None, int]:
    """Why this crawl of the source may not stop early (None: the previous crawl ended ok), and
    how loud to say so: a warning after a run that went wrong, info otherwise.

    Called before this crawl opens its own run, so the latest run is the previous one. Several
    processes sharing a crawl (`crawler.redis_url`) each have a run: the runs that were still
    open when the previous one started (killed ones are closed at that very time, see
    `store.runs.start_run`) belong to the same crawl and must have ended ok too.
    """
    from sqlmodel import col, select

    from store.db import session_scope
    from store.models import CrawlRun

    with session_scope(engine) as session:
        runs = list(
            session.exec(
                select(CrawlRun)
                .where(CrawlRun.source_id == source_id)
                .order_by(col(CrawlRun.id).desc())
                .limit(50)
            )
        )
    if not runs:
        return "no previous run", logging.INFO
    previous = runs[0]
    if previous.status == "running":
        why = f"the previous run #{previous.id} is still marked running (killed, or crawling now)"
        return why, logging.INFO
    if previous.status != "ok":
        return f"the previous run #{previous.id} ended {previous.status}", logging.WARNING
    for run in runs[1:]:
        open_then = run.finished_at is None or run.finished_at >= previous.started_at
        if open_then and run.status != "ok":
            why = (
                f"run #{run.id}, open when the previous run #{previous.id} started, "
                f"ended {run.status}"
            )
            return why, logging.WARNING
    return None, logging.INFO
