"""Mention search for the Mentions page: filter, search text, page through, open one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlmodel import Session, col, func, select

from store.models import Brand, ComplaintStatus, Correction, Mention, MentionTopic, Source
from store.scope import Scope, Weights, conditions

BROWSE_COLUMNS = [
    "id", "published_at", "brand", "source", "author", "sentiment", "score", "confidence",
    "stage", "stage_confidence", "topics", "labels_from", "unlabelled", "visibility", "text",
    "url",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class MentionSearch:
    """What the Mentions page searches for, on top of the scope; empty fields match all."""

    text: str | None = None  # in title or text, case-insensitive
    sentiment: str | None = None
    stage: str | None = None
    topic: str | None = None
    corrected_only: bool = False


def search_mentions(
    session: Session,
    *,
    scope: Scope,
    search: MentionSearch = MentionSearch(),
    weights: Weights | None = None,
    limit: int = 100,
    offset: int = 0,
) -> pd.DataFrame:
    """Mentions in scope matching ``search``, newest first."""
    weights = weights or Weights()
    stmt: Any = select(
        col(Mention.id),
        col(Mention.published_at),
        col(Brand.name),
        col(Source.name),
        col(Mention.author),
        col(Mention.sentiment),
        col(Mention.sentiment_score),
        col(Mention.sentiment_confidence),
        col(Mention.stage),
        col(Mention.stage_confidence),
        col(Mention.topics),
        col(Mention.labels_from),
        col(Mention.unlabelled),
        weights.expr(),
        col(Mention.text),
        col(Mention.url),
    )
    stmt = _filtered(stmt, scope, search)
    stmt = (
        stmt.order_by(col(Mention.published_at).desc(), col(Mention.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [tuple(r) for r in session.exec(stmt).all()]
    return pd.DataFrame(rows, columns=BROWSE_COLUMNS)


def count_mentions(
    session: Session,
    *,
    scope: Scope,
    search: MentionSearch = MentionSearch(),
) -> int:
    """How many mentions :func:`search_mentions` finds over all its pages (one SQL count)."""
    stmt: Any = select(func.count(col(Mention.id)))
    stmt = _filtered(stmt, scope, search)
    return int(session.exec(stmt).one())


def _filtered(stmt: Any, scope: Scope, search: MentionSearch) -> Any:
    stmt = (
        stmt.select_from(Mention)
        .join(Source, col(Source.id) == col(Mention.source_id))
        .outerjoin(Brand, col(Brand.id) == col(Mention.brand_id))
        .where(*conditions(scope, by_day=False))
    )
    if search.text:
        pattern = f"%{_escape_like(search.text.strip())}%"
        stmt = stmt.where(
            col(Mention.text).ilike(pattern, escape="\\")
            | col(Mention.title).ilike(pattern, escape="\\")
        )
    if search.sentiment:
        stmt = stmt.where(col(Mention.sentiment) == search.sentiment)
    if search.stage:
        stmt = stmt.where(col(Mention.stage) == search.stage)
    if search.topic:
        stmt = stmt.join(
            MentionTopic,
            (col(MentionTopic.mention_id) == col(Mention.id))
            & (col(MentionTopic.topic) == search.topic),
        )
    if search.corrected_only:
        stmt = stmt.join(Correction, col(Correction.mention_id) == col(Mention.id))
    return stmt


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mention_detail(session: Session, *, mention_id: int) -> dict[str, Any] | None:
    """One mention with its labels, its correction and its complaint status."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        return None
    correction = session.get(Correction, mention_id)
    status = session.get(ComplaintStatus, mention_id)
    source = session.get(Source, mention.source_id)
    return {
        "id": mention.id,
        "source": source.name if source else None,
        "url": mention.url,
        "author": mention.author,
        "title": mention.title,
        "text": mention.text,
        "published_at": mention.published_at,
        "sentiment": mention.sentiment,
        "score": mention.sentiment_score,
        "stage": mention.stage,
        "topics": list(mention.topics or []),
        "labels_from": mention.labels_from,
        "correction": None
        if correction is None
        else {
            "sentiment": correction.sentiment,
            "stage": correction.stage,
            "topics": correction.topics,
            "author": correction.author,
            "note": correction.note,
            "corrected_at": correction.corrected_at,
        },
        "status": status.status if status else "new",
        "status_note": status.note if status else None,
    }


def known_topics(session: Session) -> list[str]:
    """Every topic that some mention carries (for the correction form and filters).

    A skip scan of the (topic, mention_id) index: one probe per distinct topic ("the first
    topic after the last one found") instead of reading every row, ten million at scale."""
    topic = col(MentionTopic.topic)
    found = select(func.min(topic).label("topic")).cte("found", recursive=True)
    after = select(func.min(topic)).where(topic > found.c.topic).scalar_subquery()
    found = found.union_all(select(after).where(found.c.topic.is_not(None)))
    stmt = select(found.c.topic).where(found.c.topic.is_not(None))
    return sorted(session.connection().execute(stmt).scalars())
