"""Batch-upsert mentions through `store.mentions`; open and close the run's CrawlRun row.

The run is opened when the spider opens and finished on `spider_closed`, where the close reason
is known (blocked, needs_credentials, finished …) and the stats are complete.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler.drops import drop_reasons
from crawler.items import Mention
from crawler.outcome import pages_crawled, run_status
from store import rollups
from store.db import make_engine, session_scope
from store.mentions import upsert_many
from store.models import max_lengths
from store.runs import finish_run, start_run
from store.schemas import MentionIn

logger = logging.getLogger(__name__)


# Stored batches between two folds of the rollup journal (store.rollups).
FOLD_EVERY = 20


class StorePipeline:
    def __init__(self, crawler: Crawler, database_url: str, source_id: int, batch: int) -> None:
        self.crawler = crawler
        self.engine = make_engine(database_url)
        self.source_id = source_id
        self.batch_size = batch
        self.flushes = 0
        self.buffer: list[MentionIn] = []
        self.run_id: int | None = None
        self.new = 0
        self.updated = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        url, source_id = settings.get("UMOT_DATABASE_URL"), settings.get("UMOT_SOURCE_ID")
        if not url or source_id is None:
            raise NotConfigured("UMOT_DATABASE_URL and UMOT_SOURCE_ID are needed to store")
        return cls(crawler, url, int(source_id), settings.getint("UMOT_STORE_BATCH", 500))

    def open_spider(self) -> None:
        with session_scope(self.engine, write=True) as session:
            self.run_id = start_run(session, source_id=self.source_id).id
        self._stats_set("umot/run_id", self.run_id)

    def process_item(self, item: Mention) -> Mention:
        self.buffer.append(to_mention_in(item))
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        try:
            with session_scope(self.engine, write=True) as session:
                result = upsert_many(
                    session, source_id=self.source_id, items=batch, run_id=self.run_id
                )
        except SQLAlchemyError as exc:
            logger.error(
                "could not store %d mentions: %s",
                len(batch),
                exc,
                extra={"spider": self.crawler.spider},
            )
            self._stats_inc("umot/store_errors")
            return
        self.flushes += 1
        if self.flushes % FOLD_EVERY == 0:
            self._fold()
        self.new += result.new
        self.updated += result.updated
        self._stats_inc("umot/stored", len(batch))
        self._stats_set("umot/new", self.new)
        self._stats_set("umot/updated", self.updated)

    def _fold(self) -> None:
        """Move the stored batches' rollup changes out of the journal (store.rollups)."""
        try:
            with self.engine.connect() as conn:
                rollups.fold(conn)
        except SQLAlchemyError as exc:  # the journal keeps them; the next fold moves them
            logger.warning("could not fold rollups: %s", exc, extra={"spider": self.crawler.spider})

    def spider_closed(self, spider: object, reason: str) -> None:
        if self.run_id is None:
            return
        self.flush()
        self._fold()
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        status, error = run_status(reason, stats, getattr(spider, "close_error", None))
        with session_scope(self.engine, write=True) as session:
            finish_run(
                session,
                run_id=self.run_id,
                status=status,
                pages=pages_crawled(stats),
                new=self.new,
                updated=self.updated,
                drop_reasons=drop_reasons(stats),
                error=error,
            )
        self._stats_set("umot/status", status)
        self.engine.dispose()

    def _stats_inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _stats_set(self, key: str, value: object) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)


# Widths of the mention's columns (store.models.MentionBase): longer values are shortened, not
# lost with their whole batch on a database that enforces them. An external id is hashed instead:
# cut, two ids sharing a long prefix would become one mention.
_MAX_EXTERNAL_ID = max_lengths(MentionIn)["external_id"]
_WIDTHS = {name: width for name, width in max_lengths(MentionIn).items() if name != "external_id"}


def to_mention_in(item: Mention) -> MentionIn:
    """The store's input from a validated item: its fields by name, fitted to the columns."""
    values = {name: getattr(item, name) for name in MentionIn.model_fields}
    external_id = str(item.external_id)
    if len(external_id) > _MAX_EXTERNAL_ID:
        external_id = "sha1:" + hashlib.sha1(external_id.encode("utf-8")).hexdigest()
    values["external_id"] = external_id
    values["text"] = item.text or ""
    values["kind"] = item.kind or "post"
    for name, width in _WIDTHS.items():
        if values[name] is not None:
            values[name] = values[name][:width] or None  # an empty value is a missing one
    return MentionIn(**values)
