"""How the dashboard writes a confidence for people."""

from __future__ import annotations

import math

import pytest

from dashboard.ui import percent


@pytest.mark.parametrize(
    ("confidence", "shown"),
    [(0.38, "38 %"), (0.994, "99 %"), (0.9996, "99 %"), (1.0, "100 %"), (0.29, "29 %")],
)
def test_only_a_persons_label_reads_100_percent(confidence: float, shown: str) -> None:
    assert percent(confidence) == shown


def test_no_confidence_stays_empty() -> None:
    assert percent(None) is None and percent(math.nan) is None
