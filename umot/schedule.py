"""`umot schedule`: crawl each source on its cron, then classify and check alerts; send the report.

Each step runs in a child `umot` process: Scrapy's reactor cannot be restarted inside one process,
and a crash in one source must not take the scheduler down. APScheduler gives one job per source
with ``max_instances=1`` (never two runs of the same source at once); a failing run is logged (its
CrawlRun row says why) and the next one stays scheduled. What the children print goes to the
scheduler's rotating log file; the terminal gets one line per step.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine

from core import processes
from core.config import Config
from core.cron import next_runs, trigger_for
from store.db import session_scope
from store.runs import run_history

__all__ = ["JobResult", "SourceJobs", "build_scheduler", "configure_logging", "next_runs"]

log = logging.getLogger("umot.schedule")
# The children's own output: kept in the log file, not shown on the terminal.
child_log = logging.getLogger("umot.schedule.child")

LOG_BYTES = 5_000_000
LOG_BACKUPS = 5
REPORT_JOB = "report"


@dataclass(frozen=True, slots=True)
class JobResult:
    source: str
    crawl_rc: int | None
    classify_rc: int | None


class SourceJobs:
    """The work a scheduled tick does; separate from the scheduler so it can be tested.

    ``engine``, when given, is read after a failed crawl to log the run's error in words.
    """

    def __init__(
        self,
        config_path: Path | None,
        *,
        umot_command: Sequence[str] = (sys.executable, "-m", "umot"),
        timeout: float = 3600,
        engine: Engine | None = None,
    ) -> None:
        self._base = [*umot_command, *(["--config", str(config_path)] if config_path else [])]
        self._timeout = timeout
        self._engine = engine
        self._stopping = threading.Event()
        # Classification after concurrent crawls would claim the same rows on SQLite (no row
        # locks): one classify at a time per scheduler.
        self._classify_lock = threading.Lock()

    def run_source(self, source: str) -> JobResult:
        crawl_rc = self._run(
            ["crawl", "--source", source, "--verbose"],
            f"crawl {source}",
            outcome=lambda: self._last_run(source),
        )
        with self._classify_lock:
            classify_rc = self._run(["classify", "--quiet"], "classify")
            self._run(["alerts", "check"], "alerts")
        return JobResult(source=source, crawl_rc=crawl_rc, classify_rc=classify_rc)

    def run_report(self, config: Config, *, today: datetime | None = None) -> int | None:
        """`umot report` as [report] says: e-mailed, kept in its folder, or both."""
        report = config.report
        args = ["report", "--period", report.period]
        for brand in report.brands:
            args += ["--brand", brand]
        if report.folder is not None:
            day = (today or datetime.now(UTC)).date()
            report.folder.mkdir(parents=True, exist_ok=True)
            args += ["--output", str(report.folder / f"report-{report.period}-{day}.html")]
        if config.notify.smtp_url_env is not None:
            args.append("--email")
            for address in report.to:
                args += ["--to", address]
        return self._run(args, f"{report.period} report")

    def stop(self) -> None:
        """Start no more steps and stop the running ones (a crawl marks its run
        ``interrupted``)."""
        self._stopping.set()
        processes.stop_children()

    def _run(
        self,
        args: list[str],
        what: str,
        *,
        outcome: Callable[[], tuple[int, str] | None] | None = None,
    ) -> int | None:
        """Run one step in a child; log one line on how it went: ``outcome()``'s (level,
        words) when it has them, else the exit code and the child's last line."""
        if self._stopping.is_set():
            return None
        lines: list[str] = []

        def keep(line: str) -> None:
            child_log.info("[%s] %s", what, line)
            if line.strip():
                lines[:] = [line.strip()]

        try:
            code = processes.run_lines([*self._base, *args], keep, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            log.error("%s: stopped after %.0f s", what, self._timeout)
            return -1
        except KeyboardInterrupt:
            log.info("%s: stopped", what)
            raise
        said = outcome() if outcome is not None and not self._stopping.is_set() else None
        if self._stopping.is_set():
            log.info("%s: stopped", what)
        elif said is not None:
            log.log(said[0], "%s: %s", what, said[1])
        elif code != 0:
            log.error("%s: exit %s: %s", what, code, lines[0] if lines else "no output")
        else:
            log.info("%s: done", what)
        return code

    def _last_run(self, source: str) -> tuple[int, str] | None:
        """How the source's last run went, in words, from its row (None without a database)."""
        if self._engine is None:
            return None
        with session_scope(self._engine) as session:
            runs = run_history(session, source=source, limit=1)
        if not runs:
            return None
        run = runs[0][1]
        if run.status == "ok":
            return logging.INFO, f"ok, {run.new} new, {run.updated} updated"
        level = logging.WARNING if run.status == "partial" else logging.ERROR
        status = run.status.replace("_", " ")
        return level, f"{status}: {run.error}" if run.error else status


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
    if config.report.schedule and not sources:
        scheduler.add_job(
            jobs.run_report,
            trigger_for(config.report.schedule),
            args=[config],
            id=REPORT_JOB,
            name=f"{config.report.period} report",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=6 * 3600,  # a report a few hours late beats none
        )
    return scheduler


def configure_logging(log_file: Path) -> None:
    """Everything to ``log_file`` (rotated: 5 files of 5 MB); the step lines to stderr too."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    to_file = RotatingFileHandler(
        log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    to_file.setFormatter(formatter)
    to_terminal = logging.StreamHandler()
    to_terminal.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M"))
    to_terminal.addFilter(_for_terminal)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(to_file)
    root.addHandler(to_terminal)


def _for_terminal(record: logging.LogRecord) -> bool:
    """The scheduler's own step lines, and other libraries' warnings; not the children's output."""
    if record.name.startswith(child_log.name):
        return False
    return record.name.startswith(log.name) or record.levelno >= logging.WARNING
