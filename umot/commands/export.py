"""`umot export advocates|complaints|corrections`: the dashboard's downloads, from the shell."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from umot.shell import UserError, current_config, open_engine, user_errors

export_app = typer.Typer(
    help="Export advocates, complaints or corrections (CSV, XLSX or JSON).", no_args_is_help=True
)


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="File to write.")]
FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="csv, xlsx or json (default: from the file's suffix)."),
]
BrandOpt = Annotated[str | None, typer.Option("--brand", "-b", help="Only this brand.")]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Only mentions published on or after DATE (UTC).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@export_app.command()
def advocates(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
              since: SinceOpt = None) -> None:  # fmt: skip
    """Authors of positive mentions, ranked by the summed visibility of those mentions."""
    _export("advocates", output, fmt, brand, since)


@export_app.command()
def complaints(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
               since: SinceOpt = None) -> None:  # fmt: skip
    """Negative mentions by priority, with stage, topics, owner team and status."""
    _export("complaints", output, fmt, brand, since)


@export_app.command()
def corrections(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
                since: SinceOpt = None) -> None:  # fmt: skip
    """Corrected mentions as a labelled CSV (id,text,label,stage,topics) for `umot train`."""
    _export("corrections", output, fmt, brand, since)


def _export(
    kind: str, output: Path, fmt: Format | None, brand: str | None, since: str | None
) -> None:
    from store.catalog import sync_configured_catalog
    from store.db import session_scope
    from store.exports import build_export
    from store.scope import Scope, weights_for
    from store.types import utcnow
    from store.writers import FORMATS, write

    with user_errors():
        fmt_name = fmt.value if fmt else output.suffix.lstrip(".").lower() or "csv"
        if fmt_name not in FORMATS:
            raise UserError(f"cannot tell the format from {output.name!r}; pass --format")
        start = _parse_day(since)
        config = current_config()
        engine = open_engine(config)
        with session_scope(engine) as session:
            catalog = sync_configured_catalog(session, config)
            brand_ids: tuple[int, ...] = ()
            if brand is not None:
                brand_id = _brand_id(session, brand, catalog.brands)
                brand_ids = (brand_id,)
            export = build_export(
                session,
                kind=kind,
                scope=Scope(brand_ids=brand_ids, start=start),
                weights=weights_for(session, config.source_weight),
                as_of=utcnow().replace(microsecond=0),
                half_life_days=config.analytics.half_life_days,
            )
        try:
            size = write(output, export.rows, export.columns, fmt_name, title=kind)
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {len(export.rows)} {kind} to {output} ({fmt_name}, {size} bytes)")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since {value!r} is not a date (use YYYY-MM-DD)") from None


def _brand_id(session: object, name: str, configured: dict[str, int]) -> int:
    from sqlmodel import Session, select

    from store.models import Brand

    assert isinstance(session, Session)
    found = session.exec(select(Brand.id).where(Brand.name == name)).first()
    if found is None:
        known = ", ".join(sorted(configured)) or "none configured"
        raise UserError(f"unknown brand {name!r} (brands: {known})")
    return found
