"""Mastodon (and compatible) public timelines: a hashtag timeline or a status search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import Field, HttpUrl
from scrapy.http import Response

from crawler.spiders.base import MentionSpider, SpiderArgs, dig


class MastodonArgs(SpiderArgs):
    instance: HttpUrl | None = None
    hashtag: str | None = Field(default=None, min_length=1)
    query: str | None = Field(default=None, min_length=1)
    limit: int = Field(default=40, ge=1, le=40)


class MastodonSpider(MentionSpider):
    name = "mastodon"
    Args = MastodonArgs
    optional_credentials = ("token",)

    def default_start_urls(self) -> list[str]:
        if not self.args.instance:
            return []
        base = str(self.args.instance).rstrip("/")
        if self.args.hashtag:
            tag = quote(self.args.hashtag.lstrip("#"))
            return [f"{base}/api/v1/timelines/tag/{tag}?limit={self.args.limit}"]
        if self.args.query:
            query = urlencode({"q": self.args.query, "type": "statuses", "limit": self.args.limit})
            return [f"{base}/api/v2/search?{query}"]
        return []

    def headers(self) -> dict[str, str]:
        token = self.credentials.get("token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if data is None:
            return
        if isinstance(data, dict) and isinstance(data.get("statuses"), list):
            statuses = data["statuses"]  # /api/v2/search
        elif isinstance(data, dict) and "content" in data:
            statuses = [data]  # a single status
        elif isinstance(data, list):
            statuses = data
        else:
            self.malformed(response, "neither a status nor a list of statuses")
            return
        statuses = [s for s in statuses if isinstance(s, dict)]
        for position, status in enumerate(statuses):
            status = status.get("reblog") or status  # a boost shows the original post
            yield self._mention(response, position, status)
        next_url = response.headers.get("Link", b"").decode("latin-1")
        request = self.next_page(response, _link_next(next_url), count=len(statuses))
        if statuses and request is not None:
            yield request

    def _mention(self, response: Response, position: int, status: dict[str, Any]) -> Any:
        spoiler = status.get("spoiler_text") or None
        is_reply = status.get("in_reply_to_id") is not None
        return self.mention(
            response,
            position,
            external_id=status.get("uri") or status.get("url") or status.get("id"),
            url=status.get("url") or status.get("uri"),
            kind="comment" if is_reply else "post",
            author=dig(status, "account", "acct"),
            author_followers=dig(status, "account", "followers_count"),
            title=spoiler,
            text=status.get("content"),
            published_at=status.get("created_at"),
            language=status.get("language"),
            likes=status.get("favourites_count"),
            shares=status.get("reblogs_count"),
            replies=status.get("replies_count"),
        )


def _link_next(header: str) -> str | None:
    """The rel="next" URL of an HTTP Link header."""
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")].strip()
    return None


SPIDER = MastodonSpider
