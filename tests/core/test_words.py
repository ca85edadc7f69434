"""Counted nouns and drop reasons in words."""

from __future__ import annotations

from core.words import describe_drops, drop_reason_name, plural


def test_plural() -> None:
    assert plural(1, "page") == "1 page"
    assert plural(0, "page") == "0 pages"
    assert plural(3, "page") == "3 pages"
    assert plural(1, "batch", "batches") == "1 batch"
    assert plural(2, "batch", "batches") == "2 batches"


def test_drop_reasons_in_words_most_frequent_first() -> None:
    assert drop_reason_name("OffTopic") == "not about a configured brand"
    assert drop_reason_name("SomethingNew") == "SomethingNew"  # shown as given, not lost
    reasons = {"MissingText": 1, "Duplicate": 4, "OffTopic": 4, "BadRating": 0}
    assert describe_drops(reasons) == (
        "duplicate in this run (4), not about a configured brand (4), no text (1)"
    )
    assert describe_drops({}) == describe_drops(None) == ""
