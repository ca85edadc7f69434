"""`umot demo`: serve the bundled demo world on 127.0.0.1, crawl it, classify, show it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from core.config import Config
from umot.shell import open_engine, user_errors


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo config and database go.")
    ] = Path("umot-demo"),
    no_dashboard: Annotated[
        bool, typer.Option("--no-dashboard", help="Stop after classification; print a summary.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Dashboard port.")] = 8501,
) -> None:
    """Crawl a year of a fictional brand's mentions with the real spiders, classify, open the
    dashboard. Everything stays on this machine."""
    database = directory / "demo.db"
    database.unlink(missing_ok=True)  # a fresh database every time: the demo is reproducible
    # The demo writes its own SQLite file, never a team database named in the environment.
    os.environ.pop("UMOT_DATABASE_URL", None)
    started = time.perf_counter()
    try:
        config, summary = _build(directory)
    except KeyboardInterrupt:
        typer.echo("demo stopped before it was ready", err=True)
        raise typer.Exit(130) from None
    mentions = summary["mentions"]
    typer.echo(
        f"demo ready in {time.perf_counter() - started:.0f} s: {mentions['total']} mentions "
        f"from {len(mentions['by_spider'])} source kinds, {summary['classified']} classified; "
        f"config {config.path}"
    )
    if no_dashboard:
        return
    env = {**os.environ, "UMOT_CONFIG": str(Path(str(config.path)).resolve())}
    from umot.commands.dashboard import serve_dashboard, streamlit_command

    typer.echo(f"dashboard on http://127.0.0.1:{port} (Ctrl-C to stop)")
    serve_dashboard(streamlit_command(port), env)


def _build(directory: Path) -> tuple[Config, dict[str, Any]]:
    """Serve the demo world, crawl it in a child process, classify: (its config, its status)."""
    from crawler.child import run_sources_in_child
    from demo import demo_environment, serve_demo, write_demo_config
    from sentiment import load_classifier
    from store.db import session_scope
    from store.status import status_summary
    from umot.classify import classify_pending

    with user_errors(), serve_demo() as base_url, demo_environment():
        config = write_demo_config(directory, base_url)
        typer.echo(f"demo sources served at {base_url}; crawling {len(config.sources)} sources…")
        results = run_sources_in_child(str(config.path), log_level="ERROR")
        for result in results:
            typer.echo(f"  {result.source:28s} {result.status:8s} new {result.new}")
        engine = open_engine(config)
        classifier = load_classifier(config.model)
        typer.echo(f"classifying with {classifier.version}…")
        try:
            classify_pending(engine, classifier, batch_size=config.model.batch_size * 4)
        finally:
            classifier.close()  # its sentence-split workers are not needed by the dashboard
        with session_scope(engine) as session:
            summary = status_summary(session)
    return config, summary
