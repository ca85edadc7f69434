"""CSV, XLSX and JSON writers for exports, with spreadsheet-formula neutralisation.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by a spreadsheet; such cells get a leading apostrophe (OWASP's advice), which
spreadsheets show as text. Numbers stay numbers. JSON keeps values as they are except that the
same text cells are neutralised too, so every format carries identical text.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMATS = ("csv", "xlsx", "json")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]


def neutralise(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell (text starting a formula gets a ``'``)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Cell value: dates as ISO text, lists joined with ';', NaN as empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def cells(rows: Sequence[Row], columns: Sequence[str]) -> list[list[Any]]:
    return [[neutralise(_plain(row.get(c))) for c in columns] for row in rows]


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for line in cells(rows, columns):
        writer.writerow(["" if v is None else v for v in line])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: Sequence[Row], columns: Sequence[str], *, title: str = "export") -> bytes:
    """A one-sheet workbook (openpyxl, write-only: linear in the rows). Text cells are typed
    as strings explicitly, so no cell is ever a formula, whatever its text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        return text

    sheet.append([cell(c) for c in columns])
    for line in cells(rows, columns):
        sheet.append([cell(v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    records = [dict(zip(columns, line, strict=True)) for line in cells(rows, columns)]
    return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render(
    rows: Sequence[Row], columns: Sequence[str], fmt: str, *, title: str = "export"
) -> bytes:
    """The bytes of an export in ``fmt`` (csv, xlsx or json)."""
    if fmt == "csv":
        return to_csv(rows, columns)
    if fmt == "xlsx":
        return to_xlsx(rows, columns, title=title)
    if fmt == "json":
        return to_json(rows, columns)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def write(
    path: Path, rows: Sequence[Row], columns: Sequence[str], fmt: str, *, title: str = "export"
) -> int:
    """Write an export file; returns the number of bytes written."""
    data = render(rows, columns, fmt, title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
