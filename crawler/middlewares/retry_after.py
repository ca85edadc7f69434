"""Retry HTTP errors with back-off, honouring `Retry-After` (seconds or HTTP date), capped.

Scrapy's own RetryMiddleware retries at once; a server that answers 429 or 503 says how long
to wait. The wait happens inside this middleware (the request keeps its download slot, so the
site sees fewer requests meanwhile); retries are counted in the stats under `retry/…`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if absent."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.codes = {int(c) for c in settings.getlist("UMOT_RETRY_HTTP_CODES")}
        self.cap = settings.getfloat("UMOT_RETRY_AFTER_CAP", 300.0)
        self.backoff = settings.getfloat("UMOT_RETRY_BACKOFF", 1.0)
        self.max_retry_times = settings.getint("RETRY_TIMES", 2)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        retries = int(request.meta.get("retry_times", 0))
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        delay = asked if asked is not None else self.backoff * (2**retries)
        delay = min(delay, self.cap)
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,  # type: ignore[arg-type]
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        if retry is None:
            return response
        stats = self.crawler.stats
        if stats is not None and asked is not None:
            stats.inc_value("umot/retry_after_honoured")
        if delay > 0:
            logger.info("%s answered %s: waiting %.1fs", request.url, response.status, delay)
            await asyncio.sleep(delay)  # the asyncio reactor (Scrapy's default) runs this
        return retry
