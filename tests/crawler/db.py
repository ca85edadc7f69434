"""Read what a crawl left in its database (a SQLite file, or any database URL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from store.db import make_engine
from store.models import CrawlRun, EngagementSnapshot, Mention, Source


class Stored:
    def __init__(self, database: Path | str) -> None:
        url = database if isinstance(database, str) else f"sqlite:///{database}"
        self.engine = make_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def mentions(self, source: str) -> list[Mention]:
        with Session(self.engine) as session:
            stmt = (
                select(Mention)
                .join(Source, Source.id == Mention.source_id)  # type: ignore[arg-type]
                .where(Source.name == source)
                .order_by(Mention.id)  # type: ignore[arg-type]
            )
            return list(session.exec(stmt))

    def runs(self, source: str) -> list[CrawlRun]:
        with Session(self.engine) as session:
            stmt = (
                select(CrawlRun)
                .join(Source, Source.id == CrawlRun.source_id)  # type: ignore[arg-type]
                .where(Source.name == source)
                .order_by(CrawlRun.id)  # type: ignore[arg-type]
            )
            return list(session.exec(stmt))

    def snapshots(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(EngagementSnapshot)).one()
