"""Reddit listings (`.json`): keyword search or a subreddit's newest posts, optional comments.

Reddit answers only authenticated clients: an OAuth app-only token (credential `token`) is sent
to oauth.reddit.com. Without it the run ends `needs_credentials`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import Field
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from crawler.spiders.base import MentionSpider, SpiderArgs

API = "https://oauth.reddit.com"
WEB = "https://www.reddit.com"


class RedditArgs(SpiderArgs):
    query: str | None = Field(default=None, min_length=1)
    subreddit: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")
    sort: str = Field(default="new", pattern=r"^(new|relevance|top|hot|comments)$")
    comments: bool = False
    limit: int = Field(default=100, ge=1, le=100)


class RedditSpider(MentionSpider):
    name = "reddit"
    Args = RedditArgs
    required_credentials = ("token",)

    def default_start_urls(self) -> list[str]:
        params = {"limit": self.args.limit, "raw_json": 1}
        if self.args.query:
            params.update(q=self.args.query, sort=self.args.sort)
            sub = f"/r/{self.args.subreddit}" if self.args.subreddit else ""
            if sub:
                params["restrict_sr"] = "on"
            return [f"{API}{sub}/search.json?{urlencode(params)}"]
        if self.args.subreddit:
            return [f"{API}/r/{quote(self.args.subreddit)}/new.json?{urlencode(params)}"]
        return []

    def headers(self) -> dict[str, str]:
        token = self.credentials.get("token")
        return {"Authorization": f"bearer {token}"} if token else {}

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if data is None:
            return
        if isinstance(data, list):  # a post page: [post listing, comment listing]
            yield from self._comments(response, data)
            return
        if not isinstance(data, dict) or data.get("kind") != "Listing":
            self.malformed(response, "not a Reddit Listing")
            return
        children = [
            c
            for c in data.get("data", {}).get("children", [])
            if isinstance(c, dict) and c.get("kind") in ("t1", "t3")  # not "more" stubs
        ]
        for position, child in enumerate(children):
            yield self._mention(response, position, child)
            permalink = child.get("data", {}).get("permalink")
            if self.args.comments and child.get("kind") == "t3" and permalink:
                yield self.page_request(
                    response.urljoin(f"{permalink.rstrip('/')}.json?raw_json=1"),
                    page=1,
                    meta={"pagination": False},
                )
        after = data.get("data", {}).get("after")
        if children and after:
            url = add_or_replace_parameter(response.url, "after", str(after))
            request = self.next_page(response, url, count=len(children))
            if request is not None:
                yield request

    def _comments(self, response: Response, listings: list[Any]) -> Iterator[Any]:
        position = 0
        stack = list(reversed(listings[1:2]))
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            if node.get("kind") == "Listing":
                stack.extend(reversed(node.get("data", {}).get("children", [])))
            elif node.get("kind") == "t1":
                yield self._mention(response, position, node)
                position += 1
                replies = node.get("data", {}).get("replies")
                if isinstance(replies, dict):
                    stack.append(replies)

    def _mention(self, response: Response, position: int, child: dict[str, Any]) -> Any:
        kind, data = child.get("kind"), child.get("data") or {}
        is_post = kind == "t3"
        text = (data.get("selftext") or data.get("title")) if is_post else data.get("body")
        author = data.get("author")
        return self.mention(
            response,
            position,
            external_id=data.get("name"),
            url=f"{WEB}{data['permalink']}" if data.get("permalink") else None,
            kind="post" if is_post else "comment",
            author=None if author in (None, "[deleted]") else author,
            title=data.get("title") if is_post else None,
            text=text,
            published_at=data.get("created_utc"),
            likes=data.get("score"),
            shares=data.get("num_crossposts"),
            replies=data.get("num_comments") if is_post else None,
        )


SPIDER = RedditSpider
