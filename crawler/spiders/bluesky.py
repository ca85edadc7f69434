"""Bluesky posts from `app.bsky.feed.searchPosts` (also reads `getFeed`/`getAuthorFeed` pages).

The public AppView no longer answers anonymous searches: the spider first opens a session with
the account's app password (`com.atproto.server.createSession`) and sends its access token.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, HttpUrl
from scrapy.exceptions import CloseSpider
from scrapy.http import JsonRequest, Response
from w3lib.url import add_or_replace_parameter

from crawler.spiders.base import MentionSpider, SpiderArgs, dig

SEARCH = "{service}/xrpc/app.bsky.feed.searchPosts?{query}"
SESSION = "{service}/xrpc/com.atproto.server.createSession"
POST_URL = "https://bsky.app/profile/{handle}/post/{rkey}"


class BlueskyArgs(SpiderArgs):
    query: str | None = Field(default=None, min_length=1)
    service: HttpUrl = HttpUrl("https://bsky.social")
    sort: str = Field(default="latest", pattern=r"^(latest|top)$")
    limit: int = Field(default=100, ge=1, le=100)


class BlueskySpider(MentionSpider):
    name = "bluesky"
    Args = BlueskyArgs
    required_credentials = ("identifier", "app_password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_token: str | None = None

    @property
    def service(self) -> str:
        return str(self.args.service).rstrip("/")

    def default_start_urls(self) -> list[str]:
        if not self.args.query:
            return []
        query = urlencode({"q": self.args.query, "sort": self.args.sort, "limit": self.args.limit})
        return [SEARCH.format(service=self.service, query=query)]

    async def start(self) -> AsyncIterator[Any]:
        self.check_ready()
        body = {
            "identifier": self.credentials["identifier"],
            "password": self.credentials["app_password"],
        }
        yield JsonRequest(
            SESSION.format(service=self.service),
            data=body,
            callback=self.session_opened,
            dont_filter=True,
            meta={"dont_redirect": True},
        )

    def session_opened(self, response: Response) -> Iterator[Any]:
        try:
            token = json.loads(response.body).get("accessJwt")
        except (ValueError, AttributeError):
            token = None
        if not token:
            self.close_error = "Bluesky did not open a session (check identifier/app_password)"
            raise CloseSpider("needs_credentials")
        self.access_token = token
        yield from self.start_requests_for(self.start_urls)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if data is None:
            return
        if not isinstance(data, dict):
            self.malformed(response, "not a JSON object")
            return
        if isinstance(data.get("posts"), list):
            posts = data["posts"]
        elif isinstance(data.get("feed"), list):
            posts = [entry.get("post") for entry in data["feed"] if isinstance(entry, dict)]
        elif isinstance(data.get("thread"), dict):
            posts = list(_thread_posts(data["thread"]))
        else:
            self.malformed(response, "no posts or feed list")
            return
        posts = [p for p in posts if isinstance(p, dict)]
        for position, post in enumerate(posts):
            yield self._mention(response, position, post)
        cursor = data.get("cursor")
        if posts and cursor:
            url = add_or_replace_parameter(response.url, "cursor", str(cursor))
            request = self.next_page(response, url, count=len(posts))
            if request is not None:
                yield request

    def _mention(self, response: Response, position: int, post: dict[str, Any]) -> Any:
        uri = post.get("uri") or ""
        handle = dig(post, "author", "handle")
        record = post.get("record") or {}
        langs = record.get("langs") or []
        return self.mention(
            response,
            position,
            external_id=uri or post.get("cid"),
            url=POST_URL.format(handle=handle, rkey=uri.rsplit("/", 1)[-1]) if uri else None,
            kind="comment" if record.get("reply") else "post",
            author=handle,
            author_followers=dig(post, "author", "followersCount"),
            text=record.get("text"),
            published_at=record.get("createdAt") or post.get("indexedAt"),
            language=langs[0] if langs else None,
            likes=post.get("likeCount"),
            shares=post.get("repostCount"),
            replies=post.get("replyCount"),
        )


def _thread_posts(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A getPostThread tree in reading order: the post, then its replies (depth first)."""
    stack = [node]
    while stack:
        current = stack.pop()
        post = current.get("post") if isinstance(current, dict) else None
        if isinstance(post, dict):
            yield post
        replies = current.get("replies") if isinstance(current, dict) else None
        if isinstance(replies, list):
            stack.extend(reversed(replies))


SPIDER = BlueskySpider
