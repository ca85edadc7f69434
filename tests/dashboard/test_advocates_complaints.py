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
    assert set(advocates["author"]) == {"fan0", "fan1", "fan2", "fan3"}
    assert advocates["summed_visibility"].is_monotonic_decreasing
    complaints = at.dataframe[1].value
    assert complaints["priority"].is_monotonic_decreasing
    assert set(complaints["owner_team"]) <= {
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
    assert picked not in set(at.dataframe[1].value["id"])
