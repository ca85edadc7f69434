"""Drop repeats of the same external id within one run (pinned posts, overlapping pages)."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler

from crawler.drops import Duplicate
from crawler.items import Mention


class DedupePipeline:
    def __init__(self) -> None:
        self.seen: set[tuple[str | None, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def process_item(self, item: Mention) -> Mention:
        key = (item.source, item.external_id or "")
        if key in self.seen:
            raise Duplicate(f"{item.external_id} seen twice in this run")
        self.seen.add(key)
        return item
