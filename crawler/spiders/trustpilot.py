"""Trustpilot company review pages: the reviews in the page's embedded `__NEXT_DATA__` JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from crawler.spiders.base import MentionSpider, dig
from crawler.spiders.jsonld import read_reviews, review_values

REVIEW_URL = "https://www.trustpilot.com/reviews/{id}"


class TrustpilotSpider(MentionSpider):
    name = "trustpilot"
    expects = "html"
    scoped = True

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self._next_data(response)
        props = dig(data, "props", "pageProps", default={}) if data else {}
        reviews = props.get("reviews")
        if not isinstance(reviews, list):
            # Older pages (and a changed Next.js payload): the reviews' JSON-LD.
            yield from self._from_json_ld(response)
            return
        for position, review in enumerate(reviews):
            yield self.mention(
                response,
                position,
                external_id=review.get("id"),
                url=REVIEW_URL.format(id=review.get("id")),
                kind="review",
                author=dig(review, "consumer", "displayName"),
                title=review.get("title"),
                text=review.get("text"),
                rating=review.get("rating"),
                published_at=dig(review, "dates", "publishedDate"),
                language=review.get("language"),
                helpful_votes=review.get("likes"),
                replies=1 if review.get("reply") else 0,
            )
        pagination = dig(props, "filters", "pagination", default={})
        current, total = pagination.get("currentPage"), pagination.get("totalPages")
        if reviews and isinstance(current, int) and isinstance(total, int) and current < total:
            url = add_or_replace_parameter(response.url, "page", str(current + 1))
            request = self.next_page(response, url, count=len(reviews))
            if request is not None:
                yield request

    def _from_json_ld(self, response: Response) -> Iterator[Any]:
        reviews, problems = read_reviews(response)
        if not reviews:
            why = "; ".join(problems) or "no reviews in it"
            self.malformed(response, f"no __NEXT_DATA__, and its structured data: {why}")
            return
        if problems:
            self.malformed(response, "structured data unreadable: " + "; ".join(problems))
        for position, (review, product) in enumerate(reviews):
            values = review_values(review, product, response)
            own_id = str(review.get("@id") or "")
            if "/schema/Review/" in own_id:  # .../#/schema/Review/<domain>/<review id>
                values["external_id"] = own_id.rstrip("/").rsplit("/", 1)[-1]
                values["url"] = REVIEW_URL.format(id=values["external_id"])
            yield self.mention(response, position, **values)
        next_url = response.css("link[rel=next]::attr(href)").get()
        request = self.next_page(response, next_url, count=len(reviews))
        if request is not None:
            yield request

    def _next_data(self, response: Response) -> dict[str, Any] | None:
        script = response.css("script#__NEXT_DATA__::text").get()
        if not script:
            return None
        try:
            data = json.loads(script)
        except ValueError as exc:
            self.malformed(response, f"__NEXT_DATA__ is not JSON: {exc}")
            return None
        return data if isinstance(data, dict) else None


SPIDER = TrustpilotSpider
