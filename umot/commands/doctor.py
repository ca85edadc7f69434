"""`umot doctor`: one line per thing the configuration needs, and what to do when it fails."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from core.config import ConfigError
from umot.shell import current_config

CHECK_NAMES = ("database", "redis", "model", "webhook", "smtp")


def register(app: typer.Typer) -> None:
    app.command()(doctor)


def doctor(
    check: Annotated[
        list[str] | None,
        typer.Option("--check", help=f"Only these checks ({', '.join(CHECK_NAMES)})."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check the config, database, Redis, model, webhook and SMTP server, sending nothing.

    Exit code 0 when every check passed, 1 when one failed, 2 when the config does not load.
    """
    from umot.doctor import Check, run_checks

    unknown = [name for name in check or [] if name not in CHECK_NAMES]
    if unknown:
        typer.echo(
            f"error: unknown check(s) {', '.join(unknown)} (checks: {', '.join(CHECK_NAMES)})",
            err=True,
        )
        raise typer.Exit(2)
    try:
        config = current_config()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)  # as every command says it
        results = [Check("config", False, str(exc), "fix the config file or the variable named")]
        code = 2
    else:
        results = run_checks(config, check or ())
        code = 0 if all(result.ok for result in results) else 1
    if as_json:
        typer.echo(json.dumps([result.as_json() for result in results], indent=2))
    else:
        for result in results:
            typer.echo(result.line())
    raise typer.Exit(code)
