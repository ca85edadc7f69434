"""The `umot` command line: parses arguments, calls the packages, maps errors to exit codes."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from core import __version__
from umot.shell import current_config, fail, open_engine, state, user_errors

app = typer.Typer(
    name="umot",
    help="UMOT Harvester: harvest what customers publish, classify it, see how it shapes ZMOT.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"umot {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            envvar="UMOT_CONFIG",
            help="Config file (default: ./umot.toml when present, else built-in defaults).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    state.config_path = config
    # `kill PID` stops a command the way Ctrl-C does: its children stop too.
    from core.processes import sigterm_as_interrupt

    sigterm_as_interrupt()
    # Both ways in (the console script, guarded; `python -m umot`, whose __main__ workers skip)
    # are safe to re-import in worker processes, so model.split_workers = "auto" may use them.
    from sentiment.preparation import allow_worker_processes

    allow_worker_processes()


@app.command()
def init(
    path: Annotated[Path, typer.Option("--path", help="Directory to write umot.toml into.")] = Path(
        "."
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter umot.toml for a fictional brand."""
    target = path / "umot.toml"
    if target.exists() and not force:
        fail(f"{target} already exists (use --force to overwrite)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        target.write_text(resources.files("umot").joinpath("starter.toml").read_text("utf-8"))
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    typer.echo(f"wrote {target}; edit brands and sources, then run `umot db upgrade`")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations to the configured database."""
    from store.db import current_revision, upgrade

    with user_errors():
        config = current_config()
        engine = open_engine(config, migrate=False)
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"database {url} already at revision {after}")
    else:
        typer.echo(f"database {url} upgraded from {before or 'empty'} to {after}")


# What `umot status` says about an empty or unlabelled database (store.status.empty_cause).
NEXT_STEPS = {
    "no_sources": "No sources configured: add [[sources]] to the config (`umot init` writes one).",
    "all_failed": "Every source failed at its last run (see why below): fix it, then `umot crawl`.",
    "no_mentions": "The database is empty: run `umot crawl` (or `umot demo`) to harvest.",
    "unlabelled": "Nothing is labelled yet: run `umot classify`.",
}


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Mentions per source and brand, how many are classified, each source's last run."""
    from store.catalog import sync_configured_catalog
    from store.db import session_scope
    from store.status import data_state, empty_cause, status_summary

    with user_errors():
        config = current_config()
        engine = open_engine(config)
        with session_scope(engine, write=True) as session:
            sync_configured_catalog(session, config)
        with session_scope(engine) as session:
            summary = status_summary(session)
            cause = empty_cause(data_state(session), config.source_names)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print_status(summary, NEXT_STEPS[cause] if cause else None)


def _print_status(summary: dict, advice: str | None) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    mentions = summary["mentions"]
    console.print(
        f"[bold]{mentions['total']}[/] mentions, [bold]{summary['classified']}[/] classified"
    )
    if summary["unlabelled"]["total"]:
        console.print(unlabelled_line(summary["unlabelled"]["by_reason"]), markup=False)
    if advice:
        console.print(advice, markup=False)
    for title, key in (("source", "by_source"), ("brand", "by_brand")):
        if mentions[key]:
            table = Table("", "mentions", title=f"by {title}", title_justify="left")
            for name, count in mentions[key].items():
                table.add_row(name, str(count))
            console.print(table)
    if summary["runs"]:
        table = Table("source", "status", "started (UTC)", "pages", "new", "updated", "dropped")
        table.add_column("error", overflow="fold")
        for run in summary["runs"]:
            table.add_row(
                run["source"],
                run["status"].replace("_", " "),
                run["started_at"][:16].replace("T", " "),
                str(run["pages"]),
                str(run["new"]),
                str(run["updated"]),
                str(run["dropped"]),
                run["error"] or "",
            )
        console.print(table)


def unlabelled_line(counts: dict[str, int]) -> str:
    """``unlabelled: 12 (unsupported language: de 9, fr 3)`` from reason counts."""
    from core.unlabelled import by_kind

    parts = [
        f"{kind}: {', '.join(f'{code} {n}' for code, n in languages.items())}"
        for kind, languages in by_kind(counts).items()
    ]
    return f"unlabelled: {sum(counts.values())} ({'; '.join(parts)})"


def _register_command_groups() -> None:
    """Commands of the other packages live beside them in umot.commands.*."""
    from umot.commands import register_all

    register_all(app)


_register_command_groups()
