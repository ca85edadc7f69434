"""Any RSS or Atom feed (blogs, forums, news); the brand pipeline keeps entries naming a brand."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from crawler.spiders.base import MentionSpider


class RssSpider(MentionSpider):
    name = "rss"
    expects = "feed"

    def parse_page(self, response: Response) -> Iterator[Any]:
        feed = feedparser.parse(
            response.body, response_headers={"content-location": response.url}, sanitize_html=False
        )
        if not feed.entries:
            if feed.bozo and not feed.feed:
                self.malformed(response, f"not a feed: {feed.get('bozo_exception')}")
            return
        for position, entry in enumerate(feed.entries):
            yield self.mention(
                response,
                position,
                external_id=entry.get("id") or entry.get("link"),
                url=entry.get("link"),
                kind="post",
                author=entry.get("author"),
                title=entry.get("title"),
                text=_body(entry),
                published_at=_published(entry),
                language=entry.get("language") or feed.feed.get("language"),
                replies=entry.get("slash_comments"),
            )
        next_link = next(
            (link.get("href") for link in feed.feed.get("links", []) if link.get("rel") == "next"),
            None,
        )
        request = self.next_page(response, next_link, count=len(feed.entries))
        if request is not None:
            yield request


def _body(entry: Any) -> str | None:
    contents = entry.get("content") or []
    html = max((c.get("value") or "" for c in contents), key=len, default="")
    return html or entry.get("summary") or entry.get("title")


def _published(entry: Any) -> Any:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return entry.get("published") or entry.get("updated")


SPIDER = RssSpider
