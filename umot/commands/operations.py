"""Running it unattended: `umot schedule` and `umot alerts`."""

from __future__ import annotations

import logging
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
) -> None:
    """Crawl each source on its cron (config `schedule`), classify and check alerts after."""
    from umot.schedule import SourceJobs, build_scheduler, next_runs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with user_errors():
        config = current_config()
        open_engine(config)  # fail now, not at the first tick, when the database is unusable
        unknown = [s for s in source or [] if s not in config.source_names]
        if unknown:
            raise UserError(f"unknown source(s): {', '.join(unknown)}")
        jobs = SourceJobs(config.path or state.config_path)
        scheduler = build_scheduler(config, jobs, sources=source or ())
        if not scheduler.get_jobs():
            raise UserError("no source has a `schedule` (cron) in the config")
    for name, when in next_runs(config).items():
        if not source or name in source:
            typer.echo(f"{name}: next run {when:%Y-%m-%d %H:%M} UTC" if when else f"{name}: -")
    if run_now:
        for job in scheduler.get_jobs():
            jobs.run_source(job.args[0])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
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
