"""The one item every spider yields: a mention (SPEC §4). Missing values stay None."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

KINDS = ("review", "post", "comment")
# Fields printed by `umot extract` and described in SPEC §4, in that order.
SPEC_FIELDS = (
    "source",
    "external_id",
    "url",
    "kind",
    "author",
    "author_followers",
    "title",
    "text",
    "rating",
    "published_at",
    "language",
    "helpful_votes",
    "likes",
    "shares",
    "replies",
    "rank",
)


@dataclass
class Mention:
    source: str | None = None
    external_id: str | None = None
    url: str | None = None
    kind: str | None = None
    author: str | None = None
    author_followers: int | None = None
    title: str | None = None
    text: str | None = None
    rating: float | None = None
    published_at: datetime | None = None
    language: str | None = None
    helpful_votes: int | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    rank: int | None = None
    # Set by the brand pipeline (ids from the store's catalogue).
    brand_id: int | None = None
    product_id: int | None = None
    # Values the loader could not parse ("published_at: '32.13.2020'"); the validate pipeline
    # turns them into a counted drop.
    problems: list[str] | None = None


def to_json_dict(item: Mention) -> dict[str, Any]:
    """The SPEC §4 fields as JSON-ready values (timestamps in ISO 8601, UTC)."""
    data = asdict(item)
    out: dict[str, Any] = {}
    for name in SPEC_FIELDS:
        value = data[name]
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out
