"""Crawl runs: one row per run of each source (start, end, status, pages, counts, error)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import RUN_STATUSES, CrawlRun, Source
from store.types import utcnow


def start_run(session: Session, *, source_id: int, now: datetime | None = None) -> CrawlRun:
    """Open a run. Runs of this source still marked ``running`` were killed: mark them so.

    They are marked finished at the new run's start time, exactly: the crawler's incremental
    stop recognises them as runs that were open when this one started. (Another process of a
    shared crawl, alive after all, overwrites the mark when it finishes.)
    """
    now = now or utcnow()
    stale = session.exec(
        select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "running")
    )
    for run in stale:
        run.status = "interrupted"
        run.finished_at = run.finished_at or now
        run.error = run.error or "the process ended before the run finished"
    run = CrawlRun(source_id=source_id, started_at=now, status="running")
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    *,
    run_id: int,
    status: str,
    pages: int = 0,
    new: int = 0,
    updated: int = 0,
    drop_reasons: Mapping[str, int] | None = None,
    error: str | None = None,
    now: datetime | None = None,
) -> CrawlRun:
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"crawl run {run_id} does not exist")
    reasons = dict(drop_reasons or {})
    run.status = status
    run.finished_at = now or utcnow()
    run.pages = pages
    run.new = new
    run.updated = updated
    run.dropped = sum(reasons.values())
    run.drop_reasons = reasons or None
    run.error = error
    session.add(run)
    session.flush()
    return run


def last_runs(session: Session) -> list[tuple[str, CrawlRun]]:
    """The latest run of every source that has one, as (source name, run), by source name."""
    latest = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id"))
        .group_by(CrawlRun.source_id)
        .subquery()
    )
    stmt = (
        select(Source.name, CrawlRun)
        .join(latest, latest.c.run_id == CrawlRun.id)
        .join(Source, col(Source.id) == CrawlRun.source_id)
        .order_by(Source.name)
    )
    return [(name, run) for name, run in session.exec(stmt)]


def run_history(
    session: Session, *, source: str | None = None, limit: int = 200
) -> list[tuple[str, CrawlRun]]:
    stmt = select(Source.name, CrawlRun).join(Source, col(Source.id) == CrawlRun.source_id)
    if source is not None:
        stmt = stmt.where(Source.name == source)
    stmt = stmt.order_by(col(CrawlRun.id).desc()).limit(limit)
    return [(name, run) for name, run in session.exec(stmt)]
