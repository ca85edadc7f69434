"""`umot crawl` (configured sources, progress, summary table) and `umot extract` (one file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.words import describe_drops, plural
from umot.shell import current_config, fail, user_errors

if TYPE_CHECKING:
    from crawler.logs import LogCounter
    from crawler.runner import SourceResult


def register(app: typer.Typer) -> None:
    app.command()(crawl)
    app.command()(extract)


def crawl(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Crawl only this source (repeatable)."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Scrapy's log (INFO and up) on stderr.")
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Append the full log (INFO and up, with tracebacks) to this file.",
            dir_okay=False,
        ),
    ] = None,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="No live progress display.")
    ] = False,
) -> None:
    """Crawl the configured sources into the database (one run per source).

    Shows a progress line per source, then a table of the runs; the log stays out of sight
    (its warnings and errors are counted) unless --verbose or --log-file asks for it.
    """
    from rich.console import Console

    from crawler.logs import LogCounter, LogOptions
    from crawler.runner import run_sources, select_sources

    console = Console(stderr=True)
    counter = LogCounter()
    with user_errors():
        config = current_config()
        sources = select_sources(config, source)
        if not sources:
            fail("no sources configured: add [[sources]] to the config (see `umot init`)")
        if log_file is not None:
            _check_writable(log_file)
        display = None if no_progress or not console.is_terminal else _ProgressDisplay(console)
        try:
            results = run_sources(
                config,
                [s.name for s in sources],
                progress=display.update if display else None,
                log=LogOptions(
                    stderr="INFO" if verbose else None,
                    file=str(log_file) if log_file is not None else None,
                ),
                counter=counter,
            )
        finally:
            if display is not None:
                display.stop()
    _summary(results, counter, verbose=verbose, log_file=log_file)
    if any(r.status in ("failed", "blocked", "needs_credentials") for r in results):
        raise typer.Exit(1)
    if any(r.status == "interrupted" for r in results):
        raise typer.Exit(130)  # stopped by Ctrl-C or SIGTERM, as a shell reports it


def _check_writable(path: Path) -> None:
    """Fail with one line, before crawling, when the log file cannot be written."""
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        fail(f"cannot write the log file {path}: {exc.strerror or exc}")


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


def _summary(
    results: list[SourceResult], counter: LogCounter, *, verbose: bool, log_file: Path | None
) -> None:
    """The table of runs, then one line on the warnings and errors logged, if any."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "source", "spider", "status", "pages", "new", "updated", "dropped", "logged", "error"
    )
    colours = {"ok": "green", "partial": "yellow"}
    for r in results:
        colour = colours.get(r.status, "red")
        table.add_row(
            r.source,
            r.spider,
            f"[{colour}]{r.status}[/]",
            str(r.pages),
            str(r.new),
            str(r.updated),
            describe_drops(r.dropped) or "0",
            _logged(r.warnings, r.errors),
            (r.error or "")[:200],
        )
    # A terminal gets its own width; a pipe or file gets wide lines rather than wrapped cells.
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(table)
    warnings = sum(r.warnings for r in results) + counter.warnings[None]
    errors = sum(r.errors for r in results) + counter.errors[None]
    if not warnings and not errors:
        return
    logged = f"{_logged(warnings, errors)} logged"
    if log_file is not None:
        line = f"{logged}; the full log is in {log_file}"
    elif verbose:
        line = f"{logged} (on stderr above)"
    else:
        line = f"{logged}; rerun with --verbose or --log-file PATH to see them"
    console.print(line, highlight=False, markup=False)


def _logged(warnings: int, errors: int) -> str:
    """Like "2 warnings, 1 error"; empty when there were neither."""
    parts = [plural(n, word) for n, word in ((warnings, "warning"), (errors, "error")) if n]
    return ", ".join(parts)


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
