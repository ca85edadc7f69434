"""`umot status`: what is stored, how much is classified, how each source last ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core import unlabelled as reasons
from store.facts import facts
from store.models import Brand, Mention, Source
from store.runs import last_runs


def status_summary(session: Session) -> dict[str, Any]:
    """Mentions by source, brand and spider, the classified count, the mentions the model left
    unlabelled (per reason), and each source's last run."""
    total, classified = _mention_counts(session)
    unlabelled = unlabelled_counts(session)
    by_source = dict(
        session.exec(
            select(Source.name, func.count(col(Mention.id)))
            .outerjoin(Mention, col(Mention.source_id) == Source.id)
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    )
    by_spider = dict(
        session.exec(
            select(Source.spider, func.count(col(Mention.id)))
            .join(Mention, col(Mention.source_id) == Source.id)
            .group_by(Source.spider)
            .order_by(Source.spider)
        ).all()
    )
    by_brand = dict(
        session.exec(
            select(Brand.name, func.count(col(Mention.id)))
            .outerjoin(Mention, col(Mention.brand_id) == Brand.id)
            .group_by(Brand.name)
            .order_by(Brand.name)
        ).all()
    )
    unmatched = session.scalar(
        select(func.count()).select_from(Mention).where(col(Mention.brand_id).is_(None))
    )
    runs = [
        {
            "source": name,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "pages": run.pages,
            "new": run.new,
            "updated": run.updated,
            "dropped": run.dropped,
            "drop_reasons": run.drop_reasons or {},
            "error": run.error,
        }
        for name, run in last_runs(session)
    ]
    return {
        "mentions": {
            "total": total,
            "by_source": by_source,
            "by_brand": by_brand,
            "by_spider": by_spider,
            "without_brand": unmatched or 0,
        },
        "classified": classified,
        # Waiting for `umot classify`: neither labelled nor left out for their language.
        "unclassified": total - classified - not_scored(unlabelled),
        "unlabelled": {"total": sum(unlabelled.values()), "by_reason": unlabelled},
        "runs": runs,
    }


def _mention_counts(session: Session) -> tuple[int, int]:
    """All mentions, and those with labels (from the daily rollups: no count of every row)."""
    f = facts(session)
    total, labelled = session.connection().execute(f.select(f.count(), f.classified())).one()
    return int(total or 0), int(labelled or 0)


def unlabelled_counts(session: Session) -> dict[str, int]:
    """Mentions whose latest model output left labels out, per reason (core.unlabelled), largest
    first; a mention a person has corrected since is labelled and not counted."""
    reason = col(Mention.unlabelled)
    corrected = col(Mention.labels_from) == "correction"
    rows = session.exec(
        select(reason, func.count())
        .where(reason.is_not(None), or_(col(Mention.labels_from).is_(None), ~corrected))
        .group_by(reason)
    ).all()
    return {str(r): int(n) for r, n in sorted(rows, key=lambda row: (-row[1], row[0]))}


def not_scored(counts: dict[str, int]) -> int:
    """How many of ``counts`` (:func:`unlabelled_counts`) have no sentiment at all."""
    return sum(n for r, n in counts.items() if reasons.parse(r)[0] == reasons.UNSUPPORTED)


FAILED_STATUSES = ("failed", "blocked", "needs_credentials", "interrupted")


@dataclass(frozen=True, slots=True)
class DataState:
    """What the database holds, in the terms an empty page explains itself with."""

    mentions: int
    classified: int
    failed_sources: dict[str, str]  # source -> why its last run failed
    crawled_sources: frozenset[str]  # sources with at least one run
    # reason -> mentions the model left unlabelled (unlabelled_counts)
    unlabelled: dict[str, int] = field(default_factory=dict)


def data_state(session: Session) -> DataState:
    """Counts of mentions and labelled mentions, and each source's last run outcome."""
    mentions, classified = _mention_counts(session)
    runs = last_runs(session)
    failed = {
        name: run.error or run.status.replace("_", " ")
        for name, run in runs
        if run.status in FAILED_STATUSES
    }
    return DataState(
        mentions=mentions,
        classified=classified,
        failed_sources=failed,
        crawled_sources=frozenset(name for name, _ in runs),
        unlabelled=unlabelled_counts(session),
    )


EmptyCause = Literal["no_sources", "all_failed", "no_mentions", "unlabelled"]


def empty_cause(state: DataState, configured: list[str]) -> EmptyCause | None:
    """Why there is nothing to show, for the dashboard's and the CLI's own words; None when
    there are labelled mentions."""
    if state.mentions == 0:
        if not configured:
            return "no_sources"
        if set(configured) <= set(state.failed_sources):
            return "all_failed"
        return "no_mentions"
    return (
        "unlabelled"
        if state.classified == 0 and state.mentions > not_scored(state.unlabelled)
        else None
    )
