"""Fill a test database through the real store (catalog, upserts, classification results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.catalog import BrandSpec, SourceSpec, sync_catalog
from store.classifications import save_results
from store.db import session_scope
from store.mentions import upsert_many
from store.schemas import LabelResult, MentionIn

MODEL = "test-model-1"


@dataclass
class M:
    """A mention and its labels, written compactly in tests."""

    external_id: str
    day: str  # "2026-01-05" or "2026-01-05T10:00"; "" for an undated mention
    score: float | None = 0.0
    stage: str = "smot"
    topics: list[str] = field(default_factory=list)
    source: str = "reviews"
    brand: str | None = "Acme"
    likes: int | None = None
    followers: int | None = None
    text: str = ""
    author: str | None = None
    url: str | None = None
    product: str | None = None  # a product of the mention's brand (fill creates "Widget")
    confidence: float | None = None  # the model's P(sentiment)
    stage_confidence: float | None = None  # the model's P(stage)
    rating: float | None = None
    # Why the model left labels out ("unsupported language: de": no labels, whatever ``score``
    # says; "sentiment only: de": a score but no stage or topics).
    unlabelled: str | None = None

    @property
    def sentiment(self) -> str:
        assert self.score is not None
        return "positive" if self.score > 0.2 else "negative" if self.score < -0.2 else "neutral"

    @property
    def published(self) -> datetime | None:
        if not self.day:
            return None
        return datetime.fromisoformat(self.day).replace(tzinfo=UTC)


def fill(
    engine: Engine,
    mentions: list[M],
    *,
    brands: tuple[str, ...] = ("Acme", "Globex"),
    sources: tuple[tuple[str, str], ...] = (("reviews", "jsonld"), ("forum", "reddit")),
) -> dict[str, int]:
    """Write mentions (and labels where ``score`` is not None); return external_id -> id."""
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        catalog = sync_catalog(
            session,
            brands=[BrandSpec(name=b, products=("Widget",)) for b in brands],
            sources=[SourceSpec(name=n, spider=s) for n, s in sources],
        )
        for source_name in {m.source for m in mentions}:
            batch = [m for m in mentions if m.source == source_name]
            result = upsert_many(
                session,
                source_id=catalog.sources[source_name],
                items=[
                    MentionIn(
                        external_id=m.external_id,
                        text=m.text or f"mention {m.external_id}",
                        published_at=m.published,
                        likes=m.likes,
                        author_followers=m.followers,
                        author=m.author,
                        url=m.url or f"https://example.test/{m.external_id}",
                        rating=m.rating,
                        brand_id=catalog.brands[m.brand] if m.brand else None,
                        product_id=(
                            catalog.products[(m.brand, m.product)]
                            if m.brand and m.product
                            else None
                        ),
                    )
                    for m in batch
                ],
            )
            ids.update(zip([m.external_id for m in batch], result.ids, strict=True))
        results = [_result(ids[m.external_id], m) for m in mentions if m.score is not None]
        results += [
            _result(ids[m.external_id], m)
            for m in mentions
            if m.score is None and m.unlabelled is not None
        ]
        save_results(session, model_version=MODEL, results=results)
    return ids


def _result(mention_id: int, m: M) -> LabelResult:
    """What the model said of ``m``: its labels, or fewer and why (``m.unlabelled``)."""
    scored = m.score is not None and not (m.unlabelled or "").startswith("unsupported")
    staged = scored and m.unlabelled is None
    return LabelResult(
        mention_id=mention_id,
        sentiment=m.sentiment if scored else None,
        sentiment_score=m.score if scored else None,
        stage=m.stage if staged else None,
        topics=list(m.topics) if staged else [],
        confidence=m.confidence if scored else None,
        stage_confidence=m.stage_confidence if staged else None,
        unlabelled=m.unlabelled,
    )


def names_to_ids(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    """(brand name -> id, source name -> id)."""
    from sqlmodel import select

    from store.models import Brand, Source

    with session_scope(engine) as session:
        brands = {n: i for i, n in session.exec(select(Brand.id, Brand.name)).all()}
        sources = {n: i for i, n in session.exec(select(Source.id, Source.name)).all()}
    return brands, sources


@dataclass
class Prediction:
    """A model's prediction of one text, as the classify loop reads it (umot.classify)."""

    sentiment: str = "negative"
    sentiment_score: float = -0.5
    stage: str = "smot"
    topics: list[str] = field(default_factory=list)
    language: str | None = "en"
    confidence: float | None = 0.64
    stage_confidence: float | None = 0.71
    unlabelled: str | None = None

    def aspects(self) -> list[dict[str, object]]:
        return []
