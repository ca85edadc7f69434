"""How the dashboard writes confidences and gaps for people."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.ui import MISSING, percent, readable
from tests.dashboard.conftest import open_page


@pytest.mark.parametrize(
    ("confidence", "shown"),
    [(0.38, "38 %"), (0.994, "99 %"), (0.9996, "99 %"), (1.0, "100 %"), (0.29, "29 %")],
)
def test_only_a_persons_label_reads_100_percent(confidence: float, shown: str) -> None:
    assert percent(confidence) == shown


def test_no_confidence_stays_empty() -> None:
    assert percent(None) is None and percent(math.nan) is None


def test_missing_values_stay_missing_for_the_tables_placeholder() -> None:
    """readable() leaves gaps as gaps (numbers stay numbers, links stay links); the tables
    show every gap as a dash (test_every_table_shows_a_gap_as_a_dash)."""
    frame = pd.DataFrame(
        {
            "product": ["Field Jacket", None],
            "profile_url": ["https://example.org/@a", None],
            "followers": [9200, None],
        }
    )
    shown = readable(frame, keep=("profile_url",))
    assert shown["Product"].isna().tolist() == [False, True]
    assert shown["profile_url"].isna().tolist() == [False, True]
    assert shown["Followers"].isna().tolist() == [False, True]
    assert pd.api.types.is_numeric_dtype(shown["Followers"])


@pytest.mark.parametrize(
    "page", ["overview", "journey", "loop", "mentions", "advocates_complaints", "crawls"]
)
def test_every_table_shows_a_gap_as_a_dash(app_env, page: str) -> None:
    """Every table on every page asks Streamlit for the dash, not its "None"."""
    at = open_page(page)
    tables = at.dataframe
    assert len(tables) >= 1
    assert {t.proto.placeholder for t in tables} == {MISSING}
    if page == "advocates_complaints":
        # The test's authors have no follower count: the gap the dash is for.
        assert tables[0].value["Followers"].isna().any()
