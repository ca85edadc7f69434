"""The one item every spider yields: a mention, a Scrapy dataclass item. Missing values stay None.

Besides ``source`` (the spider's name), the fields a spider finds on a page are those of
``store.models.MentionBase``, by name and in order (a test keeps them in step); the store
pipeline hands them on to ``store.schemas.MentionIn`` by those names. `umot extract` prints
them in this order (:data:`EXTRACT_FIELDS`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

from store.models import MENTION_KINDS as KINDS

__all__ = ["EXTRACT_FIELDS", "KINDS", "NOT_ON_PAGE", "Mention"]

# Field metadata of what is not on the page: set by the pipelines or the loader's bookkeeping.
NOT_ON_PAGE = MappingProxyType({"on_page": False})


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
    brand_id: int | None = field(default=None, metadata=NOT_ON_PAGE)
    product_id: int | None = field(default=None, metadata=NOT_ON_PAGE)
    # Values the loader could not parse ("published_at: '32.13.2020'"); the validate pipeline
    # turns them into a counted drop.
    problems: list[str] | None = field(default=None, metadata=NOT_ON_PAGE)


# What `umot extract` prints, in this order: every field found on the page.
EXTRACT_FIELDS = tuple(f.name for f in fields(Mention) if f.metadata.get("on_page", True))


def to_json_dict(item: Mention) -> dict[str, Any]:
    """The page fields as JSON-ready values (timestamps in ISO 8601, UTC)."""
    data = asdict(item)
    out: dict[str, Any] = {}
    for name in EXTRACT_FIELDS:
        value = data[name]
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out
