"""YouTube Data API v3 `commentThreads` of configured videos (reviews, unboxings).

The API key (credential `api_key`) travels in the `X-Goog-Api-Key` header, never in the URL,
so it cannot end up in logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from crawler.spiders.base import MentionSpider, SpiderArgs, dig

API = "https://www.googleapis.com/youtube/v3/commentThreads?{query}"
COMMENT_URL = "https://www.youtube.com/watch?v={video}&lc={id}"


class YouTubeArgs(SpiderArgs):
    video_ids: list[str] = Field(default_factory=list)
    order: str = Field(default="time", pattern=r"^(time|relevance)$")
    max_results: int = Field(default=100, ge=1, le=100)


class YouTubeSpider(MentionSpider):
    name = "youtube"
    Args = YouTubeArgs
    scoped = True
    required_credentials = ("api_key",)

    def default_start_urls(self) -> list[str]:
        urls = []
        for video in self.args.video_ids:
            query = urlencode(
                {
                    "part": "snippet",
                    "videoId": video,
                    "order": self.args.order,
                    "maxResults": self.args.max_results,
                    "textFormat": "plainText",
                }
            )
            urls.append(API.format(query=query))
        return urls

    def headers(self) -> dict[str, str]:
        key = self.credentials.get("api_key")
        return {"X-Goog-Api-Key": key} if key else {}

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            self.malformed(response, "no items list")
            return
        items = [i for i in data["items"] if isinstance(i, dict)]
        position = 0
        for thread in items:
            yield self._mention(response, position, thread)
            position += 1
            # With part=replies the thread carries (some of) its replies: comments too.
            for reply in dig(thread, "replies", "comments", default=[]):
                if isinstance(reply, dict):
                    video = dig(thread, "snippet", "videoId")
                    yield self._comment(response, position, reply, replies=None, video=video)
                    position += 1
        token = data.get("nextPageToken")
        if items and token:
            url = add_or_replace_parameter(response.url, "pageToken", str(token))
            request = self.next_page(response, url, count=len(items))
            if request is not None:
                yield request

    def _mention(self, response: Response, position: int, thread: dict[str, Any]) -> Any:
        comment = dig(thread, "snippet", "topLevelComment", default={})
        if not comment.get("id"):
            comment = {**comment, "id": thread.get("id")}
        replies = dig(thread, "snippet", "totalReplyCount")
        video = dig(thread, "snippet", "videoId")
        return self._comment(response, position, comment, replies=replies, video=video)

    def _comment(
        self,
        response: Response,
        position: int,
        comment: dict[str, Any],
        replies: Any,
        video: str | None = None,
    ) -> Any:
        snippet = comment.get("snippet") or {}
        video = snippet.get("videoId") or video
        comment_id = comment.get("id")
        return self.mention(
            response,
            position,
            external_id=comment_id,
            url=COMMENT_URL.format(video=video, id=comment_id) if video else None,
            kind="comment",
            author=snippet.get("authorDisplayName"),
            text=snippet.get("textOriginal") or snippet.get("textDisplay"),
            published_at=snippet.get("publishedAt"),
            likes=snippet.get("likeCount"),
            replies=replies,
        )


SPIDER = YouTubeSpider
