"""Incremental crawling: stop paginating once a listing page holds only known mentions.

After the first crawl, a listing's newest mentions come first; a page whose mentions are all in
the store means the rest of the listing is known too. The items still go on to the pipelines
(their engagement counters are refreshed); only the page's pagination requests are dropped.
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

        return cls(crawler, make_engine(url), int(source_id))

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
