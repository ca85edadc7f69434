"""Corrections: what a person says a mention's labels are (labels: docs/taxonomy.md).

A correction is kept beside the model's output (``classification``) and wins over it: saving or
clearing one rewrites the mention's effective labels at once, from the latest classification
with the correction laid over it (``store.classifications.apply_correction``). Reclassification
keeps it, because ``save_results`` lays corrections over new results too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from core.labels import SENTIMENTS, STAGES
from store.classifications import apply_correction, write_effective_labels
from store.models import Classification, Correction, Mention
from store.types import utcnow


class CorrectionError(ValueError):
    """A correction that cannot be saved (unknown mention or label); worded for the user."""


def save_correction(
    session: Session,
    *,
    mention_id: int,
    sentiment: str | None = None,
    stage: str | None = None,
    topics: Sequence[str] | None = None,
    author: str | None = None,
    note: str | None = None,
) -> Correction:
    """Create or replace the correction of a mention; None fields keep the model's label."""
    if session.get(Mention, mention_id) is None:
        raise CorrectionError(f"mention {mention_id} does not exist")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise CorrectionError(f"unknown sentiment {sentiment!r}; use {', '.join(SENTIMENTS)}")
    if stage is not None and stage not in STAGES:
        raise CorrectionError(f"unknown stage {stage!r}; use {', '.join(STAGES)}")
    if sentiment is None and stage is None and topics is None:
        raise CorrectionError("a correction needs a sentiment, a stage or topics")
    clean_topics = (
        None if topics is None else list(dict.fromkeys(t.strip() for t in topics if t.strip()))
    )
    correction = session.get(Correction, mention_id) or Correction(mention_id=mention_id)
    correction.sentiment = sentiment
    correction.stage = stage
    correction.topics = clean_topics
    correction.author = author
    correction.note = note
    correction.corrected_at = utcnow()
    session.add(correction)
    session.flush()
    _refresh(session, mention_id, correction)
    return correction


def clear_correction(session: Session, *, mention_id: int) -> bool:
    """Remove a mention's correction and restore the model's labels; False when there was none."""
    correction = session.get(Correction, mention_id)
    if correction is None:
        return False
    session.delete(correction)
    session.flush()
    _refresh(session, mention_id, None)
    return True


def get_correction(session: Session, *, mention_id: int) -> Correction | None:
    return session.get(Correction, mention_id)


def list_corrections(session: Session, *, limit: int | None = None) -> list[Correction]:
    stmt = select(Correction).order_by(col(Correction.corrected_at).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def _refresh(session: Session, mention_id: int, correction: Correction | None) -> None:
    latest = session.exec(
        select(Classification)
        .where(Classification.mention_id == mention_id)
        .order_by(col(Classification.created_at).desc(), col(Classification.id).desc())
        .limit(1)
    ).first()
    labels: dict[str, Any] = {
        "mention_id": mention_id,
        "sentiment": latest.sentiment if latest else None,
        "sentiment_score": latest.sentiment_score if latest else None,
        "sentiment_confidence": latest.sentiment_confidence if latest else None,
        "stage": latest.stage if latest else None,
        "stage_confidence": latest.stage_confidence if latest else None,
        "topics": list(latest.topics) if latest else None,
        "labels_from": latest.model_version if latest else None,
        "unlabelled": latest.unlabelled if latest else None,
    }
    if correction is not None:
        apply_correction(labels, correction)
    write_effective_labels(session, [labels])
    session.expire_all()
