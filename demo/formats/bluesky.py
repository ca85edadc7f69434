"""Bluesky: `com.atproto.server.createSession` and `app.bsky.feed.searchPosts` (cursor)."""

from __future__ import annotations

import base64
import hashlib
import json

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    Params,
    brand_of,
    etag,
    hash_text,
    int_param,
    iso_z,
    json_page,
    matches,
)


def _did(handle: str) -> str:
    digest = hashlib.sha256(f"did:{handle}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def _cid(text: str) -> str:
    digest = base64.b32encode(hash_text(text).to_bytes(12, "big") * 3).decode().lower()
    return "bafyrei" + digest.rstrip("=")[:52]


def _bluesky_post(post: DemoMention) -> dict[str, object]:
    did = _did(post.handle)
    created = iso_z(post.published_at)
    record: dict[str, object] = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": created,
        "langs": ["en"],
    }
    view: dict[str, object] = {}
    if not post.text:  # an image-only post: nothing to classify
        image = {
            "alt": "",
            "image": {
                "$type": "blob",
                "ref": {"$link": _cid(post.native_id)},
                "mimeType": "image/jpeg",
                "size": 482113,
            },
        }
        record["embed"] = {"$type": "app.bsky.embed.images", "images": [image]}
        view = {
            "embed": {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did}/x@jpeg",
                        "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/x@jpeg",
                        "alt": "",
                    }
                ],
            }
        }
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{post.native_id}",
        "cid": _cid(post.native_id + post.text),
        "author": {
            "did": did,
            "handle": f"{post.handle.replace('_', '-')}.bsky.social",
            "displayName": post.author,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/a@jpeg",
            "labels": [],
            "createdAt": "2023-09-12T10:00:00.000Z",
        },
        "record": record,
        **view,
        "replyCount": post.replies or 0,
        "repostCount": post.shares or 0,
        "likeCount": post.likes or 0,
        "quoteCount": (post.shares or 0) // 4,
        "indexedAt": created,
        "viewer": {},
        "labels": [],
    }


def create_session(body: bytes) -> Page:
    """`com.atproto.server.createSession`: any identifier with a non-empty app password."""
    try:
        login = json.loads(body or b"{}")
    except ValueError:
        login = None
    if not isinstance(login, dict) or not login.get("identifier") or not login.get("password"):
        return json_page(
            {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            status=401,
        )
    handle = str(login["identifier"])
    token = "demo." + etag("session", handle)
    return json_page(
        {
            "accessJwt": token,
            "refreshJwt": token + ".refresh",
            "handle": handle,
            "did": _did(handle),
            "active": True,
        }
    )


def search_posts(world: DemoWorld, params: Params) -> Page:
    query = params.get("q", "")
    if not query:
        return json_page(
            {"error": "InvalidRequest", "message": 'Error: Params must have the property "q"'},
            status=400,
        )
    posts = [
        m
        for m in world.spider("bluesky")
        if matches(query, m.text) or (not m.text and matches(query, brand_of(m.brand).short))
    ]
    if params.get("sort") == "top":
        posts.sort(key=lambda m: (m.likes or 0, m.native_id), reverse=True)
    for bound, keep in (
        ("since", lambda m, t: iso_z(m.published_at) >= t),
        ("until", lambda m, t: iso_z(m.published_at) < t),
    ):
        if params.get(bound):
            posts = [m for m in posts if keep(m, params[bound])]
    limit = int_param(params, "limit", 25, 1, 100)
    offset = int_param(params, "cursor", 0, 0, 10_000)
    chunk = posts[offset : offset + limit]
    data: dict[str, object] = {"posts": [_bluesky_post(p) for p in chunk]}
    if offset + limit < len(posts):
        data["cursor"] = str(offset + limit)
    data["hitsTotal"] = len(posts)
    return json_page(data)
