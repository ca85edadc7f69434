"""Warnings and errors counted per source, whichever way the log goes."""

from __future__ import annotations

import logging

from scrapy import Spider

from crawler.logs import LogCounter, LogOptions, scrapy_log_settings
from crawler.plan import with_settings


def test_log_counter_counts_per_source() -> None:
    shop = with_settings(Spider, "shop", {"UMOT_SOURCE_NAME": "shop"})(name="shop")
    forum = with_settings(Spider, "forum", {"UMOT_SOURCE_NAME": "forum"})(name="forum")
    log = logging.getLogger("tests.crawler.logs")
    with LogCounter() as counter:
        log.warning("malformed page", extra={"spider": shop})
        log.error("gave up retrying", extra={"spider": shop})
        log.error("gave up retrying", extra={"spider": forum})
        log.critical("could not start", extra={"umot_source": "reviews"})
        log.warning("no source named")
        log.info("not counted", extra={"spider": shop})
    log.warning("after the crawl: not counted", extra={"spider": shop})
    assert counter.warnings == {"shop": 1, None: 1}
    assert counter.errors == {"shop": 1, "forum": 1, "reviews": 1}


def test_scrapy_log_settings() -> None:
    assert scrapy_log_settings(LogOptions(stderr=None))["LOG_ENABLED"] is False
    assert scrapy_log_settings(LogOptions(stderr="INFO")) == {
        "LOG_ENABLED": True,
        "LOG_LEVEL": "INFO",
    }
    to_file = scrapy_log_settings(LogOptions(stderr=None, file="crawl.log"))
    assert to_file == {
        "LOG_ENABLED": True,
        "LOG_FILE": "crawl.log",
        "LOG_FILE_APPEND": True,
        "LOG_LEVEL": "INFO",
    }
