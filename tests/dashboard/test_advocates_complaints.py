"""Advocates & complaints page: ranked lists, downloads, and setting a complaint's status."""

from __future__ import annotations

from sqlmodel import Session

from core.config import load_config
from store.db import make_engine
from store.models import ComplaintStatus
from tests.dashboard.conftest import open_page


def test_lists_and_downloads(app_env) -> None:
    at = open_page("advocates_complaints")
    advocates = at.dataframe[0].value
    assert set(advocates["Author"]) == {"fan0", "fan1", "fan2", "fan3"}
    assert advocates["Summed visibility"].is_monotonic_decreasing
    assert set(advocates["Brand"]) == {"Acme"}
    assert advocates["profile_url"].str.startswith("https://").all()
    assert advocates["Top quote"].str.len().gt(0).all()
    quote_confidence = advocates["Quote confidence"]
    assert quote_confidence.notna().all() and quote_confidence.str.endswith(" %").all()
    complaints = at.dataframe[1].value
    assert complaints["priority"].is_monotonic_decreasing
    wanted = {"Brand", "Product", "Text", "url", "Owner team", "Status", "Sentiment confidence"}
    assert wanted | {"Stage confidence"} <= set(complaints.columns)
    shown = complaints["Sentiment confidence"]
    assert shown.notna().all() and shown.str.endswith(" %").all()  # every one was scored
    assert not complaints["Stage"].isin(["zmot", "fmot", "amot", "smot", "umot"]).any()
    assert complaints["correct"].str.startswith("/mentions?mention=").all()
    assert set(complaints["Owner team"]) <= {
        "marketing", "e-commerce", "logistics & service", "product & quality",
        "customer experience",
    }  # fmt: skip
    assert len(at.get("download_button")) == 6


def test_set_status(app_env) -> None:
    at = open_page("advocates_complaints")
    picked = at.selectbox[0].value
    at.radio[0].set_value("resolved")
    next(b for b in at.button if b.label == "Save status").click().run()
    assert not at.exception
    engine = make_engine(load_config(app_env).database.url)
    with Session(engine) as session:
        row = session.get(ComplaintStatus, picked)
        assert row is not None and row.status == "resolved"
    engine.dispose()
    # resolved complaints leave the default list (new + acknowledged)
    assert f"/mentions?mention={picked}" not in set(at.dataframe[1].value["correct"])


def test_page_and_download_agree_to_the_last_digit(app_env) -> None:
    """The page's list and the file it offers use one as_of (the end of the range shown), not
    the page's end and the clock: the same complaint once had 9.533 on the page, 8.427 in the
    file."""
    import csv
    import io
    import json
    from datetime import UTC, datetime, time, timedelta

    from openpyxl import load_workbook

    from dashboard import data
    from dashboard.filters import Filters

    choices = data.choices()
    end = choices.last_day - timedelta(days=20)  # a range that ended weeks ago
    f = Filters(start=choices.first_day, end=end)
    as_of = data.as_of(f)
    assert as_of == datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    page = {r["id"]: r for r in data.complaints(f, ("new", "acknowledged"), as_of).rows}
    assert page
    in_csv = {
        int(r["id"]): r
        for r in csv.DictReader(
            io.StringIO(data.export_file(f, "complaints", "csv", as_of).decode())
        )
    }
    in_json = {r["id"]: r for r in json.loads(data.export_file(f, "complaints", "json", as_of))}
    sheet = load_workbook(io.BytesIO(data.export_file(f, "complaints", "xlsx", as_of))).active
    header = [c.value for c in sheet[1]]
    in_xlsx = {
        line[header.index("id")]: dict(zip(header, line, strict=True))
        for line in sheet.iter_rows(min_row=2, values_only=True)
    }
    for mid, row in page.items():
        assert float(in_csv[mid]["priority"]) == row["priority"]  # every digit
        assert in_json[mid]["priority"] == row["priority"]
        assert in_xlsx[mid]["priority"] == row["priority"]
        assert in_csv[mid]["as_of"] == as_of.isoformat() == in_json[mid]["as_of"]
        assert in_xlsx[mid]["as_of"] == as_of.replace(tzinfo=None)


def test_as_of_is_the_clock_for_a_range_that_reaches_today(app_env) -> None:
    from datetime import UTC, datetime, timedelta

    from dashboard import data
    from dashboard.filters import Filters

    before = datetime.now(UTC).replace(second=0, microsecond=0)
    for f in (Filters(), Filters(end=before.date() + timedelta(days=3))):
        got = data.as_of(f)
        assert got.second == got.microsecond == 0
        assert before <= got <= datetime.now(UTC)
