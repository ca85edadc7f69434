"""The config's cron expressions (5 fields, UTC) as triggers, and when each source runs next."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger

from core.config import Config


def trigger_for(expr: str) -> CronTrigger:
    """A 5-field cron expression read in UTC."""
    return CronTrigger.from_crontab(expr, timezone=UTC)


def next_runs(config: Config, *, now: datetime | None = None) -> dict[str, datetime | None]:
    """When each scheduled source runs next (what `umot schedule` and the Crawls page show)."""
    now = now or datetime.now(UTC)
    return {
        source.name: trigger_for(source.schedule).get_next_fire_time(None, now)
        for source in config.sources
        if source.schedule
    }
