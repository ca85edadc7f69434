"""Running it unattended: `umot schedule` and `umot alerts`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from umot.shell import UserError, current_config, open_engine, state, user_errors

alerts_app = typer.Typer(help="Spike alerts (negative volume against its baseline).")


def register(app: typer.Typer) -> None:
    app.command()(schedule)
    app.add_typer(alerts_app, name="alerts")


def schedule(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only these sources.")
    ] = None,
    run_now: Annotated[
        bool, typer.Option("--run-now", help="Run every scheduled source once at start.")
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Where every run's full output goes, rotated (default: "
            "logs/umot-schedule.log beside the config file).",
        ),
    ] = None,
) -> None:
    """Crawl each source on its cron (config `schedule`), classify and check alerts after; send
    the report on its own cron ([report] schedule). Ctrl-C or SIGTERM stops it cleanly."""
    from umot.schedule import REPORT_JOB, SourceJobs, build_scheduler, configure_logging, next_runs

    with user_errors():
        config = current_config()
        engine = open_engine(config)  # fail now, not at the first tick, when the database is bad
        unknown = [s for s in source or [] if s not in config.source_names]
        if unknown:
            raise UserError(f"unknown source(s): {', '.join(unknown)}")
        config_path = config.path or state.config_path
        jobs = SourceJobs(config_path, engine=engine)
        scheduler = build_scheduler(config, jobs, sources=source or ())
        if not scheduler.get_jobs():
            raise UserError(
                "nothing to schedule: no source has a `schedule` (cron) and there is no "
                "[report] schedule in the config"
            )
        home = Path(config_path).resolve().parent if config_path else Path.cwd()
        log_path = log_file or home / "logs" / "umot-schedule.log"
        try:
            configure_logging(log_path)
        except OSError as exc:
            raise UserError(f"cannot write the log file {log_path}: {exc.strerror}") from None
    for name, when in next_runs(config).items():
        if not source or name in source:
            typer.echo(f"{name}: next run {when:%Y-%m-%d %H:%M} UTC" if when else f"{name}: -")
    report_job = scheduler.get_job(REPORT_JOB)
    if report_job is not None:
        when = report_job.trigger.get_next_fire_time(None, datetime.now(UTC))
        typer.echo(f"{config.report.period} report: next {when:%Y-%m-%d %H:%M} UTC")
    typer.echo(f"log: {log_path} (Ctrl-C to stop)")
    try:
        if run_now:
            for job in scheduler.get_jobs():
                if job.id != REPORT_JOB:
                    jobs.run_source(job.args[0])
        scheduler.start()
    except KeyboardInterrupt:
        typer.echo("stopping: the running steps finish their runs as interrupted…")
        jobs.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        typer.echo("scheduler stopped")


@alerts_app.command("check")
def alerts_check() -> None:
    """Detect spikes now, record them, and deliver pending alerts (webhook, e-mail)."""
    from umot.alerts import check_and_notify

    with user_errors():
        config = current_config()
        engine = open_engine(config)
        report = check_and_notify(engine, config)
    typer.echo(
        f"{report.detected} spike(s) now, {report.new} new alert(s); "
        f"{report.delivered} delivered, {report.failed} to retry "
        f"(webhook took {report.webhook}, e-mail {report.email})"
    )
