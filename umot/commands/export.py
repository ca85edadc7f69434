"""`umot export advocates|complaints|corrections`: the dashboard's downloads, from the shell."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from umot.shell import UserError, current_config, open_engine, user_errors

export_app = typer.Typer(
    help="Export advocates, complaints or corrections (CSV, XLSX or JSON).", no_args_is_help=True
)


ALL = "all"  # --brand all: every brand, the explicit choice


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="File to write; its suffix gives the format.")
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format", "-f", help="csv, xlsx or json (default: from the file's suffix, which it "
        "must not contradict)."
    ),
]  # fmt: skip
BrandOpt = Annotated[
    str | None,
    typer.Option(
        "--brand", "-b", help=f"One brand by name, or {ALL!r} for every brand (default: the own "
        "brand(s), role = \"own\" in the config).",
    ),
]  # fmt: skip
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Only mentions published on or after DATE (UTC).")
]
ParentsOpt = Annotated[
    bool, typer.Option("--parents", help="Create the output's folder if it does not exist.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="The list's \"now\" (default: the current time): a UTC time, or a DATE "
        "for the end of that UTC day, as the dashboard's range ending on DATE.",
    ),
]  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@export_app.command()
def advocates(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
              since: SinceOpt = None, as_of: AsOfOpt = None, parents: ParentsOpt = False,
) -> None:  # fmt: skip
    """Authors of positive mentions, ranked by the summed visibility of those mentions."""
    _export("advocates", output, fmt, brand, since, as_of, parents=parents)


@export_app.command()
def complaints(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
               since: SinceOpt = None, as_of: AsOfOpt = None, parents: ParentsOpt = False,
) -> None:  # fmt: skip
    """Negative mentions by priority, with brand, stage, topics, owner team and status."""
    _export("complaints", output, fmt, brand, since, as_of, parents=parents)


@export_app.command()
def corrections(output: OutputOpt, fmt: FormatOpt = None, brand: BrandOpt = None,
                since: SinceOpt = None, as_of: AsOfOpt = None, parents: ParentsOpt = False,
) -> None:  # fmt: skip
    """Corrected mentions as a labelled CSV (id,text,label,stage,topics,…) for `umot train`."""
    _export("corrections", output, fmt, brand, since, as_of, parents=parents)


def _export(
    kind: str,
    output: Path,
    fmt: Format | None,
    brand: str | None,
    since: str | None,
    as_of_text: str | None,
    *,
    parents: bool = False,
) -> None:
    from store.catalog import sync_configured_catalog
    from store.db import session_scope
    from store.exports import build_export
    from store.scope import Scope, weights_for
    from store.writers import MissingFolder, ensure_folder, write

    with user_errors():
        fmt_name = _format(output, fmt)
        try:
            ensure_folder(output, parents=parents)  # before the queries, not after
        except MissingFolder as exc:
            raise UserError(str(exc)) from None
        start = _parse_day(since)
        as_of = _parse_as_of(as_of_text)
        config = current_config()
        engine = open_engine(config)
        with session_scope(engine, write=True) as session:
            catalog = sync_configured_catalog(session, config)
        with session_scope(engine) as session:
            brand_ids, brand_names = _brands(session, brand, catalog.brands)
            export = build_export(
                session,
                kind=kind,
                scope=Scope(brand_ids=brand_ids, start=start),
                as_of=as_of,
                weights=weights_for(session, config.source_weight),
                half_life_days=config.analytics.half_life_days,
            )
        try:
            size = write(output, export.rows, export.columns, fmt_name, title=kind)
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(
        f"wrote {len(export.rows)} {kind} of {brand_names} to {output} "
        f"({fmt_name}, {size} bytes, as of {as_of.isoformat(sep=' ')})"
    )


def _format(output: Path, fmt: Format | None) -> str:
    """The format: ``--format`` or the suffix; a contradiction or no way to tell is an error."""
    from store.writers import FORMATS

    suffix = output.suffix.lstrip(".").lower()
    if fmt is not None:
        if suffix in FORMATS and suffix != fmt.value:
            raise UserError(
                f"--format {fmt.value} contradicts the file name {output.name!r} (.{suffix}); "
                f"change one of them"
            )
        return fmt.value
    if suffix not in FORMATS:
        raise UserError(
            f"cannot tell the format from {output.name!r}; use a .csv, .xlsx or .json name "
            f"or pass --format"
        )
    return suffix


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since {value!r} is not a date (use YYYY-MM-DD)") from None


def _parse_as_of(value: str | None) -> datetime:
    """``--as-of``: now (to the second) when absent; a date: the end of that UTC day (the start
    of the next); a time: itself, in UTC (a time without a zone is UTC)."""
    from store.exports import utc

    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except OverflowError:  # the day after 9999-12-31
        raise UserError(f"--as-of {value!r} is out of range") from None
    except ValueError:
        raise UserError(
            f"--as-of {value!r} is not a date or time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[Z])"
        ) from None
    return utc(moment)


def _brands(
    session: object, brand: str | None, configured: dict[str, int]
) -> tuple[tuple[int, ...], str]:
    """The brand ids to export and how to name them: the own brand(s) by default, one brand
    by name, or ``all`` (every mention, with or without a brand)."""
    from sqlmodel import Session, col, select

    from store.catalog import own_brand_ids
    from store.models import Brand

    assert isinstance(session, Session)
    known = ", ".join(repr(n) for n in sorted(configured)) or "none configured"
    if brand is None:
        ids = own_brand_ids(session)
        if not ids:
            raise UserError(
                f'no own brand to export: mark one with role = "own" in the config, or pass '
                f"--brand NAME (brands: {known}) or --brand {ALL}"
            )
        names = session.exec(select(Brand.name).where(col(Brand.id).in_(ids))).all()
        return ids, " and ".join(sorted(names))
    if brand.lower() == ALL:
        return (), "all brands"
    found = session.exec(select(Brand.id).where(Brand.name == brand)).first()
    if found is None:
        raise UserError(f"unknown brand {brand!r} (brands: {known}; or --brand {ALL})")
    return (found,), brand
