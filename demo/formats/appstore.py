"""The App Store customer-reviews feed in JSON (`/rss/customerreviews/.../json`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    hash_text,
    json_page,
)
from demo.story import NORTHWIND_APP_ID


def feed(world: DemoWorld, base: str, country: str, app_id: str, page: int) -> Page:
    if app_id != NORTHWIND_APP_ID:
        return json_page({"feed": _feed_head(world, base, country, app_id, page, 1)})
    reviews = world.channel("appstore:northwind")
    size = 50
    last = max(1, -(-len(reviews) // size))
    feed = _feed_head(world, base, country, app_id, page, last)
    chunk = reviews[(page - 1) * size : page * size]
    if chunk:  # past the last page Apple answers a feed without entries
        feed["entry"] = [_appstore_entry(r, country, app_id) for r in chunk]
    return json_page({"feed": feed})


def _feed_head(
    world: DemoWorld, base: str, country: str, app_id: str, page: int, last: int
) -> dict[str, object]:
    def href(n: int) -> str:
        path = f"/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent"
        return f"{base}{path}/xml?urlDesc=/customerreviews/id={app_id}/sortby=mostrecent/json"

    links = [
        {
            "attributes": {
                "rel": "alternate",
                "type": "text/html",
                "href": f"https://apps.apple.com/{country}/app/id{app_id}",
            }
        },
        {
            "attributes": {
                "rel": "self",
                "href": f"{base}/{country}/rss/customerreviews/id={app_id}/sortby=mostrecent/json",
            }
        },
        {"attributes": {"rel": "first", "href": href(1)}},
        {"attributes": {"rel": "last", "href": href(last)}},
        {"attributes": {"rel": "previous", "href": href(max(1, page - 1))}},
    ]
    if page < last:
        links.append({"attributes": {"rel": "next", "href": href(page + 1)}})
    return {
        "author": {
            "name": {"label": "iTunes Store"},
            "uri": {"label": "http://www.apple.com/us/itunes/"},
        },
        "updated": {"label": f"{world.today.isoformat()}T02:00:00-08:00"},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": "iTunes Store: Customer Reviews"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": links,
        "id": {"label": f"{base}/{country}/rss/customerreviews/id={app_id}/sortby=mostrecent/json"},
    }


def _pacific(moment: datetime) -> str:
    """Apple writes review times in US Pacific time (DST: 2nd Sunday of March – 1st of Nov)."""
    year = moment.year
    march = datetime(year, 3, 8, 10, tzinfo=UTC)
    november = datetime(year, 11, 1, 9, tzinfo=UTC)
    dst_start = march + timedelta(days=(6 - march.weekday()) % 7)
    dst_end = november + timedelta(days=(6 - november.weekday()) % 7)
    hours = -7 if dst_start <= moment < dst_end else -8
    local = moment.astimezone(UTC) + timedelta(hours=hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{hours:+03d}:00"


def _appstore_entry(review: DemoMention, country: str, app_id: str) -> dict[str, object]:
    votes = review.helpful_votes or 0
    return {
        "author": {
            "uri": {
                "label": f"https://itunes.apple.com/{country}/reviews/id"
                f"{hash_text(review.author) % 10**10}"
            },
            "name": {"label": review.handle},
            "label": "",
        },
        "updated": {"label": _pacific(review.published_at)},
        "im:rating": {"label": str(review.rating)},
        "im:version": {"label": f"4.{review.published_at.month}.{review.published_at.day % 3}"},
        "id": {"label": review.native_id},
        "title": {"label": review.title or ""},
        "content": {"label": review.text, "attributes": {"type": "text"}},
        "link": {
            "attributes": {
                "rel": "related",
                "href": f"https://itunes.apple.com/{country}/review?id={app_id}"
                "&type=Purple%20Software",
            }
        },
        "im:voteSum": {"label": str(votes)},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": {"label": str(votes + hash_text(review.native_id) % 3)},
    }
