"""Scraped items are not logged one by one: they are counted in the stats and the CrawlRun row.

A line per item costs time at tens of thousands of mentions and buries the warnings that matter.
"""

from __future__ import annotations

from typing import Any

from scrapy import logformatter


class QuietLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> None:  # type: ignore[override]
        return None
