"""The export writers: formula-safe CSV and JSON, typed XLSX made for people."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.formulas import guard, unguard
from store.writers import XLSX_MAX_TEXT, XLSX_MAX_WIDTH, render

FORMULA = '=HYPERLINK("http://x","y")'
COLUMNS = ["rank", "author", "score", "published_at", "day", "topics", "url", "text", "note"]
LONG = "The merino is so soft and doesn't itch at all. " * 6  # 288 characters


def _rows() -> list[dict[str, object]]:
    return [
        {
            "rank": 1,
            "author": "@maria",
            "score": -0.78125,
            "published_at": datetime(2026, 4, 3, 14, 5, 9, tzinfo=UTC),
            "day": date(2026, 4, 3),
            "topics": ["delivery", "customer_service"],
            "url": "https://www.reddit.com/r/x/comments/1/",
            "text": LONG,
            "note": FORMULA,
        },
        {
            "rank": 2,
            "author": "-dave-",
            "score": 0.5,
            "published_at": None,
            "day": None,
            "topics": [],
            "url": "javascript:alert(1)",
            "text": "short",
            "note": "-12.5",
        },
    ]


def _xlsx(rows=None):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(render(rows or _rows(), COLUMNS, "xlsx", title="complaints")))


@pytest.mark.parametrize("value", ["=1+1", "+1 555", "-dave-", "@maria", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_what_a_spreadsheet_would_run(value: str) -> None:
    assert guard(value) == "'" + value
    assert unguard(guard(value)) == value  # what our readers of labelled CSVs undo


@pytest.mark.parametrize("value", ["-1", "+3.5", "-12.5e3", "fine =1", "maria@x", -1.5, 3, None])
def test_csv_leaves_numbers_and_inner_signs_alone(value: object) -> None:
    assert guard(value) == value


@pytest.mark.parametrize("text", ["'quoted'", "'-12", "' =1", "it's", "''@x"])
def test_unguard_keeps_apostrophes_the_guard_did_not_add(text: str) -> None:
    assert unguard(text) == text


def test_csv_cells() -> None:
    lines = list(csv.reader(io.StringIO(render(_rows(), COLUMNS, "csv").decode())))
    assert lines[0] == COLUMNS
    first, second = (dict(zip(COLUMNS, line, strict=True)) for line in lines[1:])
    assert first["author"] == "'@maria" and second["author"] == "'-dave-"
    assert first["note"] == "'" + FORMULA
    assert second["note"] == "-12.5"  # a number as text: read as the number, never run
    assert first["score"] == "-0.78125"  # numbers are not text
    assert first["published_at"] == "2026-04-03T14:05:09+00:00"
    assert first["topics"] == "delivery;customer_service"


def test_json_carries_the_csv_text_and_typed_numbers() -> None:
    first, second = json.loads(render(_rows(), COLUMNS, "json"))
    assert first["author"] == "'@maria" and second["author"] == "'-dave-"
    assert first["note"] == "'" + FORMULA
    assert first["score"] == -0.78125 and first["rank"] == 1
    assert first["published_at"] == "2026-04-03T14:05:09+00:00"
    assert second["published_at"] is None


def test_xlsx_cells_are_typed_values_without_apostrophes() -> None:
    sheet = _xlsx().active
    assert [c.value for c in sheet[1]] == COLUMNS
    first = dict(zip(COLUMNS, sheet[2], strict=True))
    second = dict(zip(COLUMNS, sheet[3], strict=True))
    assert first["author"].value == "@maria" and first["author"].data_type == "s"
    assert second["author"].value == "-dave-" and second["author"].data_type == "s"
    assert first["note"].value == FORMULA and first["note"].data_type == "s"
    assert second["note"].value == "-12.5" and second["note"].data_type == "s"
    assert not any(c.data_type == "f" for line in sheet.iter_rows() for c in line)
    assert first["score"].value == -0.78125 and first["score"].data_type == "n"
    assert first["rank"].value == 1 and isinstance(first["rank"].value, int)
    # real dates, in UTC (Excel has no time zones), formatted
    assert first["published_at"].is_date
    assert first["published_at"].value == datetime(2026, 4, 3, 14, 5, 9)
    assert first["published_at"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["day"].is_date and first["day"].number_format == "yyyy-mm-dd"
    assert second["published_at"].value is None
    assert first["topics"].value == "delivery; customer_service"


def test_xlsx_is_made_for_people() -> None:
    sheet = _xlsx().active
    assert sheet.title == "complaints"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}3"
    assert all(c.font.b for c in sheet[1])
    widths = {
        c: sheet.column_dimensions[get_column_letter(i)].width for i, c in enumerate(COLUMNS, 1)
    }
    assert widths["text"] == XLSX_MAX_WIDTH + 2  # capped …
    text = sheet.cell(row=2, column=COLUMNS.index("text") + 1)
    assert text.alignment.wrap_text  # … and wrapped
    assert widths["author"] == len("-dave-") + 2  # by content
    assert widths["published_at"] >= len("2026-04-03 14:05:09")
    assert widths["rank"] < widths["published_at"] < widths["text"]
    link = sheet.cell(row=2, column=COLUMNS.index("url") + 1)
    assert link.hyperlink is not None
    assert link.hyperlink.target == "https://www.reddit.com/r/x/comments/1/"
    assert link.style == "Hyperlink"
    not_http = sheet.cell(row=3, column=COLUMNS.index("url") + 1)
    assert not_http.hyperlink is None and not_http.value == "javascript:alert(1)"


def test_xlsx_drops_characters_a_workbook_cannot_hold() -> None:
    rows = _rows()
    rows[0]["text"] = "bell\x07 and\x00 null, \uffff\ufffe noncharacters, lone \ud83d surrogate"
    sheet = _xlsx(rows).active
    assert (
        sheet.cell(row=2, column=COLUMNS.index("text") + 1).value
        == "bell and null,  noncharacters, lone  surrogate"
    )


def test_csv_keeps_a_text_with_carriage_returns_in_its_row() -> None:
    """A bare CR in a text would end the row for a CSV reader: line breaks become LF, quoted."""
    rows = [{"text": "line one\rline two\r\nline three", "note": "x"}, {"text": "end", "note": "y"}]
    data = render(rows, ["text", "note"], "csv").decode()
    parsed = list(csv.reader(io.StringIO(data, newline="")))
    assert parsed == [
        ["text", "note"],
        ["line one\nline two\nline three", "x"],
        ["end", "y"],
    ]


def test_xlsx_says_where_a_text_too_long_for_a_cell_was_cut() -> None:
    rows = _rows()
    rows[0]["text"] = "word " * 10_000  # 50,000 characters; a cell holds 32,767
    sheet = _xlsx(rows).active
    value = sheet.cell(row=2, column=COLUMNS.index("text") + 1).value
    assert len(value) <= XLSX_MAX_TEXT
    assert value.startswith("word word ")
    cut = 50_000 - value.index(" … [")
    assert value.endswith(f" … [{cut:,} more characters: the CSV and JSON exports hold them all]")
    assert len(render(rows, COLUMNS, "csv").decode()) > 50_000  # CSV keeps it whole


def test_an_empty_export_still_has_its_header() -> None:
    sheet = load_workbook(io.BytesIO(render([], COLUMNS, "xlsx"))).active
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.max_row == 1
    assert render([], COLUMNS, "csv").decode() == ",".join(COLUMNS) + "\n"
    assert json.loads(render([], COLUMNS, "json")) == []
