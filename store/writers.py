"""CSV, XLSX and JSON writers for exports, safe from spreadsheet formulas.

- **CSV** is what a spreadsheet opens and parses: a text cell it would run as a formula (starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe
  (OWASP's advice). Text that is a plain number (``-12``, ``+3.5``) is read as that number, not
  run, and is left alone; so is every number. Dates are ISO 8601 in UTC, lists ``;``-separated.
- **XLSX** is made for people and needs no apostrophe: every cell is written as a typed value
  (text as a string cell, which a spreadsheet never runs, whatever its first character; numbers
  as numbers; dates as Excel dates in UTC), so a handle like ``@maria`` reads as ``@maria``. The
  header row is bold and frozen with filters on it, columns are as wide as their content (capped;
  longer text wraps), and ``http(s)`` links are clickable.
- **JSON** is not a spreadsheet, but JSON files are pasted and imported into sheets too, so it
  carries the same text as the CSV, apostrophes included, with numbers as numbers and dates as
  ISO text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core.formulas import guard

FORMATS = ("csv", "xlsx", "json")
# Characters XLSX cannot hold (what XML 1.0 forbids: control characters, lone surrogates, the
# noncharacters U+FFFE and U+FFFF); scraped text sometimes has them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX_MAX_WIDTH = 60  # characters; longer content wraps
XLSX_MIN_WIDTH = 6
XLSX_DATETIME = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE = "yyyy-mm-dd"
XLSX_FLOAT = "0.000"
_MAX_LINK = 2_000  # Excel refuses longer link targets
XLSX_MAX_TEXT = 32_767  # characters a cell holds (Excel's limit; openpyxl cuts silently)

Row = Mapping[str, Any]


def _plain(value: Any) -> Any:
    """Cell value for CSV and JSON: dates as ISO text, lists joined with ';', NaN as empty."""
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
    """The rows as CSV and JSON carry them (plain values, formula text neutralised)."""
    return [[guard(_plain(row.get(c))) for c in columns] for row in rows]


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for line in cells(rows, columns):
        writer.writerow([_csv_cell(v) for v in line])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """A cell as the CSV writer takes it: None as empty, and every line break in text as
    ``\n``. The writer quotes a cell holding ``\n`` but not one holding a bare ``\r``, which
    readers then take for the end of the row."""
    if value is None:
        return ""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def to_json(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    records = [dict(zip(columns, line, strict=True)) for line in cells(rows, columns)]
    return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _typed(value: Any) -> Any:
    """Cell value for XLSX: numbers and dates typed (dates naive UTC: Excel has no zones),
    lists joined with '; ', text without the characters XML forbids."""
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        return _fit_cell(_ILLEGAL_XML.sub("", value))
    return value


def _fit_cell(text: str) -> str:
    """``text``, or as much of it as a cell holds followed by a note of what was cut: a reader
    of the sheet should not take a cut text for the whole one."""
    if len(text) <= XLSX_MAX_TEXT:
        return text
    kept = XLSX_MAX_TEXT - 80  # the note takes under 80 characters for any count below 10^12
    note = f" … [{len(text) - kept:,} more characters: the CSV and JSON exports hold them all]"
    return text[:kept] + note


def _is_link_column(name: str) -> bool:
    return name == "url" or name.endswith("_url")


def _shown_width(value: Any) -> int:
    """About how many characters a typed cell shows (what its column's width follows)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(XLSX_DATETIME)
    if isinstance(value, date):
        return len(XLSX_DATE)
    if isinstance(value, bool):
        return 5
    if isinstance(value, float):
        return len(f"{value:.3f}")
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(str(value))


def to_xlsx(rows: Sequence[Row], columns: Sequence[str], *, title: str = "export") -> bytes:
    """A one-sheet workbook made for people (openpyxl, write-only: linear in the rows).

    Every text cell is typed as a string explicitly, so no cell is ever a formula, whatever its
    text, and none needs an apostrophe. Header bold and frozen, filters on, widths by content
    (at most ``XLSX_MAX_WIDTH``; wider text wraps), ``http(s)`` values of ``url`` and ``*_url``
    columns clickable, dates as UTC Excel dates, floats shown with three decimals (the value
    itself is kept whole).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    table = [[_typed(row.get(c)) for c in columns] for row in rows]
    widths = [len(c) for c in columns]
    for line in table:
        for i, value in enumerate(line):
            widths[i] = max(widths[i], _shown_width(value))
    wrap = [w > XLSX_MAX_WIDTH for w in widths]
    links = [_is_link_column(c) for c in columns]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for i, width in enumerate(widths, start=1):
        shown = min(max(width, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH) + 2
        sheet.column_dimensions[get_column_letter(i)].width = shown
    sheet.freeze_panes = "A2"
    last = f"{get_column_letter(max(len(columns), 1))}{len(table) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"

    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")

    def header(name: str) -> Any:
        cell = WriteOnlyCell(sheet, value=name)
        cell.data_type = "s"
        cell.font = bold
        return cell

    def cell(value: Any, row: int, column: int) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # never a formula, never an error code
            if links[column - 1] and value.startswith(("http://", "https://")):
                if len(value) <= _MAX_LINK:
                    text.row, text.column = row, column
                    text.hyperlink = value
                    text.style = "Hyperlink"
            elif wrap[column - 1]:
                text.alignment = wrapped
            return text
        if isinstance(value, datetime | date):
            typed = WriteOnlyCell(sheet, value=value)
            typed.number_format = XLSX_DATETIME if isinstance(value, datetime) else XLSX_DATE
            return typed
        if isinstance(value, float):
            number = WriteOnlyCell(sheet, value=value)
            number.number_format = XLSX_FLOAT
            return number
        return value

    sheet.append([header(c) for c in columns])
    for r, line in enumerate(table, start=2):
        sheet.append([cell(v, r, i) for i, v in enumerate(line, start=1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


class MissingFolder(FileNotFoundError):
    """The export's folder does not exist (and creating it was not asked for)."""


def ensure_folder(path: Path, *, parents: bool) -> None:
    """Create ``path``'s folder when ``parents``; otherwise raise MissingFolder if it is absent
    (and when it is a file, or cannot be created)."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise MissingFolder(f"{folder} is a file, not a folder")
    if parents:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MissingFolder(f"cannot create folder {folder}: {exc.strerror or exc}") from None
    elif not folder.is_dir():
        raise MissingFolder(f"folder {folder} does not exist (create it, or pass --parents)")


def write(
    path: Path,
    rows: Sequence[Row],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str = "export",
    parents: bool = False,
) -> int:
    """Write an export file; returns the number of bytes written.

    A missing folder is an error unless ``parents``: a typo in a path should not quietly create
    a tree somewhere else (as root, possibly at the file system's root).
    """
    data = render(rows, columns, fmt, title=title)
    ensure_folder(path, parents=parents)
    path.write_bytes(data)
    return len(data)


MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
