"""All tables, in one place (the SQLModel docs' layout).

Mentions carry their *effective* labels (sentiment, score, stage, topics) next to the raw data:
the model's latest output, or the user's correction when there is one. The dashboard filters and
aggregates on these columns at a million rows, so they live on the indexed table instead of being
joined from ``classification`` and ``correction`` at read time. ``classification`` keeps every
model version's full output (with per-sentence aspects); ``correction`` keeps what people said.
``store.classifications`` and ``store.corrections`` are the only writers of the effective columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow

# Values are validated at the edges (crawler items, sentiment labels); the columns stay plain
# strings so a new label never needs a migration.
MENTION_KINDS = ("review", "post", "comment")
RUN_STATUSES = ("running", "ok", "partial", "failed", "blocked", "needs_credentials", "interrupted")
COMPLAINT_STATUSES = ("new", "acknowledged", "resolved")


def _ts(*, nullable: bool = True, index: bool = False, default: bool = False) -> Any:
    kwargs: dict[str, Any] = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default:
        kwargs["default_factory"] = utcnow
    else:
        kwargs["default"] = None
    return Field(**kwargs)


BRAND_ROLES = ("own", "competitor")


class Brand(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    # "own" (the brand the user manages) or "competitor"; mirrored from the config by
    # store.catalog.sync_configured_catalog.
    role: str = Field(
        default="competitor", max_length=16, sa_column_kwargs={"server_default": "competitor"}
    )


class Product(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("brand_id", "name", name="uq_product_brand_name"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    name: str = Field(max_length=200)


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    spider: str = Field(max_length=50)
    brand_id: int | None = Field(default=None, foreign_key="brand.id")


class MentionBase(SQLModel):
    """A mention as harvested: the fields every spider fills, with their types and widths.

    The one definition of those fields. The table (:class:`Mention`) and the store's input
    (:class:`store.schemas.MentionIn`) derive from it, the crawler's item carries the same names
    (a test keeps them in step), and writers read widths from here (:func:`max_lengths`).
    """

    external_id: str = Field(max_length=512)
    url: str | None = None
    kind: str = Field(default="post", max_length=20)
    author: str | None = Field(default=None, max_length=300)
    author_followers: int | None = None
    title: str | None = None
    text: str
    rating: float | None = None
    published_at: datetime | None = _ts(index=True)
    language: str | None = Field(default=None, max_length=16)
    helpful_votes: int | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    rank: int | None = None


class Mention(MentionBase, table=True):
    """A stored mention: the harvested fields plus ids, bookkeeping and effective labels."""

    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_mention_source_external"),
        Index("ix_mention_brand_published", "brand_id", "published_at"),
        Index("ix_mention_source_published", "source_id", "published_at"),
        Index("ix_mention_stage_published", "stage", "published_at"),
        Index("ix_mention_sentiment_published", "sentiment", "published_at"),
        Index("ix_mention_product_published", "product_id", "published_at"),
        # On PostgreSQL only the mentions with a reason: a labelled one's write adds no entry.
        Index(
            "ix_mention_unlabelled",
            "unlabelled",
            postgresql_where=sql_text("unlabelled IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id")
    brand_id: int | None = Field(default=None, foreign_key="brand.id")
    product_id: int | None = Field(default=None, foreign_key="product.id")
    content_hash: str = Field(max_length=64)
    # v(m) without the configurable source weight (docs/loop.md), kept current by the upserts so
    # that SQL can rank and weigh a million mentions without a logarithm per row.
    visibility: float = Field(default=1.0)
    first_seen_at: datetime = _ts(nullable=False, default=True)
    last_seen_at: datetime = _ts(nullable=False, default=True)
    # On PostgreSQL a statement trigger keeps this reference, not a per-row key check (0019).
    last_run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    # Effective labels (docs/taxonomy.md): a correction when there is one, else the latest model
    # output.
    sentiment: str | None = Field(default=None, max_length=16)
    sentiment_score: float | None = None
    # The probability the model gave ``sentiment``; 1.0 when a person corrected the sentiment;
    # None for labels saved before migration 0006 (the classifier did not return it then).
    sentiment_confidence: float | None = None
    stage: str | None = Field(default=None, max_length=8)
    # The calibrated probability that ``stage`` is right; 1.0 when a person corrected it; None
    # for labels saved before migration 0012.
    stage_confidence: float | None = None
    topics: list[str] | None = Field(default=None, sa_column=Column(JSON))
    labels_from: str | None = Field(default=None, max_length=80)  # model version or "correction"
    # Why the model left labels out (core.unlabelled: "unsupported language: de"); None when it
    # labelled the mention in full. `umot status` and the dashboard count by it (indexed above).
    unlabelled: str | None = Field(default=None, max_length=80)


def max_lengths(model: type[SQLModel]) -> dict[str, int]:
    """The width (``max_length``) of each of ``model``'s string fields that has one."""
    widths: dict[str, int] = {}
    for name, info in model.model_fields.items():
        for meta in info.metadata:  # Field(max_length=…) lands here as annotated_types.MaxLen
            width = getattr(meta, "max_length", None)
            if isinstance(width, int):
                widths[name] = width
    return widths


class MentionTopic(SQLModel, table=True):
    """One row per (mention, effective topic): per-topic aggregation without JSON functions."""

    __table_args__ = (Index("ix_mentiontopic_topic", "topic", "mention_id"),)

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    topic: str = Field(max_length=64, primary_key=True)


class EngagementSnapshot(SQLModel, table=True):
    """A mention's counters as one crawl saw them. On PostgreSQL its two references are kept
    by statement triggers (deleting a mention deletes its snapshots; a run they name cannot be
    deleted), not by keys checked once per written row (migration 0019)."""

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True, ondelete="CASCADE")
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    captured_at: datetime = _ts(nullable=False, default=True)
    helpful_votes: int | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    author_followers: int | None = None
    rank: int | None = None


class CrawlRun(SQLModel, table=True):
    __table_args__ = (Index("ix_crawlrun_source_started", "source_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id")
    started_at: datetime = _ts(nullable=False, default=True)
    finished_at: datetime | None = _ts()
    status: str = Field(default="running", max_length=24)
    pages: int = 0
    new: int = 0
    updated: int = 0
    dropped: int = 0
    drop_reasons: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = None


class Classification(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("mention_id", "model_version", name="uq_classification_mention_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True, ondelete="CASCADE")
    model_version: str = Field(max_length=80, index=True)
    # None where the model does not read the mention's language (``unlabelled`` says so): the
    # row still records that this version has seen the mention, so it is not tried again.
    sentiment: str | None = Field(default=None, max_length=16)
    sentiment_score: float | None = None
    sentiment_confidence: float | None = None  # P(sentiment) as the model gave it
    stage: str | None = Field(default=None, max_length=8)
    stage_confidence: float | None = None  # P(stage), calibrated
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(default=None, max_length=16)
    unlabelled: str | None = Field(default=None, max_length=80)  # why labels are missing
    # [{"text", "start", "end", "sentiment", "sentiment_score", "stage", "topics"}, ...]
    aspects: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = _ts(nullable=False, default=True)


class Correction(SQLModel, table=True):
    """What a person said a mention's labels are; a None field leaves the model's label."""

    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    sentiment: str | None = Field(default=None, max_length=16)
    stage: str | None = Field(default=None, max_length=8)
    topics: list[str] | None = Field(default=None, sa_column=Column(JSON))
    author: str | None = Field(default=None, max_length=200)
    note: str | None = None
    corrected_at: datetime = _ts(nullable=False, default=True)


class ComplaintStatus(SQLModel, table=True):
    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")
    status: str = Field(default="new", max_length=16, index=True)
    note: str | None = None
    updated_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = _ts(nullable=False, default=True)


class Alert(SQLModel, table=True):
    """A detected spike (docs/loop.md); pending until every configured channel accepted it.

    ``webhook_delivered_at`` and ``email_delivered_at`` say which channel took it (one never
    gets it twice); ``delivered_at`` is set once no configured channel is left. A failed check
    counts one attempt and waits until ``next_attempt_at`` (exponential back-off)."""

    __table_args__ = (
        UniqueConstraint("brand_id", "stage", "period", "period_start", name="uq_alert_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    stage: str = Field(default="", max_length=8)  # "" = all stages
    period: str = Field(max_length=8)  # "day" or "hour"
    period_start: datetime = _ts(nullable=False)
    observed: int
    baseline: float
    detected_at: datetime = _ts(nullable=False, default=True)
    delivered_at: datetime | None = _ts()
    webhook_delivered_at: datetime | None = _ts()
    email_delivered_at: datetime | None = _ts()
    next_attempt_at: datetime | None = _ts()
    attempts: int = 0
    last_error: str | None = None


# -- daily rollups (store.rollups keeps them equal to the mentions) ------------------------------
# One row per (UTC day, brand, product, source, stage, sentiment[, topics list]) with the sums
# every dashboard aggregate is made of, so the dashboard reads thousands of rows, not millions.
# Key columns hold a placeholder instead of NULL (a primary key cannot hold NULL): brand and
# product 0, stage, sentiment and topics "", day 1900-01-01 for mentions without a date.


class _RollupSums(SQLModel):
    mentions: int = 0
    scored: int = 0  # with a sentiment score (classified)
    rated: int = 0  # with a rating
    visibility: float = 0.0  # Σ v
    visibility_scored: float = 0.0  # Σ v over the scored
    visibility_score: float = 0.0  # Σ v·s
    score_sum: float = 0.0  # Σ s
    rating_sum: float = 0.0  # Σ rating


class _RollupKey(_RollupSums):
    day: date = Field(primary_key=True)
    brand_id: int = Field(primary_key=True)
    product_id: int = Field(primary_key=True)
    source_id: int = Field(primary_key=True)
    stage: str = Field(primary_key=True, max_length=8)
    sentiment: str = Field(primary_key=True, max_length=16)


class MentionDay(_RollupKey, table=True):
    """Daily sums per brand, product, source, stage and sentiment."""

    __tablename__ = "mention_day"


class MentionDayTopics(_RollupKey, table=True):
    """As ``mention_day``, split further by the mention's topics list (its JSON text)."""

    __tablename__ = "mention_day_topics"

    topics: str = Field(primary_key=True)


class MentionDayChange(_RollupSums, table=True):
    """A journal of rollup changes not yet folded into the two tables above.

    Writers append here in their own transaction (appends never wait on each other);
    ``store.rollups.fold`` moves the rows into the rollups in a short transaction of its own.
    Readers add what is here, so results are exact whether or not it has been folded.
    """

    __tablename__ = "mention_day_change"

    id: int | None = Field(default=None, primary_key=True)
    day: date
    brand_id: int
    product_id: int
    source_id: int
    stage: str = Field(max_length=8)
    sentiment: str = Field(max_length=16)
    topics: str


# -- advocate totals (store.rollups keeps them equal to the mentions too) ------------------------
# One row per (author, source, brand) with the positive mentions' count and summed visibility over
# all time: an upper bound of any date range's sum, which the advocates list walks from the top
# (store.advocacy) instead of summing every positive mention. Brand 0 stands for no brand.


class _AdvocateSums(SQLModel):
    mentions: int = 0  # positive mentions
    visibility: float = 0.0  # Σ v over them


class AdvocateTotal(_AdvocateSums, table=True):
    """All-time positive mentions and visibility per author, source and brand."""

    __tablename__ = "advocate_total"
    __table_args__ = (Index("ix_advocate_total_source_visibility", "source_id", "visibility"),)

    author: str = Field(primary_key=True)
    source_id: int = Field(primary_key=True)
    brand_id: int = Field(primary_key=True)


class AdvocateChange(_AdvocateSums, table=True):
    """A journal of changes to ``advocate_total`` not yet folded (as ``mention_day_change``)."""

    __tablename__ = "advocate_change"

    id: int | None = Field(default=None, primary_key=True)
    author: str
    source_id: int
    brand_id: int
