"""Scheduling: cron triggers from the config, one run at a time, failures don't stop it."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.config import load_config
from store.catalog import SourceSpec, sync_catalog
from store.db import make_engine, session_scope, upgrade
from store.runs import finish_run, start_run
from umot.schedule import SourceJobs, build_scheduler, next_runs

CONFIG = """
[[sources]]
name = "hourly"
spider = "rss"
start_urls = ["http://127.0.0.1:9/feed"]
schedule = "15 * * * *"

[[sources]]
name = "nightly"
spider = "rss"
start_urls = ["http://127.0.0.1:9/feed"]
schedule = "0 3 * * *"

[[sources]]
name = "manual"
spider = "rss"
start_urls = ["http://127.0.0.1:9/feed"]
"""


def _config(tmp_path: Path):
    path = tmp_path / "umot.toml"
    path.write_text(CONFIG)
    return load_config(path)


def test_next_runs_follow_each_sources_cron(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 10, 20, tzinfo=UTC)
    runs = next_runs(_config(tmp_path), now=now)
    assert runs == {
        "hourly": datetime(2026, 11, 25, 11, 15, tzinfo=UTC),
        "nightly": datetime(2026, 11, 26, 3, 0, tzinfo=UTC),
    }


def test_scheduler_has_one_job_per_scheduled_source_never_overlapping(tmp_path: Path) -> None:
    config = _config(tmp_path)
    scheduler = build_scheduler(config, SourceJobs(config.path))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"crawl:hourly", "crawl:nightly"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    only = build_scheduler(config, SourceJobs(config.path), sources=["nightly"])
    assert [job.id for job in only.get_jobs()] == ["crawl:nightly"]


def test_a_failing_run_is_reported_and_the_job_survives(tmp_path: Path) -> None:
    # A stand-in for `umot`: records its arguments, fails the crawl, succeeds otherwise.
    script = tmp_path / "fake_umot.py"
    log = tmp_path / "calls.log"
    script.write_text(
        "import sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "sys.exit(3 if 'crawl' in sys.argv else 0)\n"
    )
    jobs = SourceJobs(tmp_path / "umot.toml", umot_command=(sys.executable, str(script)))
    first = jobs.run_source("hourly")
    second = jobs.run_source("hourly")
    assert first.crawl_rc == 3 and first.classify_rc == 0
    assert second.crawl_rc == 3
    calls = log.read_text().splitlines()
    config_arg = f"--config {tmp_path / 'umot.toml'}"
    assert calls[0] == f"{config_arg} crawl --source hourly --verbose"
    assert calls[1] == f"{config_arg} classify --quiet"
    assert calls[2] == f"{config_arg} alerts check"
    assert len(calls) == 6


def test_each_crawl_is_logged_in_words_from_its_run(tmp_path: Path, caplog) -> None:
    """The step's line says how the run went ("failed: could not resolve host …"), read from
    its row, instead of the child's last line (a table border, a log line)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'umot.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        catalog = sync_catalog(session, brands=[], sources=[SourceSpec("hourly", "rss")])
        run = start_run(session, source_id=catalog.sources["hourly"])
        finish_run(
            session, run_id=run.id, status="failed", error="could not resolve host x.invalid"
        )
    script = tmp_path / "fake_umot.py"
    script.write_text("import sys\nprint('└──┘')\nsys.exit(1 if 'crawl' in sys.argv else 0)\n")
    jobs = SourceJobs(None, umot_command=(sys.executable, str(script)), engine=engine)
    caplog.set_level(logging.INFO, logger="umot.schedule")
    jobs.run_source("hourly")
    steps = [r for r in caplog.records if r.name == "umot.schedule"]
    assert steps[0].getMessage() == "crawl hourly: failed: could not resolve host x.invalid"
    assert steps[0].levelno == logging.ERROR
    assert not [s for s in steps if "└" in s.getMessage()]
    with session_scope(engine) as session:
        run = start_run(session, source_id=catalog.sources["hourly"])
        finish_run(session, run_id=run.id, status="ok", new=12, updated=3)
    caplog.clear()
    jobs.run_source("hourly")
    steps = [r.getMessage() for r in caplog.records if r.name == "umot.schedule"]
    assert steps[0] == "crawl hourly: ok, 12 new, 3 updated"
