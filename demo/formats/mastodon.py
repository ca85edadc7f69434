"""Mastodon: a hashtag timeline (Link header paging by max_id) and v2 status search."""

from __future__ import annotations

from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    Params,
    brand_of,
    hash_text,
    int_param,
    iso_z,
    json_page,
    matches,
)

MASTODON_HOSTS = (
    "mastodon.social.example",
    "fosstodon.example",
    "hachyderm.example",
    "outdoors.social.example",
)


# -- Mastodon ------------------------------------------------------------------------------


def mastodon_host(handle: str) -> str:
    return MASTODON_HOSTS[hash_text(handle) % len(MASTODON_HOSTS)]


def _mastodon_status(status: DemoMention, hashtag: str) -> dict[str, object]:
    host = mastodon_host(status.handle)
    account_id = str(hash_text(status.handle) % 10**17)
    tag_url = f"https://{host}/tags/{hashtag.lower()}"
    link = f'<a href="{tag_url}" class="mention hashtag" rel="tag">#<span>{hashtag}</span></a>'
    body = escape(status.text, quote=False).replace(f"#{hashtag}", link)
    return {
        "id": status.native_id,
        "created_at": iso_z(status.published_at),
        "in_reply_to_id": status.parent,
        "in_reply_to_account_id": str(hash_text(status.parent) % 10**17) if status.parent else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{host}/users/{status.handle}/statuses/{status.native_id}",
        "url": f"https://{host}/@{status.handle}/{status.native_id}",
        "replies_count": status.replies or 0,
        "reblogs_count": status.shares or 0,
        "favourites_count": status.likes or 0,
        "edited_at": None,
        "content": f"<p>{body}</p>",
        "reblog": None,
        "account": {
            "id": account_id,
            "username": status.handle,
            "acct": f"{status.handle}@{host}",
            "display_name": status.author,
            "locked": False,
            "bot": False,
            "created_at": "2022-11-07T00:00:00.000Z",
            "note": "<p>Outdoors, mostly.</p>",
            "url": f"https://{host}/@{status.handle}",
            "avatar": f"https://{host}/avatars/original/missing.png",
            "followers_count": status.followers or 0,
            "following_count": 120 + hash_text(status.handle) % 400,
            "statuses_count": 300 + hash_text(status.handle) % 3000,
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": hashtag.lower(), "url": tag_url}],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def tag_timeline(world: DemoWorld, base: str, tag: str, params: Params) -> Page:
    hashtag = brand_of("northwind").hashtag
    statuses = [m for m in world.spider("mastodon") if f"#{tag.lower()}" in m.text.lower()]
    statuses.sort(key=lambda m: int(m.native_id), reverse=True)
    limit = int_param(params, "limit", 20, 1, 40)
    if params.get("max_id", "").isdigit():
        statuses = [s for s in statuses if int(s.native_id) < int(params["max_id"])]
    for bound in ("since_id", "min_id"):
        if params.get(bound, "").isdigit():
            statuses = [s for s in statuses if int(s.native_id) > int(params[bound])]
    if params.get("min_id", "").isdigit():  # min_id pages forward: the oldest newer ones
        statuses = statuses[-limit:]
    chunk = statuses[:limit]
    links = []
    path = f"{base}/api/v1/timelines/tag/{tag}"
    if len(chunk) == limit:
        links.append(f'<{path}?limit={limit}&max_id={chunk[-1].native_id}>; rel="next"')
    if chunk:
        links.append(f'<{path}?limit={limit}&min_id={chunk[0].native_id}>; rel="prev"')
    headers = {"Link": ", ".join(links)} if links else {}
    return json_page([_mastodon_status(s, hashtag) for s in chunk], headers=headers)


def search(world: DemoWorld, params: Params) -> Page:
    hashtag = brand_of("northwind").hashtag
    query = params.get("q", "")
    found = [m for m in world.spider("mastodon") if matches(query, m.text)]
    limit = int_param(params, "limit", 20, 1, 40)
    offset = int_param(params, "offset", 0, 0, 10_000)
    chunk = found[offset : offset + limit]
    return json_page(
        {"accounts": [], "statuses": [_mastodon_status(s, hashtag) for s in chunk], "hashtags": []}
    )
