"""`umot crawl` (configured sources, progress, summary table) and `umot extract` (one file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from core.words import describe_drops
from umot.shell import current_config, fail, user_errors


def register(app: typer.Typer) -> None:
    app.command()(crawl)
    app.command()(extract)


def crawl(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Crawl only this source (repeatable)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Scrapy's log.")] = False,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="No live progress display.")
    ] = False,
) -> None:
    """Crawl the configured sources into the database (one run per source)."""
    from rich.console import Console

    from crawler.runner import run_sources, select_sources

    console = Console(stderr=True)
    with user_errors():
        config = current_config()
        sources = select_sources(config, source)
        if not sources:
            fail("no sources configured: add [[sources]] to the config (see `umot init`)")
        display = None if no_progress or not console.is_terminal else _ProgressDisplay(console)
        try:
            results = run_sources(
                config,
                [s.name for s in sources],
                progress=display.update if display else None,
                log_level="INFO" if verbose else "WARNING",
            )
        finally:
            if display is not None:
                display.stop()
    _summary(results)
    if any(r.status in ("failed", "blocked", "needs_credentials") for r in results):
        raise typer.Exit(1)


class _ProgressDisplay:
    def __init__(self, console: object) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[pages]} pages, {task.fields[items]} mentions"),
            TimeElapsedColumn(),
            console=console,  # type: ignore[arg-type]
            transient=True,
        )
        self.tasks: dict[str, object] = {}
        self.progress.start()

    def update(self, results: list) -> None:  # type: ignore[type-arg]
        for result in results:
            if result.source not in self.tasks:
                self.tasks[result.source] = self.progress.add_task(
                    result.source, total=None, pages=0, items=0
                )
            self.progress.update(
                self.tasks[result.source],  # type: ignore[arg-type]
                pages=result.pages,
                items=result.items,
            )

    def stop(self) -> None:
        self.progress.stop()


def _summary(results: list) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    table = Table("source", "spider", "status", "pages", "new", "updated", "dropped", "error")
    colours = {"ok": "green", "partial": "yellow"}
    for r in results:
        dropped = describe_drops(r.dropped) or "0"
        colour = colours.get(r.status, "red")
        table.add_row(
            r.source,
            r.spider,
            f"[{colour}]{r.status}[/]",
            str(r.pages),
            str(r.new),
            str(r.updated),
            dropped,
            (r.error or "")[:200],
        )
    # A terminal gets its own width; a pipe or file gets wide lines rather than wrapped cells.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def extract(
    file: Annotated[Path, typer.Argument(help="A saved page or API response.")],
    spider: Annotated[str, typer.Option("--spider", help="Which spider parses it.")],
    url: Annotated[
        str | None, typer.Option("--url", help="The URL the file was saved from.")
    ] = None,
) -> None:
    """Print every mention a spider finds in a saved file, as JSON lines (no database)."""
    from crawler.extract import ExtractError, extract_jsonl

    try:
        for line in extract_jsonl(file, spider, url):
            typer.echo(line)
    except ExtractError as exc:
        fail(str(exc))
