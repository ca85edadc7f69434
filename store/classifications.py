"""Model output: claim unlabelled mentions, save results, keep the effective labels current."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from store import rollups
from store.models import Classification, Correction, Mention, MentionTopic
from store.schemas import LabelResult, PendingMention, classification_text
from store.types import utcnow


def claim_unclassified(session: Session, *, model_version: str, limit: int) -> list[PendingMention]:
    """Mentions with no result for ``model_version``, oldest first, locked for this transaction.

    On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: several workers each get a
    different batch, and a crashed worker's batch is free again when its transaction dies. Save
    the results and commit in the same transaction that claimed them.
    """
    done = exists().where(
        Classification.mention_id == Mention.id,
        Classification.model_version == model_version,
    )
    # The second condition is on the mention row itself: when another worker labelled a row
    # between this statement's snapshot and its lock, PostgreSQL re-checks it on the new row
    # version (the NOT EXISTS alone would still see the old snapshot) and skips it.
    fresh = or_(col(Mention.labels_from).is_(None), col(Mention.labels_from) != model_version)
    stmt = (
        select(Mention.id, Mention.title, Mention.text)
        .where(~done, fresh)
        .order_by(col(Mention.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Mention.__table__)  # type: ignore[attr-defined]
    return [
        PendingMention(id=row.id, text=classification_text(row.title, row.text))
        for row in session.execute(stmt)
    ]


def count_unclassified(session: Session, *, model_version: str) -> int:
    done = exists().where(
        Classification.mention_id == Mention.id,
        Classification.model_version == model_version,
    )
    return session.scalar(select(func.count()).select_from(Mention).where(~done)) or 0


def save_results(session: Session, *, model_version: str, results: Sequence[LabelResult]) -> int:
    """Store results (idempotent per mention and version) and refresh effective labels.

    A correction wins: its non-null fields replace the model's in the effective labels.
    Returns how many classification rows were new.
    """
    if not results:
        return 0
    now = utcnow()
    rows = [
        {
            "mention_id": r.mention_id,
            "model_version": model_version,
            "sentiment": r.sentiment,
            "sentiment_score": _score(r.sentiment_score),
            "sentiment_confidence": _probability(r.confidence),
            "stage": r.stage,
            "stage_confidence": _probability(r.stage_confidence),
            "topics": list(r.topics),
            "language": r.language,
            "unlabelled": r.unlabelled,
            "aspects": list(r.aspects),
            "created_at": now,
        }
        for r in results
    ]
    table = Classification.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(table).on_conflict_do_nothing(index_elements=["mention_id", "model_version"])
    inserted = session.execute(stmt.returning(table.c.mention_id), rows).all()

    ids = [r.mention_id for r in results]
    corrections = {
        c.mention_id: c
        for c in session.scalars(select(Correction).where(col(Correction.mention_id).in_(ids)))
    }
    effective = [_effective(r, corrections.get(r.mention_id), model_version) for r in results]
    write_effective_labels(session, effective)
    return len(inserted)


def _effective(r: LabelResult, correction: Correction | None, version: str) -> dict[str, Any]:
    labels: dict[str, Any] = {
        "mention_id": r.mention_id,
        "sentiment": r.sentiment,
        "sentiment_score": _score(r.sentiment_score),
        "sentiment_confidence": _probability(r.confidence),
        "stage": r.stage,
        "stage_confidence": _probability(r.stage_confidence),
        "topics": list(r.topics),
        "labels_from": version,
        "unlabelled": r.unlabelled,
    }
    if correction is not None:
        apply_correction(labels, correction)
    return labels


def _score(value: float | None) -> float | None:
    return None if value is None else float(value)


def _probability(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, float(value)))


def apply_correction(labels: dict[str, Any], correction: Correction) -> None:
    """Overlay a correction on labels (in place). A corrected sentiment sets a matching score
    and a confidence of 1.0 (a corrected stage too): a person's label is not a guess."""
    if correction.sentiment is not None:
        labels["sentiment"] = correction.sentiment
        labels["sentiment_score"] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[
            correction.sentiment
        ]
        labels["sentiment_confidence"] = 1.0
    if correction.stage is not None:
        labels["stage"] = correction.stage
        labels["stage_confidence"] = 1.0
    if correction.topics is not None:
        labels["topics"] = list(correction.topics)
    labels["labels_from"] = "correction"


def write_effective_labels(session: Session, labels: Sequence[dict[str, Any]]) -> None:
    """Set mention.sentiment/score/confidence/stage/topics/unlabelled and the mention_topic rows
    (batched), and journal the change to the daily rollups. A labels dict without
    ``sentiment_confidence`` or ``unlabelled`` leaves it empty (None)."""
    if not labels:
        return
    ids = [row["mention_id"] for row in labels]
    with rollups.tracking(session, ids):
        _write_labels(session, labels)


def _write_labels(session: Session, labels: Sequence[dict[str, Any]]) -> None:
    mention = Mention.__table__  # type: ignore[attr-defined]
    stmt = (
        update(mention)
        .where(mention.c.id == bindparam("b_id"))
        .values(
            sentiment=bindparam("b_sentiment"),
            sentiment_score=bindparam("b_score"),
            sentiment_confidence=bindparam("b_conf"),
            stage_confidence=bindparam("b_stage_conf"),
            stage=bindparam("b_stage"),
            topics=bindparam("b_topics"),
            labels_from=bindparam("b_from"),
            unlabelled=bindparam("b_unlabelled"),
        )
    )
    session.connection().execute(
        stmt,
        [
            {
                "b_id": row["mention_id"],
                "b_sentiment": row["sentiment"],
                "b_score": row["sentiment_score"],
                "b_conf": row.get("sentiment_confidence"),
                "b_stage_conf": row.get("stage_confidence"),
                "b_stage": row["stage"],
                "b_topics": row["topics"],
                "b_from": row["labels_from"],
                "b_unlabelled": row.get("unlabelled"),
            }
            for row in labels
        ],
    )
    ids = [row["mention_id"] for row in labels]
    session.execute(delete(MentionTopic).where(col(MentionTopic.mention_id).in_(ids)))
    topic_rows = [
        {"mention_id": row["mention_id"], "topic": topic}
        for row in labels
        for topic in dict.fromkeys(row["topics"] or [])
    ]
    if topic_rows:
        session.execute(insert(MentionTopic), topic_rows)
