"""`umot report`: the headline for a brand and a period, as HTML or JSON, to a file or by mail."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from core.config import Config
from umot.shell import UserError, current_config, fail, open_engine, user_errors

SUFFIXES = {".html": "html", ".htm": "html", ".json": "json"}
# The report reads the periods before --until and the one it ends: days near the ends of the
# calendar would step out of it.
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


class PeriodKind(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"


def register(app: typer.Typer) -> None:
    app.command()(report)


def report(
    brand: Annotated[
        list[str] | None,
        typer.Option(
            "--brand", "-b", help="Brand to report on (repeat for several; default: own brands)."
        ),
    ] = None,
    period: Annotated[
        PeriodKind, typer.Option("--period", "-p", help="week, month or quarter.")
    ] = PeriodKind.week,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="The report covers the last full period ending on or before DATE (default: "
            "today, UTC).",
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="html or json (default: from the output's suffix)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    email: Annotated[
        bool,
        typer.Option(
            "--email", help="Also send the HTML report by e-mail (config section \\[notify])."
        ),
    ] = False,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Send to this address instead of [notify] to (repeatable)."),
    ] = None,
) -> None:
    """The headline: the brand's figures against the previous period and its competitors, and
    the three kinds of content that moved its exposure index, with a quote each."""
    from store.catalog import sync_configured_catalog
    from store.db import session_scope
    from store.headline import headline
    from store.loop import LoopParams
    from store.scope import weights_for
    from umot.mail import DeliveryError
    from umot.report import render_html, send_report

    with user_errors():
        chosen = _format(fmt, output, email)
        day = _until(until)
        config = current_config()
        if to and not email:
            raise UserError("--to needs --email")
        for address in to or []:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
                raise UserError(f"--to {address!r} is not an e-mail address")
        if email:
            config.notify.smtp_url()  # a missing [notify] or variable fails before any work
        notify = config.notify.model_copy(update={"to": to}) if to else config.notify
        subject_names, other_names = _brands(config, brand)
        engine = open_engine(config)
        with session_scope(engine, write=True) as session:
            ids = sync_configured_catalog(session, config).brands
        with session_scope(engine) as session:
            result = headline(
                session,
                brand_ids=[ids[n] for n in subject_names],
                competitor_ids=[ids[n] for n in other_names if n in ids],
                period=period.value,
                until=day,
                weights=weights_for(session, config.source_weight),
                params=LoopParams.from_analytics(config.analytics),
            )
        html = render_html(result) if chosen == "html" or email else ""
        text = html if chosen == "html" else result.to_json() + "\n"
        if output is not None:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
        elif not email:
            sys.stdout.write(text)
    if email:
        try:
            sent = send_report(result, notify, html)
        except DeliveryError as exc:
            fail(f"report not sent: {exc}", code=1)
        typer.echo(f"sent the {period.value} report on {result.brand} to {', '.join(sent)}")
    if output is not None:
        typer.echo(f"wrote the {period.value} report on {result.brand} to {output} ({chosen})")


def _format(fmt: ReportFormat | None, output: Path | None, email: bool) -> str:
    """--format, else the output's suffix; a contradiction or an unknown suffix is an error."""
    suffix = output.suffix.lower() if output is not None else ""
    from_suffix = SUFFIXES.get(suffix)
    if fmt is not None:
        if from_suffix is not None and from_suffix != fmt.value:
            assert output is not None
            raise UserError(
                f"--format {fmt.value} contradicts the output file {output.name!r}; "
                f"use a .{fmt.value} file or drop --format"
            )
        return fmt.value
    if output is None:
        return "html" if email else "json"
    if from_suffix is None:
        raise UserError(f"cannot tell the format from {output.name!r}; pass --format html|json")
    return from_suffix


def _until(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--until {value!r} is not a date (use YYYY-MM-DD)") from None
    if not EARLIEST <= day <= LATEST:
        raise UserError(f"--until {value!r} is out of range ({EARLIEST} to {LATEST})")
    return day


def _brands(config: Config, names: list[str] | None) -> tuple[list[str], list[str]]:
    """(the brands reported on, the brands compared with them). Default: the own brands
    against the competitors; a brand named with --brand is compared with every other one."""
    configured = [b.name for b in config.brands]
    if not configured:
        raise UserError("no brands in the config: add a [[brands]] table")
    if not names:
        return config.own_brands, config.competitor_brands
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise UserError(f"unknown brand {unknown[0]!r} (brands: {', '.join(configured)})")
    chosen = list(dict.fromkeys(names))
    return chosen, [n for n in configured if n not in chosen]
