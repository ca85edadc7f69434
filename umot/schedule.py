"""`umot schedule`: crawl each source on its cron, then classify and check alerts.

Each crawl runs in a child process (`umot crawl --source NAME`): Scrapy's reactor cannot be
restarted inside one process, and a crash in one source must not take the scheduler down.
APScheduler gives one job per source with ``max_instances=1`` (never two runs of the same source
at once); a failing run is logged (its CrawlRun row says why) and the next one stays scheduled.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler

from core.config import Config
from core.cron import next_runs, trigger_for

__all__ = ["JobResult", "SourceJobs", "build_scheduler", "next_runs"]

log = logging.getLogger("umot.schedule")


@dataclass(frozen=True, slots=True)
class JobResult:
    source: str
    crawl_rc: int
    classify_rc: int | None


class SourceJobs:
    """The work a scheduled tick does; separate from the scheduler so it can be tested."""

    def __init__(
        self,
        config_path: Path | None,
        *,
        umot_command: Sequence[str] = (sys.executable, "-m", "umot"),
        timeout: float = 3600,
    ) -> None:
        self._base = [*umot_command, *(["--config", str(config_path)] if config_path else [])]
        self._timeout = timeout
        # Classification after concurrent crawls would claim the same rows on SQLite (no row
        # locks): one classify at a time per scheduler.
        self._classify_lock = threading.Lock()

    def run_source(self, source: str) -> JobResult:
        crawl_rc = self._run(["crawl", "--source", source], f"crawl {source}")
        classify_rc = None
        with self._classify_lock:
            classify_rc = self._run(["classify", "--quiet"], "classify")
            self._run(["alerts", "check"], "alerts")
        return JobResult(source=source, crawl_rc=crawl_rc, classify_rc=classify_rc)

    def _run(self, args: list[str], what: str) -> int:
        try:
            proc = subprocess.run(
                [*self._base, *args], capture_output=True, text=True, timeout=self._timeout
            )
        except subprocess.TimeoutExpired:
            log.error("%s: timed out after %.0f s", what, self._timeout)
            return -1
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            log.error("%s: exit %s: %s", what, proc.returncode, tail[0])
        else:
            log.info("%s: done", what)
        return proc.returncode


def build_scheduler(
    config: Config, jobs: SourceJobs, *, sources: Sequence[str] = ()
) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    for source in config.sources:
        if not source.schedule or (sources and source.name not in sources):
            continue
        scheduler.add_job(
            jobs.run_source,
            trigger_for(source.schedule),
            args=[source.name],
            id=f"crawl:{source.name}",
            name=f"crawl {source.name}",
            max_instances=1,  # one run at a time per source
            coalesce=True,  # after downtime, one catch-up run, not a burst
            misfire_grace_time=3600,
        )
    return scheduler
