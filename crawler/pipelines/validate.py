"""Required fields and sane values; anything else is dropped with a named, counted reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Self

from scrapy.crawler import Crawler

from crawler.drops import BadCounter, BadKind, BadRating, BadTimestamp, MissingId, MissingText
from crawler.items import KINDS, Mention

# Clocks differ and time zones get mislabelled; a day ahead is still plausible.
FUTURE_SLACK = timedelta(days=1)
_PROBLEM_DROPS = {
    "published_at": BadTimestamp,
    "rating": BadRating,
}


class ValidatePipeline:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def process_item(self, item: Mention) -> Mention:
        validate(item)
        return item


def validate(item: Mention, *, now: datetime | None = None) -> None:
    """Raise the DropItem subclass naming the first problem of the item."""
    for problem in item.problems or []:
        field = problem.split(":", 1)[0]
        raise _PROBLEM_DROPS.get(field, BadCounter)(problem)
    if not item.external_id:
        raise MissingId(f"no external id ({item.url})")
    if not item.text or not item.text.strip():
        raise MissingText(f"no text ({item.external_id})")
    if item.kind not in KINDS:
        raise BadKind(f"kind {item.kind!r} is not one of {', '.join(KINDS)}")
    if item.rating is not None and not 0 <= item.rating <= 5:
        raise BadRating(f"rating {item.rating} outside 0–5")
    if item.published_at is not None:
        if item.published_at.tzinfo is None:
            raise BadTimestamp(f"naive timestamp {item.published_at.isoformat()}")
        if item.published_at > (now or datetime.now(UTC)) + FUTURE_SLACK:
            raise BadTimestamp(f"published in the future: {item.published_at.isoformat()}")
