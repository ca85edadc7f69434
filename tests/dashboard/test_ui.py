"""How the dashboard writes confidences and gaps for people."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.ui import MISSING, percent, readable


@pytest.mark.parametrize(
    ("confidence", "shown"),
    [(0.38, "38 %"), (0.994, "99 %"), (0.9996, "99 %"), (1.0, "100 %"), (0.29, "29 %")],
)
def test_only_a_persons_label_reads_100_percent(confidence: float, shown: str) -> None:
    assert percent(confidence) == shown


def test_no_confidence_stays_empty() -> None:
    assert percent(None) is None and percent(math.nan) is None


def test_a_missing_text_reads_as_a_dash_not_none() -> None:
    """st.dataframe prints None as "None": a brand manager would read a product called None."""
    frame = pd.DataFrame(
        {
            "product": ["Field Jacket", None],
            "stage": [None, None],
            "profile_url": ["https://example.org/@a", None],
            "followers": [9200, None],
        }
    )
    shown = readable(frame, keep=("profile_url",))
    assert shown["Product"].tolist() == ["Field Jacket", MISSING]
    assert shown["Stage"].tolist() == [MISSING, MISSING]
    assert shown["profile_url"].isna().tolist() == [False, True]  # a link column stays empty
    assert shown["Followers"].isna().tolist() == [False, True]  # numbers stay numbers
