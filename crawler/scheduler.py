"""One crawl of a source shared by several processes (machines) through Redis (scrapy-redis).

Every process crawling a source with the same `crawler.redis_url` uses the source's request
queue (`umot:<source>:requests`) and duplicate filter (`umot:<source>:dupefilter`): a page is
scheduled once, whichever process pushed it first, and fetched by whichever process pops it.

scrapy-redis alone clears both keys when *any* process closes (``SCHEDULER_PERSIST = False``):
a process that finishes early or is stopped would delete the requests the others still have
to fetch, and a process joining afterwards would fetch everything again. Here each process
holds a lease in `umot:<source>:workers` (a sorted set: worker -> lease expiry, renewed by a
thread every few seconds), and:

- the first process to join when no lease is live starts a new crawl: it clears what a killed
  crawl may have left behind;
- a process that leaves while others are live leaves the queue and filter to them;
- the last one to leave clears them, so the next crawl fetches every page again.

A killed process's lease lapses after ``LEASE_SECONDS``; a crawl started within that time joins
what is left of the killed one (its pending requests are fetched, its in-flight ones are not).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

LEASE_SECONDS = 20.0
RENEW_SECONDS = 4.0
# Leftovers of a crawl whose processes all died are cleared by the next crawl; this bounds
# how long they stay when the source is never crawled again.
LEFTOVER_SECONDS = 24 * 3600

# KEYS: workers, queue, dupefilter. ARGV: worker id, lease (ms), leftover ttl (ms).
# Redis' own clock decides, so the machines' clocks need not agree.
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
JOIN = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local others = redis.call('ZCARD', KEYS[1])
if others == 0 then
  redis.call('DEL', KEYS[2], KEYS[3])
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return others
"""
)
RENEW = (
    _NOW
    + """
local lapsed = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local longest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(longest[2]))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]))
return lapsed
"""
)
LEAVE = (
    _NOW
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local others = redis.call('ZCARD', KEYS[1])
if others == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return others
"""
)


def workers_key(source: str) -> str:
    return f"umot:{source}:workers"


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler, with the queue and filter kept while any process crawls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers_key = workers_key("adhoc")
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._keys: list[str] = []
        self._stop_renewing = threading.Event()
        self._renewer: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance = super().from_crawler(crawler)
        instance.workers_key = crawler.settings.get("UMOT_REDIS_WORKERS_KEY") or workers_key(
            crawler.settings.get("UMOT_SOURCE_NAME") or "adhoc"
        )
        return instance

    # scrapy-redis' open/enqueue/next, without the calls Scrapy now warns about (Spider.log,
    # a `spider` argument to the stats), which would print a warning into every crawl log.
    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self._keys = [self.workers_key, self.queue.key, self.df.key]
        others = int(self.server.eval(JOIN, 3, *self._keys, self.worker, _ms(LEASE_SECONDS), 0))
        if others:
            logger.info(
                "joining the shared crawl in progress (%d other process(es)); queue %s",
                others,
                self.queue.key,
            )
        else:
            logger.info("starting a new shared crawl; queue %s", self.queue.key)
        self._renewer = threading.Thread(
            target=self._renew, name=f"umot-lease-{self.worker}", daemon=True
        )
        self._renewer.start()

    def close(self, reason: str) -> None:
        self._stop_renewing.set()
        if self._renewer is not None:
            self._renewer.join(timeout=RENEW_SECONDS + 5)
        others = int(self.server.eval(LEAVE, 3, *self._keys, self.worker, 0, 0))
        if others:
            logger.info("leaving the shared crawl to %d other process(es) (%s)", others, reason)
        else:
            logger.info("last process of the shared crawl: cleared %s", self.queue.key)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _renew(self) -> None:
        while not self._stop_renewing.wait(RENEW_SECONDS):
            try:
                lapsed = self.server.eval(
                    RENEW, 3, *self._keys, self.worker, _ms(LEASE_SECONDS), _ms(LEFTOVER_SECONDS)
                )
            except Exception as exc:  # Redis unreachable for a moment: try again next time
                logger.warning("could not renew the shared-crawl lease: %s", exc)
                continue
            if int(lapsed):
                logger.warning(
                    "the shared-crawl lease of %s had lapsed (Redis unreachable for over %ds?): "
                    "another process may have started the crawl afresh",
                    self.worker,
                    LEASE_SECONDS,
                )


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
