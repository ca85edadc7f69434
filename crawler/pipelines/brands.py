"""Attach brand and product by keywords; drop off-topic mentions of unscoped sources.

A scoped source (the brand's own review page, app, videos) is about its brand by definition;
search and feed sources keep only mentions naming a configured brand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.drops import OffTopic
from crawler.items import Mention


@dataclass(frozen=True, slots=True)
class Matcher:
    id: int
    brand_id: int
    pattern: re.Pattern[str] | None


def keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    words = [k.strip() for k in keywords if k and k.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


class BrandPipeline:
    def __init__(
        self,
        brands: list[dict[str, Any]],
        source_brand_id: int | None,
        product_id: int | None,
        filter_keywords: bool | None,
        crawler: Crawler | None = None,
    ) -> None:
        self.crawler = crawler
        self.brands = [
            Matcher(b["id"], b["id"], keyword_pattern(b.get("keywords") or [b["name"]]))
            for b in brands
        ]
        self.products = [
            Matcher(p["id"], b["id"], keyword_pattern(p.get("keywords") or [p["name"]]))
            for b in brands
            for p in b.get("products", [])
        ]
        self.source_brand_id = source_brand_id
        self.product_id = product_id
        self.filter_keywords = filter_keywords

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            brands=list(settings.getlist("UMOT_BRANDS")),
            source_brand_id=settings.get("UMOT_BRAND_ID"),
            product_id=settings.get("UMOT_PRODUCT_ID"),
            filter_keywords=settings.get("UMOT_FILTER_KEYWORDS"),
            crawler=crawler,
        )

    def process_item(self, item: Mention) -> Mention:
        return self.match(item, scoped=self._scoped())

    def _scoped(self) -> bool:
        if self.filter_keywords is not None:
            return not self.filter_keywords
        spider = self.crawler.spider if self.crawler is not None else None
        return bool(getattr(spider, "scoped", False))

    def match(self, item: Mention, *, scoped: bool) -> Mention:
        text = f"{item.title or ''}\n{item.text or ''}"
        if scoped:
            item.brand_id = self.source_brand_id
            item.product_id = self.product_id or self._first(
                self.products, text, brand_id=self.source_brand_id
            )
            return item
        if not self.brands:
            item.brand_id = self.source_brand_id
            return item
        product = next((p for p in self.products if p.pattern and p.pattern.search(text)), None)
        brands = [b for b in self.brands if b.pattern and b.pattern.search(text)]
        if product is None and not brands:
            raise OffTopic(f"{item.external_id}: no brand keyword in the text")
        if product is not None:
            item.product_id, item.brand_id = product.id, product.brand_id
        else:
            ids = [b.brand_id for b in brands]
            item.brand_id = self.source_brand_id if self.source_brand_id in ids else ids[0]
        return item

    @staticmethod
    def _first(matchers: list[Matcher], text: str, *, brand_id: int | None) -> int | None:
        for matcher in matchers:
            if brand_id is not None and matcher.brand_id != brand_id:
                continue
            if matcher.pattern and matcher.pattern.search(text):
                return matcher.id
        return None
