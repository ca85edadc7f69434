"""Apple App Store customer reviews: the RSS feed in JSON (`/rss/customerreviews/.../json`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field
from scrapy.http import Response

from crawler.spiders.base import MentionSpider, SpiderArgs, dig

FEED_URL = "https://itunes.apple.com/{country}/rss/customerreviews/page=1/id={app_id}/sortby=mostrecent/json"
REVIEW_URL = "https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews#{id}"


class AppStoreArgs(SpiderArgs):
    app_id: str | None = Field(default=None, pattern=r"^\d+$")
    country: str = Field(default="us", pattern=r"^[a-zA-Z]{2}$")


class AppStoreSpider(MentionSpider):
    name = "appstore"
    Args = AppStoreArgs
    scoped = True

    def default_start_urls(self) -> list[str]:
        if not self.args.app_id:
            return []
        return [FEED_URL.format(country=self.args.country.lower(), app_id=self.args.app_id)]

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = self.load_json(response)
        if data is None:
            return
        feed = data.get("feed") if isinstance(data, dict) else None
        if not isinstance(feed, dict):
            self.malformed(response, "no feed object")
            return
        entries = feed.get("entry") or []
        if isinstance(entries, dict):  # a feed with one entry
            entries = [entries]
        # Older feeds start with the app itself (no rating): not a review.
        reviews = [e for e in entries if isinstance(e, dict) and "im:rating" in e]
        country = self.args.country.lower()
        for position, entry in enumerate(reviews):
            review_id = dig(entry, "id", "label")
            yield self.mention(
                response,
                position,
                external_id=review_id,
                url=REVIEW_URL.format(country=country, app_id=self.args.app_id, id=review_id)
                if self.args.app_id
                else dig(entry, "link", "attributes", "href"),
                kind="review",
                author=dig(entry, "author", "name", "label"),
                title=dig(entry, "title", "label"),
                text=dig(entry, "content", "label"),
                rating=dig(entry, "im:rating", "label"),
                published_at=dig(entry, "updated", "label"),
                helpful_votes=dig(entry, "im:voteSum", "label"),
            )
        if reviews:
            yield from filter(
                None, [self.next_page(response, _next_link(feed), count=len(reviews))]
            )


def _next_link(feed: dict[str, Any]) -> str | None:
    links = feed.get("link") or []
    if isinstance(links, dict):
        links = [links]
    for link in links:
        attributes = link.get("attributes", {}) if isinstance(link, dict) else {}
        if attributes.get("rel") == "next" and attributes.get("href"):
            # The feed advertises its next page as XML; ask for the same page in JSON.
            href = str(attributes["href"]).split("?")[0]
            return href[: -len("/xml")] + "/json" if href.endswith("/xml") else href
    return None


SPIDER = AppStoreSpider
