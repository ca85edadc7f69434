"""YouTube Data API v3 `commentThreads` (pageToken), with its errors for a missing key."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC
from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    Params,
    etag,
    int_param,
    json_page,
)
from demo.story import CHANNELS

VIDEOS = {spec.extra["video"]: spec for spec in CHANNELS if spec.spider == "youtube"}


def _youtube_thread(comment: DemoMention, video: str, plain: bool) -> dict[str, object]:
    published = comment.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    channel = "UC" + etag(comment.handle)[:22]
    text = comment.text if plain else escape(comment.text).replace("\n", "<br>")
    return {
        "kind": "youtube#commentThread",
        "etag": etag(comment.native_id, "thread"),
        "id": comment.native_id,
        "snippet": {
            "channelId": "UCnorthwindDemoChannel00",
            "videoId": video,
            "topLevelComment": {
                "kind": "youtube#comment",
                "etag": etag(comment.native_id),
                "id": comment.native_id,
                "snippet": {
                    "channelId": "UCnorthwindDemoChannel00",
                    "videoId": video,
                    "textDisplay": text,
                    "textOriginal": comment.text,
                    "authorDisplayName": f"@{comment.handle}",
                    "authorProfileImageUrl": f"https://yt3.ggpht.com/ytc/{channel}=s48",
                    "authorChannelUrl": f"http://www.youtube.com/@{comment.handle}",
                    "authorChannelId": {"value": channel},
                    "canRate": True,
                    "viewerRating": "none",
                    "likeCount": comment.likes or 0,
                    "publishedAt": published,
                    "updatedAt": published,
                },
            },
            "canReply": True,
            "totalReplyCount": comment.replies or 0,
            "isPublic": True,
        },
    }


def comment_threads(world: DemoWorld, params: Params, api_key: str | None) -> Page:
    if not api_key:
        return json_page(
            _youtube_error(
                403, "The request is missing a valid API key.", "forbidden", "PERMISSION_DENIED"
            ),
            status=403,
        )
    video = params.get("videoId", "")
    spec = VIDEOS.get(video)
    if spec is None:
        return json_page(
            _youtube_error(
                404,
                "The video identified by the <code>videoId</code> parameter could not be found.",
                "videoNotFound",
                "NOT_FOUND",
            ),
            status=404,
        )
    comments: Sequence[DemoMention] = world.channel(spec.key)
    if params.get("order") == "relevance":
        comments = sorted(comments, key=lambda c: (c.likes or 0, c.native_id), reverse=True)
    limit = int_param(params, "maxResults", 20, 1, 100)
    offset = _page_token(params.get("pageToken", ""))
    chunk = comments[offset : offset + limit]
    plain = params.get("textFormat") == "plainText"
    data: dict[str, object] = {
        "kind": "youtube#commentThreadListResponse",
        "etag": etag(video, str(offset), str(limit)),
    }
    if offset + limit < len(comments):
        data["nextPageToken"] = base64.urlsafe_b64encode(
            f"demo:{video}:{offset + limit}".encode()
        ).decode()
    data["pageInfo"] = {"totalResults": len(chunk), "resultsPerPage": limit}
    data["items"] = [_youtube_thread(c, video, plain) for c in chunk]
    return json_page(data)


def _page_token(token: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        return 0


def _youtube_error(code: int, message: str, reason: str, status: str) -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "youtube.commentThread", "reason": reason}],
            "status": status,
        }
    }
