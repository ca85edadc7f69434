"""Hacker News through the Algolia search API: stories and comments matching a query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from crawler.spiders.base import MentionSpider, SpiderArgs

API = "https://hn.algolia.com/api/v1/{endpoint}?{query}"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"


class HackerNewsArgs(SpiderArgs):
    query: str | None = Field(default=None, min_length=1)
    tags: str = "(story,comment)"
    by_date: bool = True
    hits_per_page: int = Field(default=100, ge=1, le=1000)


class HackerNewsSpider(MentionSpider):
    name = "hackernews"
    Args = HackerNewsArgs

    def default_start_urls(self) -> list[str]:
        if not self.args.query:
            return []
        query = urlencode(
            {
                "query": self.args.query,
                "tags": self.args.tags,
                "hitsPerPage": self.args.hits_per_page,
            }
        )
        endpoint = "search_by_date" if self.args.by_date else "search"
        return [API.format(endpoint=endpoint, query=query)]

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if not isinstance(data, dict) or not isinstance(data.get("hits"), list):
            if data is not None:
                self.malformed(response, "no hits list")
            return
        hits = [h for h in data["hits"] if isinstance(h, dict)]
        for position, hit in enumerate(hits):
            yield self._mention(response, position, hit)
        page, pages = data.get("page"), data.get("nbPages")
        if hits and isinstance(page, int) and isinstance(pages, int) and page + 1 < pages:
            url = add_or_replace_parameter(response.url, "page", str(page + 1))
            request = self.next_page(response, url, count=len(hits))
            if request is not None:
                yield request

    def _mention(self, response: Response, position: int, hit: dict[str, Any]) -> Any:
        tags = hit.get("_tags") or []
        is_comment = "comment" in tags or hit.get("comment_text") is not None
        text = hit.get("comment_text") or hit.get("story_text") or hit.get("title")
        return self.mention(
            response,
            position,
            external_id=hit.get("objectID"),
            url=ITEM_URL.format(id=hit.get("objectID")),
            kind="comment" if is_comment else "post",
            author=hit.get("author"),
            title=None if is_comment else hit.get("title"),
            text=text,
            published_at=hit.get("created_at_i") or hit.get("created_at"),
            likes=hit.get("points"),
            replies=None if is_comment else hit.get("num_comments"),
        )


SPIDER = HackerNewsSpider
