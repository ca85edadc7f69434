"""Types that cross the store's boundary without a table of their own, and the v(m) formula."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from store.models import MentionBase


class MentionIn(MentionBase):
    """One harvested mention as the store accepts it, with the catalogue ids the crawler set.

    Validated when built (types and column widths), so a value that does not fit fails here,
    not with its whole batch on a database that enforces widths.
    """

    brand_id: int | None = None
    product_id: int | None = None


@dataclass(slots=True)
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    # mention ids in input order (after de-duplication by external_id)
    ids: list[int] = field(default_factory=list)
    new_external_ids: list[str] = field(default_factory=list)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ids.extend(other.ids)
        self.new_external_ids.extend(other.new_external_ids)
        return self


def content_hash(title: str | None, text: str) -> str:
    """Hash of what a reader sees; a changed hash means the author edited the mention."""
    payload = f"{(title or '').strip()}\n{' '.join(text.split())}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def engagement(
    *,
    helpful_votes: int | None,
    likes: int | None,
    shares: int | None,
    replies: int | None,
) -> int:
    """e = helpful_votes + likes + 2·shares + replies (docs/loop.md; missing counts as 0)."""
    return (helpful_votes or 0) + (likes or 0) + 2 * (shares or 0) + (replies or 0)


def base_visibility(
    *,
    helpful_votes: int | None,
    likes: int | None,
    shares: int | None,
    replies: int | None,
    author_followers: int | None,
) -> float:
    """v(m) before the source weight: (1 + ln(1 + e)) · (1 + 0.25·ln(1 + f))."""
    e = engagement(helpful_votes=helpful_votes, likes=likes, shares=shares, replies=replies)
    f = max(author_followers or 0, 0)
    return (1.0 + math.log1p(max(e, 0))) * (1.0 + 0.25 * math.log1p(f))


@dataclass(slots=True)
class LabelResult:
    """A classifier's output for one mention, as the store keeps it."""

    mention_id: int
    sentiment: str | None
    sentiment_score: float | None
    stage: str | None
    topics: list[str]
    language: str | None = None
    aspects: list[dict[str, object]] = field(default_factory=list)
    # The probability the model gave ``sentiment`` (None: the model did not say).
    confidence: float | None = None
    stage_confidence: float | None = None  # likewise for ``stage``
    # Why labels are missing (core.unlabelled), e.g. "unsupported language: de"; None: labelled.
    unlabelled: str | None = None


@dataclass(frozen=True, slots=True)
class PendingMention:
    id: int
    text: str


def classification_text(title: str | None, text: str) -> str:
    """What the classifier reads: a review's title carries its verdict, so it leads the text."""
    title = (title or "").strip()
    if not title or text.startswith(title):
        return text
    end = "" if title[-1] in ".!?" else "."
    return f"{title}{end} {text}"
