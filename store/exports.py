"""Advocates, complaints and corrections: the lists `umot export` writes and the dashboard offers.

Both read through the same functions with the same :class:`store.scope.Scope`, so a page's
download equals ``umot export … --brand B --since D`` for the same brand and start day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.labels import OWNER_TEAMS
from store.models import ComplaintStatus, Correction, Mention, Source
from store.schemas import classification_text
from store.scope import Scope, Weights, age_days, conditions, ensure_sql_math, ref_day

ADVOCATE_COLUMNS = [
    "rank", "author", "source", "positive_mentions", "summed_visibility", "average_score",
    "first_published_at", "last_published_at",
]  # fmt: skip
COMPLAINT_COLUMNS = [
    "rank", "id", "priority", "status", "owner_team", "stage", "topics", "sentiment_score",
    "visibility", "published_at", "source", "author", "url", "text", "status_note",
]  # fmt: skip
CORRECTION_COLUMNS = ["id", "text", "label", "stage", "topics"]


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


def owner_team(stage: str | None) -> str:
    return OWNER_TEAMS.get(stage or "", "unassigned")


def advocates(
    session: Session, *, scope: Scope, weights: Weights | None = None, limit: int | None = None
) -> Export:
    """Authors of positive mentions, ranked by the summed visibility v(m)·w_source of those
    mentions (per author and source: the same handle on two platforms is two people)."""
    weights = weights or Weights()
    total = func.sum(weights.expr()).label("summed_visibility")
    # Grouped on mention columns only (no join), so the (sentiment, author, source_id, …)
    # index of migration 0002 answers it alone; source names are mapped afterwards.
    stmt: Any = (
        select(
            col(Mention.author),
            col(Mention.source_id),
            func.count(),
            total,
            func.avg(col(Mention.sentiment_score)),
            func.min(col(Mention.published_at)),
            func.max(col(Mention.published_at)),
        )
        .where(
            *conditions(scope),
            col(Mention.sentiment) == "positive",
            col(Mention.author).is_not(None),
            col(Mention.author) != "",
        )
        .group_by(col(Mention.author), col(Mention.source_id))
        .order_by(total.desc(), col(Mention.author), col(Mention.source_id))
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    sources = dict(session.exec(select(Source.id, Source.name)).all())
    rows = [
        dict(zip(ADVOCATE_COLUMNS, (i, author, sources.get(sid), *rest), strict=True))
        for i, (author, sid, *rest) in enumerate(session.exec(stmt).all(), start=1)
    ]
    return Export("advocates", ADVOCATE_COLUMNS, rows)


def complaints(
    session: Session,
    *,
    scope: Scope,
    now: datetime,
    half_life_days: float = 90.0,
    weights: Weights | None = None,
    statuses: tuple[str, ...] = (),
    limit: int | None = None,
) -> Export:
    """Negative mentions by priority ``v(m)·w_source · (1 + |s|) · 0.5^(age_days / H)``.

    The complaint priority of docs/loop.md. ``age_days`` is counted in whole UTC days from the
    mention's day to ``now``'s day (the loop's day granularity); H is the configured half-life.
    Each row names the team owning its stage and the complaint status (``new`` until someone sets
    it). ``statuses`` filters on it.
    """
    weights = weights or Weights()
    ensure_sql_math(session)
    decay = func.power(
        0.5, age_days(col(Mention.published_at), ref_day(now.date())) / half_life_days
    )
    priority = (weights.expr() * (1.0 + func.abs(col(Mention.sentiment_score))) * decay).label(
        "priority"
    )
    status = func.coalesce(col(ComplaintStatus.status), "new").label("status")
    stmt: Any = (
        select(
            col(Mention.id),
            priority,
            status,
            col(Mention.stage),
            col(Mention.topics),
            col(Mention.sentiment_score),
            weights.expr().label("visibility"),
            col(Mention.published_at),
            col(Source.name),
            col(Mention.author),
            col(Mention.url),
            col(Mention.text),
            col(ComplaintStatus.note),
        )
        .join(Source, col(Source.id) == col(Mention.source_id))
        .outerjoin(ComplaintStatus, col(ComplaintStatus.mention_id) == col(Mention.id))
        .where(
            *conditions(scope),
            col(Mention.sentiment) == "negative",
            col(Mention.published_at).is_not(None),
            col(Mention.published_at) < now,
        )
        .order_by(priority.desc(), col(Mention.id))
    )
    if statuses:
        stmt = stmt.where(status.in_(statuses))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = []
    for rank, r in enumerate(session.exec(stmt).all(), start=1):
        (mid, prio, stat, stage, topics, score, vis, published, source, author, url, text, note) = r
        rows.append(
            {
                "rank": rank,
                "id": mid,
                "priority": prio,
                "status": stat,
                "owner_team": owner_team(stage),
                "stage": stage,
                "topics": list(topics or []),
                "sentiment_score": score,
                "visibility": vis,
                "published_at": published,
                "source": source,
                "author": author,
                "url": url,
                "text": text,
                "status_note": note,
            }
        )
    return Export("complaints", COMPLAINT_COLUMNS, rows)


def corrections(session: Session, *, scope: Scope) -> Export:
    """Corrected mentions as a labelled CSV for `umot train`: id, text (title + text, as the
    classifier reads it), label (effective sentiment), stage, topics (``;``-separated)."""
    stmt = (
        select(
            col(Mention.id),
            col(Mention.title),
            col(Mention.text),
            col(Mention.sentiment),
            col(Mention.stage),
            col(Mention.topics),
        )
        .join(Correction, col(Correction.mention_id) == col(Mention.id))
        .where(*conditions(scope))
        .order_by(col(Mention.id))
    )
    rows = [
        {
            "id": mid,
            "text": classification_text(title, text),
            "label": sentiment,
            "stage": stage,
            "topics": list(topics or []),
        }
        for mid, title, text, sentiment, stage, topics in session.exec(stmt).all()
    ]
    return Export("corrections", CORRECTION_COLUMNS, rows)


EXPORT_KINDS = ("advocates", "complaints", "corrections")


def build_export(
    session: Session,
    *,
    kind: str,
    scope: Scope,
    weights: Weights | None = None,
    half_life_days: float = 90.0,
    now: datetime,
) -> Export:
    """One of the three exports, full length (what `umot export` writes and pages download)."""
    if kind == "advocates":
        return advocates(session, scope=scope, weights=weights)
    if kind == "complaints":
        return complaints(
            session, scope=scope, now=now, half_life_days=half_life_days, weights=weights
        )
    if kind == "corrections":
        return corrections(session, scope=scope)
    raise ValueError(f"unknown export {kind!r}; use one of {', '.join(EXPORT_KINDS)}")
