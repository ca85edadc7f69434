"""Scrapy settings: politeness (robots.txt, AutoThrottle, User-Agent), component order.

``BASE_SETTINGS`` is static; ``crawl_settings`` adds the per-run values the runner passes in
(contact, database, source). Components read them through ``from_crawler``.
"""

from __future__ import annotations

from typing import Any

from core import __version__

BOT_NAME = "umot-harvester"

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": BOT_NAME,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_DELAY": 0.5,
    "DOWNLOAD_TIMEOUT": 30,
    "COOKIES_ENABLED": False,
    # No listening ports: a crawler has no business accepting connections.
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    # Scrapy's RetryMiddleware keeps retrying network errors; HTTP status codes are retried by
    # our RetryAfterMiddleware, which waits as the server asks (Retry-After) or backs off.
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [],
    "UMOT_RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
    "UMOT_RETRY_AFTER_CAP": 300.0,
    "UMOT_RETRY_BACKOFF": 1.0,
    "UMOT_MAX_PAGES": 50,
    "UMOT_STORE_BATCH": 500,
    "HTTPERROR_ALLOWED_CODES": [],
    "LOG_FORMATTER": "crawler.logformatter.QuietLogFormatter",
    # Drops are counted by reason in the CrawlRun row; a warning per drop would be noise.
    "DEFAULT_DROPITEM_LOG_LEVEL": "INFO",
    "DOWNLOADER_MIDDLEWARES": {
        # Just below Scrapy's RetryMiddleware (550): sees only what failed for good.
        "crawler.middlewares.failures.FailureMiddleware": 540,
        "crawler.middlewares.retry_after.RetryAfterMiddleware": 560,
        "crawler.middlewares.blocks.BlockDetectionMiddleware": 570,
    },
    "SPIDER_MIDDLEWARES": {
        "crawler.middlewares.incremental.IncrementalMiddleware": 950,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.validate.ValidatePipeline": 100,
        "crawler.pipelines.dedupe.DedupePipeline": 200,
        "crawler.pipelines.brands.BrandPipeline": 300,
        "crawler.pipelines.store.StorePipeline": 900,
    },
}


def user_agent(contact: str) -> str:
    return f"{BOT_NAME}/{__version__} (+{contact})"


def crawl_settings(
    *,
    contact: str,
    database_url: str | None,
    source_id: int | None = None,
    source_name: str | None = None,
    brand_id: int | None = None,
    product_id: int | None = None,
    brands: list[dict[str, Any]] | None = None,
    autothrottle: bool = True,
    concurrency: int = 8,
    download_delay: float = 0.5,
    timeout: float = 30,
    max_pages: int = 50,
    retry_after_cap: float = 300,
    redis_url: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Settings for one source's crawl."""
    settings = dict(BASE_SETTINGS)
    settings.update(
        USER_AGENT=user_agent(contact),
        AUTOTHROTTLE_ENABLED=autothrottle,
        CONCURRENT_REQUESTS=concurrency,
        CONCURRENT_REQUESTS_PER_DOMAIN=max(1, min(concurrency, 4)),
        DOWNLOAD_DELAY=download_delay,
        DOWNLOAD_TIMEOUT=timeout,
        UMOT_MAX_PAGES=max_pages,
        UMOT_RETRY_AFTER_CAP=retry_after_cap,
        UMOT_DATABASE_URL=database_url,
        UMOT_SOURCE_ID=source_id,
        UMOT_SOURCE_NAME=source_name,
        UMOT_BRAND_ID=brand_id,
        UMOT_PRODUCT_ID=product_id,
        UMOT_BRANDS=brands or [],
    )
    if redis_url:
        settings.update(redis_settings(redis_url, source_name or "adhoc"))
    settings.update(extra or {})
    return settings


def redis_settings(redis_url: str, source: str) -> dict[str, Any]:
    """scrapy-redis: one shared request queue and duplicate filter for several crawl processes.

    Keys are per source (two sources of one spider must not share a queue). They live as long
    as one crawl of the source: the last process to leave clears them, so that the re-crawl
    fetches again (`crawler.scheduler`); scrapy-redis' own clear-on-close is off, since it
    would delete what the other processes still have to fetch.
    """
    return {
        "SCHEDULER": "crawler.scheduler.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_QUEUE_KEY": f"umot:{source}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"umot:{source}:dupefilter",
        "UMOT_REDIS_WORKERS_KEY": f"umot:{source}:workers",
        "REDIS_URL": redis_url,
    }
